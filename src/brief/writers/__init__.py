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
# The PDF engines, like pandoc's --pdf-engine: each writes `<topic>.<lang>.pdf` from the same
# document model. reportlab is the default; typst writes a tagged PDF/UA-1.
PDF_ENGINES = {"reportlab": "brief.writers.pdf", "typst": "brief.writers.typst"}
DEFAULT_PDF_ENGINE = "reportlab"


@dataclass(frozen=True)
class Options:
    """What a writer gets besides the document: the UI strings of the document's language, the
    style data of its format, for DOCX the reference document's bytes and, for the reportlab PDF,
    the project whose cache keeps the parsed fonts (None: parse them)."""

    strings: Strings
    style: Any
    reference: bytes | None = None
    cache_root: Path | None = None


_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_XML_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                           "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def xml_text(text: str) -> str:
    """Text for XML character data: &, < and > escaped (xml.sax.saxutils.escape, without its
    import of urllib.request, which costs a CLI run tens of milliseconds)."""
    return text.translate(_XML_TEXT)


def xml_attr(text: str) -> str:
    """A double-quoted XML attribute value holding `text` exactly."""
    return '"' + text.translate(_XML_ATTR) + '"'


def check_engine(pdf_engine: str | None) -> str:
    """The PDF engine named (None: the default), or a clear error naming the choices."""
    engine = DEFAULT_PDF_ENGINE if pdf_engine is None else pdf_engine
    if engine not in PDF_ENGINES:
        raise InputError(Problem(None, None, f"unknown PDF engine '{engine}'", f"choose from {', '.join(PDF_ENGINES)}"))
    return engine


def options_for(fmt: str, root: Path, lang: str, pdf_engine: str | None = None) -> Options:
    """Load the strings and style data a writer of `fmt` needs for a project (for a PDF, those of
    `pdf_engine`: reportlab by default)."""
    from brief import i18n
    from brief.writers import styles

    t = i18n.load_strings(root, lang)
    if fmt == "docx":
        return Options(t, styles.docx_style(root), styles.reference_docx(root))
    if fmt == "pdf":
        if check_engine(pdf_engine) == "typst":
            return Options(t, styles.typst_style(root, root / ".brief-cache"))
        return Options(t, styles.pdf_style(root), cache_root=root)
    if fmt == "html":
        return Options(t, styles.html_style(root))
    raise _unknown(fmt)


def get_writer(fmt: str, pdf_engine: str | None = None) -> Callable:
    """The `write` function of a format (for a PDF, of `pdf_engine`: reportlab by default)."""
    import importlib

    if fmt not in WRITERS:
        raise _unknown(fmt)
    if fmt == "pdf":
        return importlib.import_module(PDF_ENGINES[check_engine(pdf_engine)]).write
    return importlib.import_module(WRITERS[fmt]).write


def _unknown(fmt: str) -> InputError:
    return InputError(Problem(None, None, f"unknown format '{fmt}'", f"choose from {', '.join(WRITERS)}"))
