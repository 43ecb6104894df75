"""Accessibility of what `brief` writes and distributes.

- Charts' alternative text comes from the chart's data (writers.alt.chart_alt), for every writer.
- The DOCX follows Word's accessibility checker: alt text on every chart, inline pictures, marked
  header rows, the title in the core and application properties, the language on the styles and
  the theme, headings in order, no empty paragraphs, links that say where they lead.
- The reportlab PDF is untagged, but carries what an untagged PDF can: XMP metadata consistent
  with its Info dictionary, DisplayDocTitle, a description and the Print flag on every link, and
  /Tabs /S. The independent checker `outloud` finds nothing but the missing tags.
- Distribution keeps a tagged PDF (PDF/UA-1, compiled here with Typst) valid: the recipient
  marking is an artifact, and an encrypted copy allows extraction for accessibility (bit 10).
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from conftest import CONTESTED_TOPIC, LANGS, TEMPLATES
from helpers import ROOT, load_yaml, pdftotext, strings

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
PIC = "{http://schemas.openxmlformats.org/drawingml/2006/picture}"
# What outloud reports of any untagged PDF: no structure tree, not marked, no PDF/UA claim.
UNTAGGED = {"DOC-001", "DOC-002", "DOC-012"}

_PROJECTS: dict = {}


def document_of(project_root, topic: str, lang: str, template: str | None = None):
    from brief.build import compose_document
    from brief.corpus.load import load_project

    if project_root not in _PROJECTS:
        _PROJECTS[project_root] = load_project(project_root)
    return compose_document(_PROJECTS[project_root], topic, lang, template).document


def charts_of(doc) -> list:
    from brief import model as m

    return [b for b in m.walk(doc.blocks) if isinstance(b, m.Chart)]


def number(value: float, lang: str) -> str:
    """A number as the language's locale writes it (babel, read from the strings file)."""
    from babel.numbers import format_decimal

    return format_decimal(int(value) if float(value).is_integer() else value, locale=strings(lang)["locale"])


# ---- alternative text of charts ---------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_chart_alt_text_names_the_title_unit_and_every_bar_in_order(project_root, lang):
    from brief.i18n import load_strings
    from brief.writers.alt import chart_alt

    t = load_strings(project_root, lang)
    charts = charts_of(document_of(project_root, CONTESTED_TOPIC, lang))
    assert charts, "the contested topic has charts"
    for chart in charts:
        alt = chart_alt(chart, t, lang)
        assert alt.startswith(chart.title) and chart.unit in alt, alt
        bars = [f"{label} {number(v, lang)}" for label, v in zip(chart.labels, chart.values)]
        assert all(b in alt for b in bars), (alt, bars)
        assert [alt.index(b) for b in bars] == sorted(alt.index(b) for b in bars), alt  # in the chart's order


def test_chart_alt_text_formats_numbers_in_the_language_and_keeps_data_as_text(project_root):
    from brief import model as m
    from brief.i18n import load_strings
    from brief.writers.alt import chart_alt

    t = load_strings(project_root, "en")
    chart = m.Chart("c", 'Costs <b>&amp; "risks"', "", ("A & B", "C"), (40000.0, 2.5))
    alt = chart_alt(chart, t)
    assert alt == strings("en")["chart_alt_no_unit"].format(
        title='Costs <b>&amp; "risks"', values=strings("en")["chart_alt_sep"].join(
            [f"A & B {number(40000, 'en')}", f"C {number(2.5, 'en')}"]))
    assert number(40000, "en") in alt and "40000" not in alt  # grouped, as the language writes it
    with pytest.raises(ValueError):
        chart_alt(chart, t, "zh")  # strings of one language for a text in another


@pytest.mark.parametrize("lang", LANGS)
def test_chart_alt_text_never_brackets_a_unit_that_has_brackets_of_its_own(project_root, lang):
    from brief import model as m
    from brief.i18n import load_strings
    from brief.writers.alt import chart_alt

    t = load_strings(project_root, lang)
    for unit in ("% (of world compute)", "%（全球算力占比）"):
        alt = chart_alt(m.Chart("c", "Shares", unit, ("US", "China"), (32.0, 26.0)), t)
        assert unit in alt and not re.search(r"[(（][^)）]*[(（]", alt), alt
        assert alt.startswith("Shares") and alt.index(unit) < alt.index("US 32"), alt


# ---- DOCX -------------------------------------------------------------------------------------


def docx_parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def xml(data: bytes):
    from lxml import etree

    return etree.fromstring(data)


