"""The project's few error classes. Each carries a category, a location and a hint.

Library code raises these; only the CLI turns them into messages and exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
    """Base of every user-facing error. `category` names the kind, for the CLI."""

    category = "error"
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
    """A corpus, topic or template file is malformed or inconsistent."""

    category = "input"


class TemplateError(BriefError):
    """A template does not compile or does not render."""

    category = "template"


class FontError(BriefError):
    """Text holds a character that no configured font can draw."""

    category = "font"


class OutputError(BriefError):
    """An output file could not be written."""

    category = "output"


def rel(path: Path | str, root: Path | None = None) -> str:
    """Path shown to the user: relative to the project root where possible."""
    p = Path(path)
    if root is not None:
        try:
            return str(p.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(p)
