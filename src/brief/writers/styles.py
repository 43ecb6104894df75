"""Style data shared by writers: loading the PDF style sheet, the DOCX style map and the reference
document, and role -> style look-ups. How things look lives in templates/styles/, not in code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from brief.errors import InputError, Problem

PDF_STYLE = Path("templates") / "styles" / "pdf.yaml"
DOCX_MAP = Path("templates") / "styles" / "docx.yaml"
REFERENCE_DOCX = Path("templates") / "styles" / "reference.docx"


@lru_cache(maxsize=8)
def _load_pdf_style(path: str, mtime: float) -> dict:
    from brief.corpus import yamlio

    data = yamlio.load(Path(path), str(PDF_STYLE))
    for key in ("page", "fonts", "colours", "styles", "roles", "headings"):
        if key not in data:
            raise InputError(Problem(str(PDF_STYLE), None, f"style sheet has no '{key}' section",
                                     "restore it from the project's templates/styles/pdf.yaml"))
    return data


def pdf_style(root: Path) -> dict:
    """The PDF style sheet of a project (re-read when the file changes)."""
    path = root / PDF_STYLE
    if not path.is_file():
        raise InputError(Problem(str(PDF_STYLE), None, "PDF style sheet not found", "restore templates/styles/pdf.yaml"))
    return _load_pdf_style(str(path), path.stat().st_mtime)


@lru_cache(maxsize=8)
def _load_docx_style(path: str, mtime: float) -> dict:
    from brief.corpus import yamlio

    return yamlio.load(Path(path), str(DOCX_MAP))


def docx_style(root: Path) -> dict:
    """The DOCX style map of a project (re-read when the file changes)."""
    path = root / DOCX_MAP
    if not path.is_file():
        raise InputError(Problem(str(DOCX_MAP), None, "DOCX style map not found", "restore templates/styles/docx.yaml"))
    return _load_docx_style(str(path), path.stat().st_mtime)


def reference_docx(root: Path) -> bytes:
    """The reference document whose styles the DOCX writer names."""
    path = root / REFERENCE_DOCX
    if not path.is_file():
        raise InputError(Problem(str(REFERENCE_DOCX), None, "reference.docx not found",
                                 "restore it, or rebuild it with tools/make_reference_docx.py"))
    return path.read_bytes()


def role_style(roles: dict, stack: tuple[str, ...], node: str, default: str) -> str:
    """The style for a node ('para', 'heading', …) inside nested roles: innermost role wins."""
    for role in reversed(stack):
        mapping = roles.get(role)
        if mapping and node in mapping:
            return mapping[node]
    return default
