"""The CLI's base: the app, the global options, and the one error boundary.

Every command runs its work through `run()`: a BriefError prints each problem as
`error: path:line: message (hint: …)` on stderr and exits with the error's code; any other
exception is a bug in brief, reported in one line (BRIEF_DEBUG=1 shows the traceback). Library
modules are imported inside commands so that `brief --help` stays instant.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Optional

from brief.cli.app import App, Argument, Option  # noqa: F401  (the commands declare their parameters with these)

EXIT_INTERNAL = 70  # EX_SOFTWARE

app = App(help="Turn a curated, verified corpus of sources into policy briefs (DOCX and PDF).")

state: dict = {"project": None}


@app.callback()
def main_options(
    project: Optional[Path] = Option(None, "--project", "-C", help="Project directory (default: the current directory).",
                                     file_okay=False),
):
    state["project"] = project


def root() -> Path:
    """The project directory the command works on."""
    return Path(state["project"] or ".")


def in_project(path: Path) -> Path:
    """A relative output path given with --project lives inside the project."""
    return path if path.is_absolute() or state["project"] is None else root() / path


def echo(msg: str) -> None:
    print(msg, flush=True)


def err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load(strict: bool = True):
    """Load the project; with `strict`, any load problem is raised (and reported by run())."""
    from brief.corpus.load import load_project

    project = load_project(root())
    if strict:
        project.raise_if_problems()
    return project


def _stdout_gone() -> bool:
    """True when standard output is a pipe whose reader has closed it."""
    import select

    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(ev & select.POLLERR for _, ev in poll.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


def run(fn):
    """Call `fn` at the error boundary: never a traceback for bad input, one line for a bug."""
    from brief.errors import BriefError, bug, for_terminal

    try:
        return fn()
    except BriefError as e:
        for p in e.problems:
            err(for_terminal(p))
        raise SystemExit(e.exit_code)
    except BrokenPipeError:
        if not _stdout_gone():  # (another pipe or socket: a bug, reported below)
            err(for_terminal(bug(sys.exc_info()[1])))
            raise SystemExit(EXIT_INTERNAL)
        # The reader went away (`brief search … | head`): stop quietly, as a pipe's writer does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1)
    except Exception as e:  # noqa: BLE001 - the boundary
        if os.environ.get("BRIEF_DEBUG"):
            raise
        err(for_terminal(bug(e)))
        sys.stderr.flush()
        raise SystemExit(EXIT_INTERNAL)
    finally:
        build = sys.modules.get("brief.build")  # (a command that built nothing started no worker)
        if build is not None:
            build.stop_workers()
