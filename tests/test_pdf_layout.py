"""PDF page layout: what stays together at a page break, bold Chinese headings, bookmark
destinations, table columns, citations that do not break, and chart axes.

The briefs of the fixture project (every template, both languages) are read page by page with
pdftotext; the texts to look for come from the document model of the same brief.
"""

from __future__ import annotations

import re

import pytest

from conftest import LANGS, TEMPLATES
from helpers import ROOT, flex_pattern, pdf_body_text, strings, ws

FIXTURE_TOPICS = ("compute-divide", "gap-debate", "sovereign-compute")
ALL_BRIEFS = [(t, lang, tpl) for tpl in TEMPLATES for t in FIXTURE_TOPICS for lang in LANGS]
ALL_IDS = [f"{tpl}:{t}.{lang}" for t, lang, tpl in ALL_BRIEFS]

_PROJECTS: dict = {}


def document_of(project_root, topic: str, lang: str, template: str):
    """The document model of a fixture brief, composed in this process as `generate` composes it."""
    from brief.build import compose_document
    from brief.corpus.load import load_project

    if project_root not in _PROJECTS:
        _PROJECTS[project_root] = load_project(project_root)
    return compose_document(_PROJECTS[project_root], topic, lang, template).document


def built_pdf(built, topic: str, lang: str, template: str):
    return built / template / f"{topic}.{lang}.pdf"


def pages(path) -> list[str]:
    """pdftotext of each page's frame (no running header or footer)."""
    return pdf_body_text(path).split("\f")[:-1]


# ---- what a page may not end or start with ------------------------------------------------------


def heading_texts(doc) -> list[str]:
    """Texts that head something: headings of every level, the contents' title, the heading row
    of side-by-side columns (each column's first paragraph) and every table's header cells."""
    from brief import model as m

    out = []
    for b in m.walk(doc.blocks):
        if isinstance(b, m.Heading):
            out.append(m.inline_text(b.children))
        elif isinstance(b, m.Toc) and b.title:
            out.append(b.title)
        elif isinstance(b, m.Div) and b.role == "side-by-side":
            for col in b.blocks:
                if isinstance(col, m.Div) and col.role == "side" and isinstance(col.blocks[0], m.Para):
                    out.append(m.inline_text(col.blocks[0].children))
        elif isinstance(b, m.Table):
            out.extend(m.inline_text(c) for c in b.header)
    return [ws(t) for t in out if ws(t)]


def trailing_texts(doc) -> list[str]:
    """Short lines that close a list: a top-level `finding-meta` block after other blocks ("N more
    findings in this section", "N more contradictions"), and a column's last paragraph after its list."""
    from brief import model as m

    out = []
    for i, b in enumerate(doc.blocks):
        if i and isinstance(b, m.Div) and b.role == "finding-meta":
            out.extend(m.inline_text(p.children) for p in b.blocks if isinstance(p, m.Para))
    for b in m.walk(doc.blocks):
        if isinstance(b, m.Div) and b.role == "side" and len(b.blocks) > 2 and isinstance(b.blocks[-1], m.Para) \
                and isinstance(b.blocks[-2], m.BulletList):
            out.append(m.inline_text(b.blocks[-1].children))
    return [ws(t) for t in out if ws(t)]


def stranded(page_texts: list[str], heads: list[str], trails: list[str]) -> list[str]:
    """What stands alone at a page break: a heading that ends a page (but the last), or a trailing
    line that starts one (but the first)."""
    bad = []
    for n, text in enumerate(page_texts, 1):
        body = text.strip()
        if n < len(page_texts):
            bad += [f"page {n} ends with heading {h!r}" for h in heads
                    if re.search(r"(?:^|\n)" + flex_pattern(h).pattern + r"\s*$", body)]
        if n > 1:
            bad += [f"page {n} starts with trailing line {t[:40]!r}" for t in trails
                    if re.match(flex_pattern(t).pattern, body)]
    return bad


