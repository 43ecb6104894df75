"""DOCX layout, read from the XML of the fixture project's briefs and from LibreOffice's rendering:
the table of contents is filled before fields are updated, the package carries true application
properties and no template leftovers."""

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


# ---- LibreOffice: one conversion for the whole module ----------------------------------------


@pytest.fixture(scope="module")
def libreoffice_pdfs(built, tmp_path_factory):
    """Every full brief DOCX of the fixture project (both languages), converted to PDF by
    LibreOffice in one call: {(template, topic, lang): pdf path}."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) is not installed")
    base = tmp_path_factory.mktemp("lo")
    src, out = base / "docx", base / "pdf"
    src.mkdir()
    wanted = {}
    for template in ("brief",):
        for topic, lang in CASES:
            name = f"{template}--{topic}.{lang}"
            shutil.copy(docx_of(built, template, topic, lang), src / f"{name}.docx")
            wanted[(template, topic, lang)] = out / f"{name}.pdf"
    r = subprocess.run([soffice, f"-env:UserInstallation=file://{base}/profile", "--headless", "--convert-to", "pdf",
                        "--outdir", str(out), *sorted(str(p) for p in src.iterdir())],
                       capture_output=True, text=True, timeout=300)
    missing = [p.name for p in wanted.values() if not p.is_file()]
    assert not missing, (missing, r.stdout + r.stderr)
    return wanted


def pdf_pages(path) -> int:
    r = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60)
    return int(next(line.split()[-1] for line in r.stdout.splitlines() if line.startswith("Pages:")))


# ---- the table of contents ------------------------------------------------------------------


def toc_result(path) -> str:
    """The text of the TOC field's result: what stands between its separate and end marks."""
    from lxml import etree

    body = etree.fromstring(zipfile.ZipFile(path).read("word/document.xml"))
    W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    out, state, instr = [], None, ""
    for el in body.iter(f"{W}fldChar", f"{W}instrText", f"{W}t", f"{W}p"):
        if el.tag == f"{W}instrText":
            instr += el.text or ""
        elif el.tag == f"{W}fldChar":
            kind = el.get(f"{W}fldCharType")
            if kind == "begin":
                instr = ""
            elif kind == "separate" and instr.strip().startswith("TOC"):
                state = "result"
            elif kind == "end" and state == "result":
                return "".join(out)
        elif el.tag == f"{W}p" and state == "result":
            out.append("\n")
        elif el.tag == f"{W}t" and state == "result":
            out.append(el.text or "")
    raise AssertionError(f"no TOC field in {path.name}")


def section_headings(path) -> list[str]:
    """Texts of the level-2 and level-3 headings (Word's Heading 1 and Heading 2) of a DOCX body."""
    import docx

    levels = DOCX_MAP["headings"]
    names = {levels[2], levels[3]}
    return [p.text for p in docx.Document(str(path)).paragraphs if p.style is not None and p.style.name in names]


@pytest.mark.parametrize("topic,lang", CASES, ids=CASE_IDS)
def test_toc_field_result_lists_every_section_heading(built, topic, lang):
    path = docx_of(built, "brief", topic, lang)
    lines = [line for line in toc_result(path).split("\n") if line]
    headings = section_headings(path)
    assert headings and lines == headings
    assert strings(lang)["toc_placeholder"] not in toc_result(path)


@pytest.mark.parametrize("topic,lang", CASES, ids=CASE_IDS)
def test_libreoffice_shows_the_toc_entries_not_the_placeholder(built, libreoffice_pdfs, topic, lang):
    text = ws(pdftotext(libreoffice_pdfs[("brief", topic, lang)]))
    t = strings(lang)
    assert ws(t["toc_placeholder"]) not in text and "Update fields" not in text
    contents = text.index(ws(t["contents"]))
    pos = contents
    for h in section_headings(docx_of(built, "brief", topic, lang)):
        pos = text.index(ws(h), pos) + 1  # each entry, in order, after the Contents title
    assert text.index(ws(t["bottom_line"]), contents) < pos  # (the entries, then the body's headings)


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
