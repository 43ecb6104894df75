"""DOCX layout, read from the XML of the fixture project's briefs: the package carries true
application properties and no template leftovers."""

from __future__ import annotations

import shutil
import subprocess
import zipfile

import pytest

from conftest import LANGS, TEMPLATES
from helpers import FIXTURE_PROJECT, ROOT, load_yaml, pdftotext, strings, ws

TOPICS = sorted(p.stem for p in (FIXTURE_PROJECT / "briefs").glob("*.yaml") if not p.name.startswith("stakeholders"))
CASES = [(t, lang) for lang in LANGS for t in TOPICS]
CASE_IDS = [f"{t}.{lang}" for t, lang in CASES]
DOCX_MAP = load_yaml(ROOT / "templates" / "styles" / "docx.yaml")


def docx_of(built, template: str, topic: str, lang: str):
    return built / template / f"{topic}.{lang}.docx"


def every_docx(built):
    return [docx_of(built, tpl, t, lang) for tpl in TEMPLATES for t, lang in CASES]


def qn(tag: str) -> str:
    from docx.oxml.ns import qn as _qn

    return _qn(tag)


def style_has(doc, style, tag: str) -> bool:
    """The style, or a style it is based on, sets `tag` (e.g. w:keepNext) in its paragraph properties."""
    while style is not None:
        ppr = style.element.pPr
        if ppr is not None and ppr.find(qn(tag)) is not None:
            return ppr.find(qn(tag)).get(qn("w:val")) not in ("0", "false")
        style = style.base_style
    return False


def keeps_with_next(doc, p) -> bool:
    """keepNext on the paragraph itself, or through its style."""
    from docx.text.paragraph import Paragraph

    para = Paragraph(p, doc)
    direct = para.paragraph_format.keep_with_next
    return direct if direct is not None else style_has(doc, para.style, "w:keepNext")


# ---- package properties ------------------------------------------------------------------------


def test_app_properties_are_true_and_template_leftovers_are_gone(built):
    import docx
    from lxml import etree

    from brief import __version__

    for path in every_docx(built):
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            app = etree.fromstring(z.read("docProps/app.xml"))
            types = z.read("[Content_Types].xml").decode()
            rels = "".join(z.read(n).decode() for n in names if n.endswith(".rels"))
        assert not [n for n in names if n.startswith("customXml/") or "thumbnail" in n], (path.name, names)
        assert "customXml" not in types and "customXml" not in rels and "thumbnail" not in rels
        ns = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
        assert app.findtext(f"{ns}Application") == f"brief/{__version__}"
        for stale in ("Template", "AppVersion", "Pages", "Words", "Characters", "Lines", "Paragraphs"):
            assert app.find(f"{ns}{stale}") is None, (path.name, stale)
        docx.Document(str(path))  # still a Word document python-docx reads