def test_stranded_finds_a_heading_at_a_page_foot_and_a_line_at_a_page_top():
    """The check itself: it sees both kinds of stranding and passes a page that continues."""
    pages_ = ["Text.\nKnown facts", "3 more findings in\nthis section: [1]\nWhat we assess\nText.", "Last."]
    assert stranded(pages_, ["Known facts", "What we assess"], ["3 more findings in this section: [1]"]) == [
        "page 1 ends with heading 'Known facts'", "page 2 starts with trailing line '3 more findings in this section: [1]'"]
    assert not stranded(["Known facts\nText.", "Text.\n3 more findings in this section: [1]"],
                        ["Known facts"], ["3 more findings in this section: [1]"])


@pytest.mark.parametrize("topic,lang,template", ALL_BRIEFS, ids=ALL_IDS)
def test_no_heading_or_trailing_line_is_stranded_at_a_page_break(built, project_root, topic, lang, template):
    doc = document_of(project_root, topic, lang, template)
    texts = pages(built_pdf(built, topic, lang, template))
    heads = heading_texts(doc)
    assert heads
    assert not stranded(texts, heads, trailing_texts(doc))


def _probe_pdf(tmp_path, blocks, lang="en"):
    """A PDF of model blocks, written by the PDF writer with the repo's styles."""
    from brief import model as m
    from brief.writers import options_for
    from brief.writers.pdf import write

    meta = m.Meta(title="Probe", subtitle="Probe", lang=lang, tlp="TLP:CLEAR", topic="probe", date="2024-01-01")
    path = tmp_path / f"probe-{len(list(tmp_path.iterdir()))}.pdf"
    doc = m.Document(meta, (m.Heading(1, (m.Str("Probe"),), "probe"), *blocks))
    path.write_bytes(write(doc, options_for("pdf", ROOT, lang)))
    return path


def _filler(lines: int):
    from brief import model as m

    inl = []
    for i in range(lines):
        inl += [m.Str(f"Filler line {i}.")] + ([m.LineBreak()] if i < lines - 1 else [])
    return m.Para(tuple(inl))


def _sections():
    """Blocks that must not strand, each after a filler: a heading before a finding, a heading
    before side-by-side columns, a heading before a table, and a finding list's closing line."""
    from brief import model as m
    from brief.parse import parse

    long = "A claim long enough to take a few lines of the page, with more words. " * 4
    finding = m.Div("finding", (m.Para((m.Str(long + "[1] · Grade C2"),)),
                                m.Div("quote", (m.Para((m.Str("Original text: " + long),)),))))
    columns = parse(":::::: side-by-side\n::::: side\n**The gap is narrowing**\n\n- " + long + "\n- " + long
                    + "\n\n2 more findings in this section\n:::::\n::::: side\n**The gap is widening**\n\n- " + long
                    + "\n:::::\n::::::\n")
    table = parse("| Entity | Value |\n|---|---:|\n" + "".join(f"| Entity {i} with a long name that wraps, " * 2
                                                               + f"| {i},000 |\n" for i in range(6)))
    more = m.Div("finding-meta", (m.Para((m.Str("12 more findings in this section: [1, 2]"),)),))
    return {
        "heading+finding": [m.Heading(2, (m.Str("Known facts"),), "known"), finding, finding],
        "heading+columns": [m.Heading(3, (m.Str("Is the gap narrowing or widening?"),), "gap"), *columns],
        "heading+table": [m.Heading(2, (m.Str("Key figures"),), "figures"), *table],
        "findings+more": [m.Heading(2, (m.Str("What we assess"),), "assess"), finding, finding, more,
                          m.Heading(2, (m.Str("Next"),), "next"), m.Para((m.Str("Text."),))],
    }


@pytest.mark.parametrize("name", list(_sections()))
def test_pdf_writer_strands_nothing_wherever_the_page_breaks(tmp_path, name):
    """The same blocks after fillers of every length, so that the page break falls at every
    point of them."""
    from brief import model as m

    blocks = _sections()[name]
    doc = m.Document(m.Meta("p", "p", "en", "TLP:CLEAR", "p", "2024-01-01"), tuple(blocks))
    heads, trails = heading_texts(doc), trailing_texts(doc)
    assert heads and (trails or name.startswith("heading+"))
    bad, breaks = [], 0
    for k in range(28, 58):
        texts = pages(_probe_pdf(tmp_path, [_filler(k), *blocks]))
        breaks += len(texts) > 1
        bad += [f"filler {k}: {b}" for b in stranded(texts, heads, trails)]
    assert breaks > 10  # the page break did fall inside the blocks
    assert not bad, bad[:4]


