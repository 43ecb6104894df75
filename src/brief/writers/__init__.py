"""Writers: one module per format, each `write(document, options) -> bytes`, with one method per
node type. A writer reads nothing but its arguments: the document (its date and language are in
`document.meta`) and `Options` (UI strings and style data, loaded here by `options_for`).

They are imported only when used, so the CLI starts fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brief.errors import InputError, Problem
from brief.i18n import Strings

WRITERS = {"docx": "brief.writers.docx", "pdf": "brief.writers.pdf", "html": "brief.writers.html"}


@dataclass(frozen=True)
class Options:
    """What a writer gets besides the document: the UI strings of the document's language, the
    style data of its format and, for DOCX, the reference document's bytes."""

    strings: Strings
    style: Any
    reference: bytes | None = None


def options_for(fmt: str, root: Path, lang: str) -> Options:
    """Load the strings and style data a writer of `fmt` needs for a project."""
    from brief import i18n
    from brief.writers import styles

    t = i18n.load_strings(root, lang)
    if fmt == "docx":
        return Options(t, styles.docx_style(root), styles.reference_docx(root))
    if fmt == "pdf":
        return Options(t, styles.pdf_style(root))
    if fmt == "html":
        return Options(t, styles.html_style(root))
    raise _unknown(fmt)


def get_writer(fmt: str) -> Callable:
    """The `write` function of a format."""
    import importlib

    if fmt not in WRITERS:
        raise _unknown(fmt)
    return importlib.import_module(WRITERS[fmt]).write


def _unknown(fmt: str) -> InputError:
    return InputError(Problem(None, None, f"unknown format '{fmt}'", f"choose from {', '.join(WRITERS)}"))