@pytest.mark.parametrize("lang", LANGS)
def test_docx_charts_are_inline_pictures_with_alt_text_from_their_data(generated, project_root, lang):
    from brief.i18n import load_strings
    from brief.writers.alt import chart_alt

    doc = document_of(project_root, CONTESTED_TOPIC, lang)
    body = xml(docx_parts(generated.path(CONTESTED_TOPIC, lang, "docx"))["word/document.xml"])
    pictures = list(body.iter(f"{WP}inline"))
    assert not list(body.iter(f"{WP}anchor")), "no floating objects"
    t = load_strings(project_root, lang)
    wanted = [chart_alt(c, t) for c in charts_of(doc)]
    assert [p.find(f"{WP}docPr").get("descr") for p in pictures] == wanted
    assert [next(p.iter(f"{PIC}cNvPr")).get("descr") for p in pictures] == wanted


def paragraph_text(p) -> str:
    return "".join(t.text or "" for t in p.iter(f"{W}t", f"{W}instrText"))


@pytest.mark.parametrize("template", TEMPLATES)
def test_docx_has_no_empty_paragraphs_and_headings_in_order(built, template):
    """No empty paragraph makes space (in the body or a table cell); a paragraph holds text, a
    picture or a field. Heading levels (Word outline levels) never skip one."""
    import docx

    for path in sorted((built / template).glob("*.docx")):
        parts = docx_parts(path)
        body = xml(parts["word/document.xml"])
        for p in body.iter(f"{W}p"):
            assert paragraph_text(p).strip() or list(p.iter(f"{WP}inline")), \
                (path.name, p.getprevious().tag if p.getprevious() is not None else None)
        d = docx.Document(str(path))
        levels = []
        for p in d.paragraphs:
            style = p.style
            while style is not None:
                lvl = style.element.pPr.find(f"{W}outlineLvl") if style.element.pPr is not None else None
                if lvl is not None:
                    levels.append(int(lvl.get(f"{W}val")) + 1)
                    break
                style = style.base_style
        assert levels and levels[0] == 1, (path.name, levels[:3])
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path.name, levels)


@pytest.mark.parametrize("lang", LANGS)
def test_docx_title_language_header_rows_and_link_descriptions(built, project_root, lang):
    import docx

    path = built / "fact-sheet" / f"{CONTESTED_TOPIC}.{lang}.docx"
    doc = document_of(project_root, CONTESTED_TOPIC, lang, "fact-sheet")
    parts = docx_parts(path)
    d = docx.Document(str(path))
    assert d.core_properties.title == doc.meta.title
    app = xml(parts["docProps/app.xml"])
    vt = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"
    assert [e.text for e in app.iter(f"{vt}lpstr")][-1] == doc.meta.title  # TitlesOfParts
    tag = "zh-CN" if lang == "zh" else lang
    assert d.core_properties.language == tag
    # Every style's language: East Asian text is Chinese; Latin-script text is the brief's
    # language in an English brief (in a Chinese one, its quotes and names stay English).
    styles = xml(parts["word/styles.xml"])
    langs = list(styles.iter(f"{W}lang"))
    assert styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang") is not None
    assert langs and all(e.get(f"{W}eastAsia") == "zh-CN" for e in langs)
    assert all(e.get(f"{W}val").split("-")[0] == "en" for e in langs)
    theme = xml(parts["word/settings.xml"]).find(f"{W}themeFontLang")
    assert theme.get(f"{W}eastAsia") == "zh-CN" and theme.get(f"{W}val").split("-")[0] == "en"
    # Tables with a header row (the model's) mark it, and only it, as a repeating header.
    from brief import model as m

    headed = [b for b in m.walk(doc.blocks) if isinstance(b, m.Table) and b.header]
    assert headed, "the fact sheet has a table of key figures"
    marked = [t for t in d.tables if t._tbl.find(f"{W}tr/{W}trPr/{W}tblHeader") is not None]
    assert len(marked) == len(headed)
    for t in marked:
        assert t.rows[0].cells[0].text == m.inline_text(headed[marked.index(t)].header[0])
    # A citation's link (its text only a number) has a ScreenTip naming the reference.
    body = xml(parts["word/document.xml"])
    cites = [h for h in body.iter(f"{W}hyperlink") if (h.get(f"{W}anchor") or "").startswith("ref_")]
    assert cites
    for h in cites:
        n = int(h.get(f"{W}anchor")[4:])
        assert h.get(f"{W}tooltip") == strings(lang)["cite_link"].format(number=n)