# ---- bookmarks lead to their heading ------------------------------------------------------------


def outline_destinations(path) -> list[tuple[str, int, list]]:
    """(title, page index, destination array after the page) of every bookmark, read with pikepdf."""
    import pikepdf

    pdf = pikepdf.open(path)
    index = {p.objgen: i for i, p in enumerate(pdf.pages)}
    out = []

    def walk(node):
        while node is not None:
            dest = node.get("/Dest")
            if dest is None:
                dest = node.A.D  # a GoTo action
            assert isinstance(dest, pikepdf.Array), (str(node.Title), dest)  # an explicit destination
            out.append((str(node.Title), index[dest[0].objgen], [x for x in dest[1:]]))
            if "/First" in node:
                walk(node.First)
            node = node.get("/Next")

    walk(pdf.Root.Outlines.get("/First"))
    return out


def text_lines(path, page: int) -> list[tuple[str, float]]:
    """(text without spaces, top in PDF points from the page's bottom) of every text line of a page."""
    import subprocess
    import xml.etree.ElementTree as ET

    r = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(page + 1), "-l", str(page + 1), str(path), "-"],
                       capture_output=True, timeout=60, check=True)
    root = ET.fromstring(r.stdout)
    ns = "{http://www.w3.org/1999/xhtml}"
    pg = root.find(f".//{ns}page")
    height = float(pg.get("height"))
    return [("".join(w.text or "" for w in line.iter(f"{ns}word")), height - float(line.get("yMin")))
            for line in pg.iter(f"{ns}line")]


@pytest.mark.parametrize("topic", FIXTURE_TOPICS)
@pytest.mark.parametrize("lang", LANGS)
def test_each_bookmark_leads_to_its_heading_not_to_the_top_of_the_page(generated, topic, lang):
    path = generated.path(topic, lang, "pdf")
    dests = outline_destinations(path)
    assert len(dests) > 5
    lines: dict[int, list] = {}
    far = []
    for title, page, dest in dests:
        assert str(dest[0]) == "/XYZ", (title, dest)
        top = float(dest[2])
        squashed = re.sub(r"\s+", "", title)
        tops = [y for text, y in lines.setdefault(page, text_lines(path, page))
                if len(text) >= min(len(squashed), 3) and squashed.startswith(text)]
        assert tops, (title, page)
        # The destination is the top of the heading's first line: a little above its glyphs.
        if not any(0 <= top - y <= 16 for y in tops):
            far.append((title, page + 1, top, tops))
    assert not far, far[:3]


def test_a_document_that_starts_below_level_1_gets_a_bookmark_for_each_heading(tmp_path):
    """An outline level never jumps by more than one, so such a document still builds."""
    from brief import model as m
    from brief.writers import options_for
    from brief.writers.pdf import write

    meta = m.Meta("p", "p", "en", "TLP:CLEAR", "p", "2024-01-01")
    blocks = (m.Heading(3, (m.Str("Deep"),), "deep"), m.Para((m.Str("Text."),)), m.Heading(2, (m.Str("Section"),), ""))
    path = tmp_path / "deep.pdf"
    path.write_bytes(write(m.Document(meta, blocks), options_for("pdf", ROOT, "en")))
    assert [t for t, _, _ in outline_destinations(path)] == ["Deep", "Section"]


# ---- the contents ------------------------------------------------------------------------------


@pytest.mark.parametrize("topic", FIXTURE_TOPICS)
@pytest.mark.parametrize("lang", LANGS)
def test_the_contents_give_each_section_the_page_it_stands_on(generated, project_root, topic, lang):
    from brief import model as m

    path = generated.path(topic, lang, "pdf")
    doc = document_of(project_root, topic, lang, "brief")
    sections = [ws(m.inline_text(b.children)) for b in m.walk(doc.blocks) if isinstance(b, m.Heading) and 2 <= b.level <= 3]
    where = {ws(title): page + 1 for title, page, _ in outline_destinations(path)}
    first = pages(path)[0]
    wrong = []
    for title in sections:
        hit = re.search(flex_pattern(title).pattern + r"\s*(?:\.[ \t]*){3,}(\d+)", first)
        if not hit or int(hit.group(1)) != where[title]:
            wrong.append((title, hit and hit.group(1), where[title]))
    assert len(sections) > 5 and not wrong, wrong[:3]


