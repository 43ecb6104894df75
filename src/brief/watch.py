"""`brief watch`: re-render one brief whenever its inputs change, and keep going on errors.

`watch_inputs` is the change-detection loop itself (what counts as an input, what is left out);
`brief serve` (serve.py) runs the same loop with its own rebuild."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

INPUTS = ("templates", "seeds", "briefs", "brief.yaml")


def render_once(root: Path, topic: str, *, lang: str, formats: tuple[str, ...], out_dir: Path,
                template: str | None, echo: Callable[[str], None], pdf_engine: str | None = None) -> bool:
    """Load the project and write the brief; print every problem. True when it rendered."""
    from brief.build import generate
    from brief.corpus.load import load_project
    from brief.errors import BriefError, bug, for_terminal

    start = time.perf_counter()
    try:
        paths = generate(load_project(root), [topic], lang=lang, formats=formats, out_dir=out_dir, template=template,
                         pdf_engine=pdf_engine)
    except BriefError as e:
        for p in e.problems:
            echo(for_terminal(p))
        echo("watching for changes (the last good output is kept)")
        return False
    except Exception as e:  # noqa: BLE001 - a bug must never stop the watch either
        echo(for_terminal(bug(e)))
        return False
    names = ", ".join(p.name for p in paths)
    echo(f"rendered {names} in {time.perf_counter() - start:.2f} s")
    return True


def watch_inputs(root: Path, on_change: Callable[[], object], *, out_dir: Path | None,
                 echo: Callable[[str], None], stop_event=None) -> None:
    """Call `on_change()` now, then after every change under templates/, seeds/, briefs/ or
    brief.yaml (not in `out_dir`, not hidden or backup files). Returns when `stop_event` is set;
    Ctrl-C raises KeyboardInterrupt."""
    from watchfiles import watch

    on_change()
    paths = [root / name for name in INPUTS if (root / name).exists()]
    echo(f"watching {', '.join(str(p) for p in paths)}")
    out_resolved = out_dir.resolve() if out_dir is not None else None

    def relevant(change, path: str) -> bool:
        p = Path(path)
        if out_resolved is not None and out_resolved in p.resolve().parents:
            return False
        return not p.name.startswith(".") and not p.name.endswith("~")

    for _changes in watch(*paths, watch_filter=relevant, debounce=100, step=20, stop_event=stop_event,
                          raise_interrupt=True):
        on_change()


def watch_and_render(root: Path, topic: str, *, lang: str, formats: tuple[str, ...], out_dir: Path,
                     template: str | None, echo: Callable[[str], None], stop_event=None,
                     pdf_engine: str | None = None) -> None:
    """Render now, then after every change under templates/, seeds/, briefs/ or brief.yaml. The
    writer worker is started first (it writes each PDF beside the other formats)."""
    from brief.build import prewarm

    prewarm(root, formats, pdf_engine)
    watch_inputs(root, lambda: render_once(root, topic, lang=lang, formats=formats, out_dir=out_dir,
                                           template=template, echo=echo, pdf_engine=pdf_engine),
                 out_dir=out_dir, echo=echo, stop_event=stop_event)
