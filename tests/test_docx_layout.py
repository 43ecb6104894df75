"""DOCX layout, read from the XML of the fixture project's briefs and from LibreOffice's rendering:
the one-pager fits one page, headings and table rows keep with what follows them, the table of
contents is filled before fields are updated, tables have sized and aligned columns, the package
carries true application properties and no template leftovers, and quotes have a left rule."""

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
    """Every fixture one-pager DOCX and every full brief DOCX (both languages), converted to PDF by
    LibreOffice in one call: {(template, topic, lang): pdf path}."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) is not installed")
    base = tmp_path_factory.mktemp("lo")
    src, out = base / "docx", base / "pdf"
    src.mkdir()
    wanted = {}
    for template in ("one-pager", "brief"):
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


@pytest.mark.parametrize("topic,lang", CASES, ids=CASE_IDS)
def test_one_pager_docx_is_one_page_in_libreoffice(libreoffice_pdfs, topic, lang):
    assert pdf_pages(libreoffice_pdfs[("one-pager", topic, lang)]) == 1


def _breaks_inside_citations(text: str, lang: str) -> list[str]:
    """Lines of a rendered brief that end or start inside a citation ("[1," | "2]") or between a
    citation and its grade ("[1] ·" | "Grade C1", "评级" | "C1")."""
    import re

    label = re.escape(strings(lang)["grade"])
    ends = re.compile(rf"(\[[\d,\s\u00a0]*|·|{label})$")
    starts = re.compile(r"^(\]|,|·|[A-F][1-6]\b|\d+([,\s\u00a0]+\d+)*\])")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [f"{a!r} / {b!r}" for a, b in zip(lines, lines[1:]) if ends.search(a) or starts.search(b)]


@pytest.mark.parametrize("template", ["one-pager", "brief"])
@pytest.mark.parametrize("topic,lang", CASES, ids=CASE_IDS)
def test_libreoffice_never_breaks_a_line_inside_a_citation_or_before_its_grade(libreoffice_pdfs, template, topic,
                                                                               lang):
    """LibreOffice breaks Chinese text anywhere, no-break spaces and word joiners or not: a
    citation and its grade hold no space in Chinese ("[1,2]", "[1]·C2"), so no line breaks
    inside them; in English the no-break spaces hold ("[1, 2] · Grade C2")."""
    assert _breaks_inside_citations(pdftotext(libreoffice_pdfs[(template, topic, lang)]), lang) == []


def test_the_citation_check_sees_a_break_inside_a_citation():
    assert _breaks_inside_citations("the gap narrows. [1,\n2] and more", "en")
    assert _breaks_inside_citations("差距缩小。[1]·\nC2 其后", "zh")
    assert _breaks_inside_citations("差距缩小。[1] · 评级\nC2", "zh")
    assert _breaks_inside_citations("the gap narrows. [1] · Grade\nC2", "en")
    assert not _breaks_inside_citations("the gap narrows. [1, 2] · Grade C2\nNext line", "en")


# ---- headings and table rows keep with what follows ------------------------------------------


def test_every_heading_keeps_with_the_next_paragraph(built):
    import docx

    from docx.enum.style import WD_STYLE_TYPE

    checked = 0
    for path in every_docx(built):
        d = docx.Document(str(path))
        for p in d.element.body.iter(qn("w:p")):  # (table cells included)
            style = d.styles.get_by_id(p.style, WD_STYLE_TYPE.PARAGRAPH)
            if style.name == "Title" or style.name.startswith("Heading"):
                checked += 1
                assert keeps_with_next(d, p), (path.name, "".join(p.itertext()))
    assert checked


def test_every_table_row_stays_on_one_page_and_a_header_row_repeats(built):
    import docx

    headers = 0
    for path in every_docx(built):
        d = docx.Document(str(path))
        for table in d.tables:
            rows = table._tbl.findall(qn("w:tr"))
            for tr in rows:
                trpr = tr.find(qn("w:trPr"))
                assert trpr is not None and trpr.find(qn("w:cantSplit")) is not None, path.name
            first = rows[0].find(qn("w:trPr"))
            if first.find(qn("w:tblHeader")) is not None:
                headers += 1
                # the header row is kept with the first body row
                assert all(keeps_with_next(d, p) for p in rows[0].iter(qn("w:p"))), path.name
                assert all(tr.find(qn("w:trPr")).find(qn("w:tblHeader")) is None for tr in rows[1:]), path.name
    assert headers  # (the fact sheets' key-figures tables)


@pytest.mark.parametrize("topic,lang", CASES, ids=CASE_IDS)
def test_fact_sheet_key_figures_table_has_a_repeating_header_row(built, topic, lang):
    import docx

    d = docx.Document(str(docx_of(built, "fact-sheet", topic, lang)))
    (table,) = d.tables
    assert table.rows[0].cells[0].text == strings(lang)["entity"]
    assert table._tbl.findall(qn("w:tr"))[0].find(qn("w:trPr")).find(qn("w:tblHeader")) is not None


def test_a_trailing_more_findings_line_keeps_with_what_it_follows(built):
    """The 'N more findings in this section' line after a section's findings: the paragraph
    before it (the last finding's quote) is kept with it, and each finding's paragraphs keep
    together."""
    import re

    import docx

    seen = 0
    for topic, lang in CASES:
        d = docx.Document(str(docx_of(built, "brief", topic, lang)))
        forms = strings(lang)["more_findings"]
        forms = forms.values() if isinstance(forms, dict) else [forms]  # one text per plural form
        pattern = re.compile("|".join(re.escape(f).replace(re.escape("{n}"), r"\d+") for f in forms))
        for p in d.element.body.findall(qn("w:p")):  # (body paragraphs, not table cells)
            if pattern.match("".join(p.itertext())):
                seen += 1
                prev = p.getprevious()
                assert prev.tag == qn("w:p") and keeps_with_next(d, prev), (topic, lang)
                assert keeps_with_next(d, prev.getprevious()), (topic, lang)  # (the finding keeps together)
    assert seen


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


# ---- table columns -----------------------------------------------------------------------------


@pytest.mark.parametrize("topic,lang", CASES, ids=CASE_IDS)
def test_table_columns_are_sized_and_figures_right_aligned(built, topic, lang):
    import docx

    d = docx.Document(str(docx_of(built, "fact-sheet", topic, lang)))
    (table,) = d.tables
    tbl = table._tbl
    grid = [int(g.get(qn("w:w"))) for g in tbl.find(qn("w:tblGrid")).findall(qn("w:gridCol"))]
    sec = d.sections[-1]
    text_width = round((sec.page_width - sec.left_margin - sec.right_margin) / 635)  # twips
    assert sum(grid) == text_width
    assert len(set(grid)) > 1  # not equal columns
    assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
    header = [c.text for c in table.rows[0].cells]
    value = header.index(strings(lang)["value"])
    entity = header.index(strings(lang)["entity"])
    assert grid[value] != grid[entity]
    for row in table.rows:
        for c, cell in enumerate(row.cells):
            assert int(cell._tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) == grid[c]
            jc = [p.find(f"{qn('w:pPr')}/{qn('w:jc')}") for p in cell._tc.findall(qn("w:p"))]
            if c == value:
                assert all(j is not None and j.get(qn("w:val")) in ("right", "end") for j in jc), cell.text
                assert cell._tc.tcPr.find(qn("w:noWrap")) is not None
            elif c == entity:
                assert all(j is None for j in jc), cell.text
    # the figures column is as wide as its widest cell needs (no wrapping)
    widest = max(len(row.cells[value].text) for row in table.rows)
    assert grid[value] >= widest * DOCX_MAP["table"]["char_width"] * 20


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


# ---- quotes ------------------------------------------------------------------------------------


def test_quote_style_has_a_left_rule(built):
    import docx

    d = docx.Document(str(docx_of(built, "brief", TOPICS[0], "en")))
    style = d.styles[DOCX_MAP["roles"]["quote"]["para"]]
    left = style.element.pPr.find(f"{qn('w:pBdr')}/{qn('w:left')}")
    assert left is not None and left.get(qn("w:val")) == "single" and int(left.get(qn("w:sz"))) > 0
    quotes = [p for p in d.paragraphs if p.style.name == style.name]
    assert quotes


@pytest.mark.parametrize("lang", LANGS)
def test_a_quote_inside_a_list_item_lines_up_with_the_item_text(built, lang):
    """The one-pager's key findings are list items, each with its quote: the quote is indented by
    the item's text indent (docx.yaml's list_indent) beyond the quote style's own indent."""
    import docx
    from docx.shared import Pt

    d = docx.Document(str(docx_of(built, "one-pager", TOPICS[0], lang)))
    style = d.styles[DOCX_MAP["roles"]["quote"]["para"]]
    quotes = [p for p in d.paragraphs if p.style.name == style.name]
    assert quotes
    for p in quotes:
        assert p.paragraph_format.left_indent == style.paragraph_format.left_indent + Pt(DOCX_MAP["list_indent"]), p.text