def test_docx_side_by_side_blocks_in_a_row_are_rows_of_one_table(generated, project_root):
    """Consecutive side-by-side blocks (contradiction pairs) need no empty paragraph between
    them: they are rows of one table, each row with the same bottom margin."""
    from brief import model as m

    roles = load_yaml(ROOT / "templates" / "styles" / "docx.yaml")["roles"]
    columns = {r for r, look in roles.items() if look.get("layout") == "columns"}
    runs: list[int] = []

    def scan(blocks) -> None:  # runs of consecutive side-by-side blocks, at any depth
        run = 0
        for b in (*blocks, None):
            if isinstance(b, m.Div) and b.role in columns:
                run += 1
                continue
            if run:
                runs.append(run)
            run = 0
            if isinstance(b, m.Div | m.BlockQuote):
                scan(b.blocks)

    scan(document_of(project_root, CONTESTED_TOPIC, "en").blocks)
    assert max(runs) > 1, "the contested topic has consecutive contradiction pairs"
    body = xml(docx_parts(generated.path(CONTESTED_TOPIC, "en", "docx"))["word/document.xml"])
    tables = body.find(f"{W}body").findall(f"{W}tbl")
    rows = sorted(len(t.findall(f"{W}tr")) for t in tables)
    assert max(rows) == max(runs)
    margins = {m_.get(f"{W}w") for t in tables for m_ in t.iter(f"{W}bottom") if m_.getparent().tag == f"{W}tcMar"}
    assert len(margins) == 1 and int(margins.pop()) > 0


# ---- the reportlab PDF ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_reportlab_pdf_fails_only_the_tagging_checks(generated, lang):
    outloud = pytest.importorskip("outloud")
    result = outloud.check(str(generated.path(CONTESTED_TOPIC, lang, "pdf")))
    assert result.error is None
    errors = {f.rule for f in result.findings if f.severity == "error"}
    assert errors == UNTAGGED, sorted(errors)
    assert result.warnings == 0, [(f.rule, f.message) for f in result.findings if f.severity == "warning"]


@pytest.mark.parametrize("lang", LANGS)
def test_reportlab_pdf_metadata_links_and_tab_order(generated, project_root, lang):
    import pikepdf

    doc = document_of(project_root, CONTESTED_TOPIC, lang)
    tag = "zh-CN" if lang == "zh" else lang
    with pikepdf.open(generated.path(CONTESTED_TOPIC, lang, "pdf")) as pdf:
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.Root.Lang) == tag
        assert "/MarkInfo" not in pdf.Root  # untagged, and it says so
        meta = pdf.open_metadata()
        dc = "{http://purl.org/dc/elements/1.1/}"
        assert meta[f"{dc}title"] == str(pdf.docinfo.Title) == doc.meta.title
        assert meta[f"{dc}language"] == {tag}
        assert meta[f"{dc}creator"] == [str(pdf.docinfo.Author)]
        assert meta[f"{dc}description"] == str(pdf.docinfo.Subject) == doc.meta.subtitle
        assert not any("pdfuaid" in k for k in meta)  # no conformance it does not have
        refs = set()
        for page in pdf.pages:
            annots = list(page.get("/Annots", []))
            if annots:
                assert page.Tabs == pikepdf.Name.S
            for a in annots:
                assert str(a.get("/Contents", "")).strip(), a
                assert int(a.F) & 4  # printed
                refs.add(str(a.Contents))
        cite = strings(lang)["cite_link"]
        assert cite.format(number=1) in refs and cite.format(number=2) in refs


# ---- distribution: stamping and encrypting a tagged PDF ---------------------------------------


@pytest.fixture(scope="module")
def tagged_pdf() -> bytes:
    """A small PDF/UA-1 file with a link, compiled by Typst with the project's fonts."""
    typst = pytest.importorskip("typst")
    from brief.fonts import find_font

    fonts = load_yaml(ROOT / "templates" / "styles" / "pdf.yaml")["fonts"]
    latin = find_font(fonts["latin"]["regular"], fonts["search_dirs"], fonts["latin"]["package"])
    cjk = find_font(fonts["cjk"]["regular"], fonts["search_dirs"], fonts["cjk"]["package"])
    src = ('#set document(title: "Tiny brief", author: "Example desk")\n'
           '#set text(lang: "en", font: ("DejaVu Sans", "WenQuanYi Micro Hei"))\n'
           "= Tiny brief\nA paragraph with a #link(\"https://example.org\")[link to the example site] and 中文.\n"
           "#pagebreak()\n== Second page\nMore text.\n")
    from pathlib import Path

    return typst.compile(src.encode(), font_paths=sorted({str(Path(latin).parent), str(Path(cjk).parent)}),
                         pdf_standards=["ua-1"])


def outloud_errors(path) -> list:
    import outloud

    result = outloud.check(str(path))
    assert result.error is None, result.error
    return [(f.rule, f.message) for f in result.findings if f.severity == "error"]