# ---- bold Chinese -------------------------------------------------------------------------------


def _to_unicode(font) -> dict[int, str]:
    """A simple font's character codes -> text, from its ToUnicode CMap (bfchar and bfrange)."""
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    out: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(code, 16)] = bytes.fromhex(uni).decode("utf-16-be")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            for k, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[code] = chr(int(uni, 16) + k)
    return out


def text_by_render_mode(path, page: int = 0) -> dict[int, str]:
    """The text a page's content stream shows, by PDF text render mode (0 fill, 2 fill and
    stroke, ...), decoded through the fonts' ToUnicode maps."""
    import pikepdf

    pdf = pikepdf.open(path)
    pg = pdf.pages[page]
    fonts = {str(k): _to_unicode(v) for k, v in pg.Resources.Font.items()}
    out: dict[int, list[str]] = {}
    mode, font, stack = 0, None, []
    for operands, op in pikepdf.parse_content_stream(pg):
        op = str(op)
        if op == "q":
            stack.append(mode)
        elif op == "Q":
            mode = stack.pop()
        elif op == "Tr":
            mode = int(operands[0])
        elif op == "Tf":
            font = str(operands[0])
        elif op in ("Tj", "'", '"', "TJ"):
            items = operands[-1] if op == "TJ" else [operands[-1]]
            for s in items:
                if isinstance(s, pikepdf.String):
                    out.setdefault(mode, []).append("".join(fonts[font].get(b, "?") for b in bytes(s)))
    return {k: "".join(v) for k, v in out.items()}


def cjk_runs(text: str) -> list[str]:
    """The runs of Chinese characters in a text (Latin runs are set in the Latin bold face)."""
    return re.findall(r"[\u3000-\u9fff\uff00-\uffef]+", text)


@pytest.mark.parametrize("topic", FIXTURE_TOPICS)
def test_zh_headings_are_drawn_bold(generated, project_root, topic):
    """WenQuanYi has no bold face: the Chinese of every heading is filled and stroked (render
    mode 2), body text is not; the fonts stay embedded (test_output checks pdffonts)."""
    import pikepdf

    from brief import model as m

    path = generated.path(topic, "zh", "pdf")
    doc = document_of(project_root, topic, "zh", "brief")
    texts = [text_by_render_mode(path, n) for n in range(len(pikepdf.open(path).pages))]
    stroked = "\n".join(t.get(2, "") for t in texts)
    filled = "\n".join(t.get(0, "") for t in texts)
    heads = [r for b in m.walk(doc.blocks) if isinstance(b, m.Heading) for r in cjk_runs(m.inline_text(b.children))]
    assert len(heads) > 5
    assert [h for h in heads if h not in stroked] == []
    body = [r for b in m.walk(doc.blocks) if isinstance(b, m.Para) and not any(isinstance(n, m.Strong) for n in b.children)
            for r in cjk_runs(m.inline_text(b.children)) if len(r) > 12]
    assert body and [r for r in body if r in filled] and not [r for r in body if r in stroked]


# ---- citations do not break -----------------------------------------------------------------------