def test_the_docx_honours_the_alignment_the_model_gives_each_column():
    """A column the Markdown marks `:---:` or `---:` is centred or right-aligned even when its cells are words."""
    import io

    import docx as python_docx
    from docx.oxml.ns import qn as _qn

    from brief import model as m
    from brief.writers import options_for
    from brief.writers.docx import write

    meta = m.Meta(title="Probe", subtitle="Probe", lang="en", tlp="TLP:CLEAR", topic="probe", date="2024-01-01")
    cell = lambda t: (m.Str(t),)  # noqa: E731
    table = m.Table((cell("Name"), cell("Kind"), cell("Note")),
                    ((cell("alpha"), cell("word"), cell("text")), (cell("beta"), cell("other"), cell("more"))),
                    ("", "center", "right"))
    data = write(m.Document(meta, (table,)), options_for("docx", ROOT, "en"))
    t = python_docx.Document(io.BytesIO(data)).tables[0]
    for row in t.rows[1:]:
        jcs = [[j.get(_qn("w:val")) for j in c._tc.iter(_qn("w:jc"))] for c in row.cells]
        assert jcs[0] in ([], ["left"], ["start"]), jcs
        assert jcs[1] == ["center"], jcs
        assert jcs[2] in (["right"], ["end"]), jcs