def structure(node):
    """A structure tree as nested (type, kids): what a tagged PDF says its content is."""
    import pikepdf

    if isinstance(node, pikepdf.Array):
        return [structure(k) for k in node]
    if isinstance(node, pikepdf.Dictionary):
        if "/MCID" in node:
            return ("mcid", int(node.MCID))
        if node.get("/Type") == pikepdf.Name.OBJR:
            return ("objr", str(node.Obj.get("/Subtype", "")))
        return (str(node.get("/S", node.get("/Type", ""))), structure(node.get("/K", pikepdf.Array())))
    return int(node) if isinstance(node, int) else str(node)


def catalog_state(pdf) -> dict:
    return {"struct": structure(pdf.Root.StructTreeRoot), "marked": bool(pdf.Root.MarkInfo.Marked),
            "lang": str(pdf.Root.Lang), "xmp": pdf.Root.Metadata.read_bytes(),
            "info": {k: str(v) for k, v in pdf.docinfo.items()}}


@pytest.mark.parametrize("lang", LANGS)
def test_stamping_and_encrypting_keep_a_tagged_pdf_valid(project_root, tagged_pdf, tmp_path, lang):
    pytest.importorskip("outloud")
    import pikepdf

    from brief.distribute.crypt import encrypt_pdf
    from brief.distribute.stamp import Marking, PdfStamper
    from brief.i18n import load_strings

    plain = tmp_path / "plain.pdf"
    plain.write_bytes(tagged_pdf)
    assert outloud_errors(plain) == []  # (the test's own file is valid to begin with)
    name = "李明" if lang == "zh" else "Ana Example"
    marking = Marking(name, "Ministry <of> Tests & Co", "2023-11-14", "1.0", "abcdef123456", "TLP:AMBER")
    t = load_strings(project_root, lang)
    stamped = tmp_path / "stamped.pdf"
    stamped.write_bytes(PdfStamper(project_root).stamp(tagged_pdf, marking, t))
    assert outloud_errors(stamped) == []
    with pikepdf.open(plain) as before, pikepdf.open(stamped) as after:
        assert catalog_state(after) == catalog_state(before)  # structure, language, metadata kept
    assert name in pdftotext(stamped)  # the marking is real text

    encrypted = tmp_path / "encrypted.pdf"
    encrypted.write_bytes(encrypt_pdf(stamped.read_bytes(), "s3cret-password"))
    with pikepdf.open(encrypted, password="s3cret-password") as pdf:
        assert pdf.is_encrypted
        assert pdf.allow.accessibility and pdf.allow.extract and pdf.allow.print_highres
        assert pdf.encryption.P & (1 << 9)  # bit 10 of /P
        assert "/StructTreeRoot" in pdf.Root and pdf.Root.MarkInfo.Marked
        opened = tmp_path / "opened.pdf"
        pdf.save(opened)  # (outloud cannot open an encrypted file: check what it decrypts to)
    assert outloud_errors(opened) == []
    info = pdftotext(encrypted, "-upw", "s3cret-password")
    assert name in info


def test_encrypted_reportlab_copy_allows_extraction_for_accessibility(generated):
    import pikepdf

    from brief.distribute.crypt import encrypt_pdf

    data = encrypt_pdf(generated.path(CONTESTED_TOPIC, "en", "pdf").read_bytes(), "pw-for-the-test")
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(data))
    with pikepdf.open(io.BytesIO(data), password="pw-for-the-test") as pdf:
        assert pdf.allow.accessibility and pdf.allow.print_lowres and pdf.allow.print_highres
        assert not pdf.allow.modify_assembly
        assert re.search(r"/DisplayDocTitle", str(pdf.Root.ViewerPreferences.keys()))


def test_docx_thematic_break_is_a_line_under_the_paragraph_before_it(project_root):
    from brief import model as m
    from brief.writers import get_writer, options_for

    meta = m.Meta("A title", "A question?", "en", "TLP:CLEAR", "t", "2023-11-14")
    doc = m.Document(meta, (m.Para((m.Str("Before the break."),)), m.Rule(), m.Para((m.Str("After it."),))))
    data = get_writer("docx")(doc, options_for("docx", project_root, "en"))
    body = xml(docx_parts(io.BytesIO(data))["word/document.xml"]).find(f"{W}body")
    paras = body.findall(f"{W}p")
    assert [paragraph_text(p) for p in paras] == ["Before the break.", "After it."]  # no empty paragraph
    assert paras[0].find(f"{W}pPr/{W}pBdr/{W}bottom").get(f"{W}val") == "single"
    assert paras[1].find(f"{W}pPr/{W}pBdr") is None