def citation_breaks(text: str, grade_word: str) -> list[str]:
    """Line pairs of pdftotext output where a citation breaks: inside "[1, 2]", before its grade
    ("· Grade C1" or the grade word starting a line), or between full-width punctuation and it."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    bad = []
    for a, b in zip(lines, lines[1:]):
        if re.search(r"\[\d+(,\s*\d+)*,?$", a) or re.match(r"\d+(,\s*\d+)*\]", b) or re.match(r"^,\s*\d", b) \
                or b.startswith("·") or b.startswith(grade_word) or re.match(r"^[A-F]\d\b", b) \
                or any(a.endswith(grade_word[:k]) and b.startswith(grade_word[k:]) for k in range(1, len(grade_word))) \
                or (a.endswith(("。", "，", "：")) and b.startswith("[")):
            bad.append(f"{a[-25:]!r} / {b[:25]!r}")
    return bad


def test_citation_breaks_sees_each_kind_of_break():
    assert len(citation_breaks("claim [1,\n2] · Grade C1\nclaim [1]\n· Grade C1\nclaim [1] ·\nGrade C1\n"
                               "结论。\n[1] · 评级 C1\n", "Grade")) == 4
    assert not citation_breaks("a claim [1, 2] · Grade C1\nand the next one [3] · Grade B2\n", "Grade")


@pytest.mark.parametrize("lang,prefix", [("en", "abc de fghij klm nop qrstu vw xyz "), ("zh", "字词句段篇章，"),
                                         ("en-cjk", "abc de 中 fghij klm nop qrstu vw xyz ")])
def test_a_citation_and_its_grade_never_break_apart(tmp_path, lang, prefix):
    """Claims of every length up to two lines, so that the line end falls at each point of
    "[1, 2] · Grade C1"."""
    from brief import model as m

    lang_ = lang[:2]
    grade = "Grade" if lang_ == "en" else "评级"
    end = "." if lang_ == "en" else "。"
    blocks = []
    # Each grade as the strings write it ("\u00a0·\u00a0Grade\u00a0C1", "·C1"), and with plain
    # spaces (" · 评级 C1", as a project's strings may write it).
    forms = (strings(lang_)["graded"].format(grade="C1"), f" · {grade} C1")
    for k in range(20, 130 if lang_ == "en" else 70):
        claim = (prefix * 20)[:k].rstrip("，") + end + " "
        blocks.append(m.Para((m.Str(claim), m.Cite(("a", "b"), (1, 2)), m.Str(forms[k % 2]))))
    refs = m.References(tuple(m.Reference(n, f"s{n}", (m.Str(f"Source {n}."),)) for n in (1, 2)))
    text = pdf_body_text(_probe_pdf(tmp_path, [*blocks, refs], lang_))
    assert sum(text.count(f) for f in {f.replace("\u00a0", " ").strip() for f in forms}) == len(blocks)
    assert "\u00a0" not in text and "\u2060" not in text  # the joins are not in the text
    if lang_ == "zh":
        sep = strings("zh")["cite_sep"]
        assert f"。[1{sep}2]" in ws(text).replace("。 [", "。[") and "。 [" not in text
    assert not citation_breaks(text, grade)


# ---- tables: alignment and columns of figures -------------------------------------------------------


def test_the_model_carries_each_table_columns_alignment():
    from brief.parse import parse

    (table,) = parse("| Entity | Value | Note |\n|---|---:|:-:|\n| Brazil | 4,000 | x |\n")
    assert table.align == ("", "right", "center")
    (plain,) = parse("| Entity | Value |\n|---|---|\n| Brazil | 4,000 |\n")
    assert plain.align == ()


def words(path, page: int = 0) -> list[tuple[str, float, float, float]]:
    """(text, xMin, xMax, yMin) of every word pdftotext finds on a page."""
    import subprocess
    import xml.etree.ElementTree as ET

    r = subprocess.run(["pdftotext", "-bbox", "-f", str(page + 1), "-l", str(page + 1), str(path), "-"],
                       capture_output=True, timeout=60, check=True)
    ns = "{http://www.w3.org/1999/xhtml}"
    return [(w.text or "", float(w.get("xMin")), float(w.get("xMax")), float(w.get("yMin")))
            for w in ET.fromstring(r.stdout).iter(f"{ns}word")]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_column_of_figures_never_wraps_and_keeps_its_alignment(tmp_path, lang):
    from brief.parse import parse

    values = ["200,000,000,000", "4,000,000,000", "27", "500,000,000", "40,000"]
    unit = "US dollars (more than) for domestic AI development, planned over the next years" if lang == "en" \
        else "美元（逾）用于本国人工智能发展，计划在未来几年内投入的资金总额"
    rows = "".join(f"| Entity {i} with a name long enough to wrap in its cell | {v} | {unit} | date not stated | [1] C2 |\n"
                   for i, v in enumerate(values))
    blocks = parse("| Entity | Value | Unit | As of | Source |\n|---|---:|---|---|---|\n" + rows)
    path = _probe_pdf(tmp_path, blocks, lang)
    found = [w for w in words(path) if w[0] in values]
    assert sorted(w[0] for w in found) == sorted(values)  # each value whole, on one line
    right_edges = {round(w[2], 1) for w in found}
    assert max(right_edges) - min(right_edges) < 0.6  # right-aligned: one right edge
    header = next(w for w in words(path) if w[0] == "Value")
    assert abs(header[2] - max(right_edges)) < 0.6  # the header cell takes the column's alignment
    sources = [w for w in words(path) if w[0] == "C2"]
    assert len(sources) == len(values) and len({round(w[3]) for w in sources}) == len(values)
    lefts = {round(w[1], 1) for w in words(path) if w[0] == "Entity"}
    assert len(lefts) == 1  # a column without alignment stays left-aligned


# ---- charts: a value axis and a unit, the same in both writers ------------------------------------


def test_the_chart_axis_is_decided_once_for_every_writer():
    from brief.charts import axis, is_percent

    assert axis((32.0, 26.0), percent=True) == (100.0, (0.0, 25.0, 50.0, 75.0, 100.0))
    assert axis((87.0, 39.0, 6.0), percent=False) == (100.0, (0.0, 25.0, 50.0, 75.0, 100.0))
    assert axis((910.0,), percent=False) == (1000.0, (0.0, 250.0, 500.0, 750.0, 1000.0))
    assert axis((6.0, 3.0), percent=False) == (6.0, (0.0, 2.0, 4.0, 6.0))
    assert axis((150.0,), percent=True)[0] == 150.0  # a share above 100% is not cut
    assert is_percent("% of global compute") and is_percent("percent of regional compute gap")
    assert not is_percent("AI data centres")


@pytest.mark.parametrize("lang", LANGS)
def test_a_share_chart_of_the_fixture_brief_runs_to_100(project_root, lang):
    from brief import model as m

    doc = document_of(project_root, "compute-divide", lang, "brief")
    charts = {b.id: b for b in m.walk(doc.blocks) if isinstance(b, m.Chart)}
    shares = charts["compute-shares"]
    assert max(shares.values) < 50 and shares.axis_max == 100
    assert shares.ticks[0] == 0 and shares.ticks[-1] == 100 and len(shares.tick_labels) == len(shares.ticks)
    counts = charts["ai-centres-by-owner"]
    assert counts.axis_max >= max(counts.values) and counts.ticks[-1] == counts.axis_max


def _share_chart():
    from brief import model as m
    from brief.charts import axis
    from brief.i18n import format_number

    top, ticks = axis((32.0, 26.0), percent=True)
    return m.Chart("shares", "Shares", "% of global compute", ("United States", "中国"), (32.0, 26.0),
                   (m.Str("Shares of global compute (2023)."),), top, ticks, tuple(format_number(t) for t in ticks))


def test_the_pdf_chart_draws_its_axis_and_unit_and_scales_bars_to_the_axis(tmp_path):
    chart = _share_chart()
    path = _probe_pdf(tmp_path, [chart])
    found = words(path)
    assert "% of global compute" in " ".join(w[0] for w in found)
    ticks = {w[0]: w for w in found if w[0] in chart.tick_labels}
    assert sorted(ticks, key=float) == list(chart.tick_labels)
    assert len({round(w[3]) for w in ticks.values()}) == 1  # on one line, under the bars
    centre = {k: (w[1] + w[2]) / 2 for k, w in ticks.items()}
    x0, x100 = centre["0"], centre["100"]
    assert x0 < centre["25"] < centre["50"] < centre["75"] < x100
    value = next(w for w in found if w[0] == "32")  # drawn just right of its bar's end
    gap = value[1] - (x0 + (x100 - x0) * 32 / 100)
    assert 0 <= gap < 8, gap


def test_the_docx_chart_draws_the_same_axis_and_scales_bars_to_it():
    import io

    from PIL import Image

    from brief.writers.docx import _chart_png
    from brief.writers.styles import docx_style

    style = docx_style(ROOT)
    cs = style.chart
    chart = _share_chart()
    img = Image.open(io.BytesIO(_chart_png(chart, cs, style.colour))).convert("RGB")
    hexrgb = lambda h: tuple(int(h[i:i + 2], 16) for i in (1, 3, 5))  # noqa: E731
    bar, axis_rgb = hexrgb(style.colour(cs.colour)), hexrgb(style.colour(cs.axis_colour))
    w, h = img.size
    px = img.load()
    rows = [y for y in range(h) if sum(px[x, y] == axis_rgb for x in range(w)) > w / 2]
    assert rows, "no axis line under the bars"
    base = rows[-1]
    axis_x = [x for x in range(w) if px[x, base] == axis_rgb]
    left, right = axis_x[0], axis_x[-1]
    marks = [x for x in range(w) if px[x, base + 2] == axis_rgb]  # below the line: the marks
    groups = [x for i, x in enumerate(marks) if i == 0 or x - marks[i - 1] > 1]
    assert len(groups) == len(chart.ticks)
    bar_rows = [y for y in range(h) if px[left + 2, y] == bar]
    first = bar_rows[0] + 2
    length = sum(px[x, first] == bar for x in range(w))
    assert abs(length / (right - left) - 0.32) < 0.02  # 32 of an axis to 100, not the full width


def test_a_citation_separator_from_the_strings_stays_literal(tmp_path):
    """The strings are data: a `cite_sep` holding reportlab markup is drawn as it stands."""
    import dataclasses

    from brief import model as m
    from brief.i18n import Strings
    from brief.writers import options_for
    from brief.writers.pdf import write

    options = options_for("pdf", ROOT, "en")
    hostile = Strings({**options.strings, "cite_sep": "<b>&amp;</b>"}, "en", options.strings.path)
    meta = m.Meta(title="Probe", subtitle="Probe", lang="en", tlp="TLP:CLEAR", topic="probe", date="2024-01-01")
    refs = m.References(tuple(m.Reference(n, f"s{n}", (m.Str(f"Source {n}."),)) for n in (1, 2)))
    doc = m.Document(meta, (m.Para((m.Str("A claim "), m.Cite(("a", "b"), (1, 2)))), refs))
    path = tmp_path / "probe.pdf"
    path.write_bytes(write(doc, dataclasses.replace(options, strings=hostile)))
    assert "[1<b>&amp;</b>2]" in ws(pdf_body_text(path))


def test_the_chinese_line_breaker_builds_the_lines_reportlab_would_build_from_the_same_glyphs():
    """The breaker's own glyphs and line maker (brief.writers.linebreak) give what reportlab's
    cjkU and makeCJKParaLine give: the same widths, and lines of the same words, fonts, sizes and
    bounds, for fragments of several fonts, links, an anchor and a line break."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus.paragraph import Paragraph, cjkU, makeCJKParaLine

    from brief.writers.linebreak import _glyphs, _para_line

    style = ParagraphStyle("t", fontName="Helvetica", fontSize=10, leading=13, wordWrap="CJK")
    markup = ('Compute <b>concentration</b> in <font size="13">large</font> '
              '<a href="#ref-1" color="blue">[1]</a><a name="here"/> models<br/>'
              'and <i>sovereign</i> AI, again and again.')
    frags = Paragraph(markup, style).frags
    assert any("cbDefn" in f.__dict__ for f in frags) and any("lineBreak" in f.__dict__ for f in frags)
    ours, _ = _glyphs(frags, "utf8")
    theirs = [cjkU(t, f, "utf8") for f in frags for t in (f.text or [f.text])]
    assert [(str(u), u.width, u.frag) for u in ours] == [(str(u), u.width, u.frag) for u in theirs]

    def shape(line):
        return (line.fontSize, line.ascent, line.descent, line.currentWidth, line.extraSpace, line.lineBreak,
                [(w.text, w.fontName, w.fontSize, getattr(w, "link", None)) for w in line.words])

    for calc in (False, True):
        for cut in range(1, len(ours) + 1, 7):
            a = _para_line(ours[:cut], 200, 100, 100, False, calc)
            b = makeCJKParaLine(theirs[:cut], 200, 100, 100, False, calc)
            assert shape(a) == shape(b), cut