def test_a_column_is_never_narrower_than_a_grade_joined_by_no_break_spaces():
    """'[1] · Grade C2' in a narrow Source column: the no-break spaces make it one word, and the
    column is at least that wide, so no line breaks inside 'Grade'."""
    from brief.writers.docx import _longest_word

    assert _longest_word("[1]\u00a0·\u00a0Grade\u00a0C2") == len("[1]·Grade C2") + 2
    assert _longest_word("[1] · Grade C2") == len("Grade")


@pytest.mark.parametrize("topic,lang", CASES, ids=CASE_IDS)
def test_bookmarks_follow_the_paragraph_properties_and_have_names_word_accepts(built, topic, lang):
    """The schema order of a paragraph (properties first), and bookmark names of letters, digits
    and underscores that every link points at."""
    import re
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(docx_of(built, "brief", topic, lang)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    names = set()
    for start in root.iter(qn("w:bookmarkStart")):
        parent = start.getparent()
        assert parent[0].tag == qn("w:pPr") or parent.find(qn("w:pPr")) is None, etree.tostring(parent)[:200]
        if parent.find(qn("w:pPr")) is not None:
            assert list(parent).index(start) > 0
        name = start.get(qn("w:name"))
        assert re.fullmatch(r"[^\W\d_]\w{0,39}", name), name
        names.add(name)
    anchors = {h.get(qn("w:anchor")) for h in root.iter(qn("w:hyperlink")) if h.get(qn("w:anchor"))}
    assert anchors and anchors <= names, anchors - names
