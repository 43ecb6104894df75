"""The project's error family. Library code raises these; the CLI boundary (cli/base.py) alone
turns them into `error: path:line: message (hint: …)` lines and an exit code.

Each problem carries its location (file and line) and a hint on how to fix it; each class
carries the exit code the CLI uses for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What must never reach a terminal from data: control characters (escape sequences, bells,
# carriage returns that overwrite a line), bidi overrides and line separators.
_TERMINAL_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass
class Problem:
    """One thing wrong with the input: where (file, line), what, and how to fix it."""

    path: str | None
    line: int | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line:
            where = f"{where}:{self.line}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class BriefError(Exception):
    """Base of every user-facing error: one or more problems, and the exit code for the CLI."""

    exit_code = 1

    def __init__(self, problems: list[Problem] | Problem | str, *, hint: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(None, None, problems, hint)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = problems
        super().__init__("\n".join(str(p) for p in problems))

    def __reduce__(self):
        # Keep file:line when an error crosses a process boundary (parallel writers).
        return (type(self), (self.problems,))


class InputError(BriefError):
    """A corpus, topic, style or template file is malformed or inconsistent."""


class TemplateError(BriefError):
    """A template does not compile or does not render."""


class FontError(BriefError):
    """Text holds a character that no configured font can draw, or a font is missing."""


class OutputError(BriefError):
    """An output file could not be written."""


class SendError(BriefError):
    """One or more messages were not accepted by the mail server (the others went out)."""

    exit_code = 3


def for_terminal(problem: Problem | str, prefix: str = "error: ") -> str:
    """One problem as a terminal line: `error: path:line: message (hint: …)`, with every control
    character of the data removed. The one formatter of check, generate, watch and distribute."""
    return prefix + _TERMINAL_UNSAFE.sub(" ", str(problem))


def bug(e: BaseException) -> str:
    """A Python exception that is not bad input (a bug in brief), said in one line."""
    return (f"internal error: {type(e).__name__}: {e} (hint: this is a bug in brief, not in your files; "
            "run again with BRIEF_DEBUG=1 to see where it happened, and report it)")
