"""The generated briefs of the fixture project: fonts, text, references, DOCX internals, DOCX/PDF
parity, LibreOffice, injection safety and reproducibility."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET

import pytest

from conftest import BUILD_EPOCH, LONG_TITLE_TOPIC, ZH_TOPIC
from helpers import (
    FIXTURE_PROJECT,
    ROOT,
    brief_files,
    cite_numbers,
    docx_paragraphs,
    docx_part,
    entry_source,
    files_under,
    flex_pattern,
    header_title,
    heading_pattern,
    is_heading_style,
    is_shortened,
    load_yaml,
    page_margins,
    pdf_count,
    pdf_count_across_pages,
    pdf_body_text,
    pdf_outline,
    pdf_uris,
    pdftotext,
    reference_title,
    shown_in_full,
    summary,
    split_sections,
    strings,
    ws,
)

EN_TOPICS = sorted(p.stem for p in (FIXTURE_PROJECT / "briefs").glob("*.yaml") if not p.name.startswith("stakeholders"))
BRIEFS = [(t, "en") for t in EN_TOPICS] + [(t, "zh") for t in EN_TOPICS]
BRIEF_IDS = [f"{t}.{lang}" for t, lang in BRIEFS]
NO_LINE_STARTS_WITH = "，。、：；！？）》”"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
HYPERLINK_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


def hyperlink_rels(docx_path) -> list[dict]:
    rels = ET.fromstring(docx_part(docx_path, "word/_rels/document.xml.rels"))
    return [dict(r.attrib) for r in rels.iter(f"{REL_NS}Relationship") if r.get("Type") == HYPERLINK_REL]


def split_docx(paragraphs, lang):
    """(body paragraphs before the Source notes heading, reference-entry texts).

    `paragraphs` come from helpers.docx_body: table cells (side-by-side blocks) included."""
    body, notes, refs = split_sections(paragraphs, lang)
    return body, refs


# ---- PDF ------------------------------------------------------------------------------------


def _pdffonts(path):
    r = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    header, dashes = lines[0], lines[1]
    spans, pos = [], 0
    for chunk in dashes.split(" "):
        spans.append((pos, pos + len(chunk)))
        pos += len(chunk) + 1
    names = header.split()
    rows = []
    for line in lines[2:]:
        cells = [line[a:b + 1].strip() for a, b in spans]
        rows.append(dict(zip(names, cells)))
    return rows


def _bad_fonts(path) -> list[dict]:
    rows = _pdffonts(path)
    assert rows
    return [row for row in rows if row["emb"] != "yes" or row["type"].startswith("Type 1") or "CID" in row["type"]]


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_pdf_fonts_are_embedded_truetype(generated, topic, lang):
    assert not _bad_fonts(generated.path(topic, lang, "pdf"))


def test_pdf_writer_toc_embeds_its_fonts(tmp_path):
    from brief import model as m

    blocks = [m.Toc("Contents"), m.Heading(2, (m.Str("Section"),), "section"), m.Para((m.Str("Text."),))]
    assert not _bad_fonts(_writer_pdf(tmp_path, blocks))


def test_pdf_writer_without_toc_or_chart_embeds_its_fonts(tmp_path):
    """The control: headings, paragraphs and a side-by-side table bring no unembedded font."""
    from brief import model as m
    from brief.parse import parse

    blocks = [m.Heading(2, (m.Str("Section"),), "section"), m.Para((m.Str("Text and 中文."),)),
              *parse(":::::: side-by-side\n::::: side\n**A**\n\n- one\n:::::\n::::: side\n**B**\n\n- two\n:::::\n::::::\n")]
    assert not _bad_fonts(_writer_pdf(tmp_path, blocks))


def test_pdf_writer_chart_embeds_its_fonts(tmp_path):
    from brief import model as m

    chart = m.Chart("shares", "Shares of global compute", "%", ("United States", "中国"), (32.0, 26.0),
                    (m.Str("Shares of global compute (2023)."),))
    assert not _bad_fonts(_writer_pdf(tmp_path, [chart]))


def test_zh_pdf_shows_the_chinese_title(pdf_text, corpus):
    title = corpus.topics[ZH_TOPIC]["title"]["zh"]
    assert pdf_count(pdf_text(ZH_TOPIC, "zh"), title) >= 1


def full_findings(docx_body_of, corpus, topic, lang) -> list[str]:
    """Ids of the findings the DOCX shows in full (claim, grade, quote), not only cites."""
    fids = corpus.selected(topic) + corpus.partners(topic)
    claims = {f: summary(corpus.findings[f]["claim"][lang], lang) for f in fids}
    shown = shown_in_full(docx_body_of(topic, lang), claims, lang)
    assert shown
    return list(shown)


@pytest.mark.parametrize("topic", EN_TOPICS)
def test_zh_pdf_shows_the_quote_of_every_finding_shown_in_full(docx_body_of, pdf_text, corpus, topic):
    text = pdf_text(topic, "zh")
    shown = full_findings(docx_body_of, corpus, topic, "zh")
    missing = [fid for fid in shown if pdf_count_across_pages(text, corpus.findings[fid]["quote"]) == 0]
    assert not missing


@pytest.mark.parametrize("topic", EN_TOPICS)
def test_en_pdf_shows_the_claim_of_every_finding_shown_in_full(docx_body_of, pdf_raw_text, corpus, topic):
    text = pdf_raw_text(topic, "en")
    shown = full_findings(docx_body_of, corpus, topic, "en")
    missing = [fid for fid in shown if pdf_count_across_pages(text, corpus.findings[fid]["claim"]["en"]) == 0]
    assert not missing


def closing_mark_at_line_start(text: str) -> list[tuple[str, str]]:
    """(end of the previous line, line) for each line that starts with closing punctuation."""
    lines = text.splitlines()
    return [(lines[i - 1][-3:] if i else "", ln) for i, ln in enumerate(lines) if ln[:1] and ln[0] in NO_LINE_STARTS_WITH]


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_no_pdf_line_starts_with_closing_full_width_punctuation(generated, topic, lang):
    text = pdftotext(generated.path(topic, lang, "pdf"))  # plain pdftotext, page furniture included
    bad = closing_mark_at_line_start(text)
    assert not bad, bad[:3]


def test_pdf_writer_keeps_runs_of_closing_marks_together(tmp_path):
    from brief import model as m

    text = "该文带有明显的立场色彩（“事实证明是有效的”），所引数据未注明来源。" * 3
    blocks = [m.Para((m.Str("字" * k + text),)) for k in range(40)]
    assert not closing_mark_at_line_start(pdftotext(_writer_pdf(tmp_path, blocks, "zh")))


def opening_mark_at_line_end(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if re.search(r'(^|\s)"$', ln) or ln.endswith(("“", "‘", "（", "《"))]


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_no_pdf_line_ends_with_an_opening_quote(pdf_text, topic, lang):
    """An opening quotation mark stays with the word it opens (no 'about "' / 'sovereign AI"')."""
    bad = opening_mark_at_line_end(pdf_text(topic, lang))
    assert not bad, bad[:3]


def _writer_pdf(tmp_path, blocks, lang="en"):
    """A PDF of model blocks, written by the PDF writer with the repo's styles."""
    from brief import model as m
    from brief.writers import options_for
    from brief.writers.pdf import write

    meta = m.Meta(title="Probe", subtitle="Probe", lang=lang, tlp="TLP:CLEAR", topic="probe", date="2024-01-01")
    doc = m.Document(meta, (m.Heading(1, (m.Str("Probe"),), "probe"), *blocks))
    path = tmp_path / f"probe-{len(list(tmp_path.iterdir()))}.pdf"
    path.write_bytes(write(doc, options_for("pdf", ROOT, lang)))
    return path


def test_pdf_writer_keeps_opening_marks_with_what_follows(tmp_path):
    """Paragraphs whose opening marks fall at every position of a line."""
    from brief import model as m

    zh = "由于该文没有日期，“上个月”“今年4月”等相对时间（例如“今年”）无法确定。" * 3
    en = 'Relative dates ("上个月", "今年4月", "今年") cannot be pinned down. ' * 2
    blocks = [m.Para((m.Str("字" * k + zh),)) for k in range(40)]
    blocks += [m.Para((m.Str("word " * k + en),)) for k in range(40)]
    # a straight opening quote before a CJK word, at every position of a line
    blocks += [m.Para((m.Str("w" * k + " " + en),)) for k in range(80)]
    assert not opening_mark_at_line_end(pdftotext(_writer_pdf(tmp_path, blocks, "zh")))


def footer_intrusions(path, lang: str, tlp: str) -> list[tuple[int, str]]:
    """Pages whose footer holds more than 'Page X of Y' and the TLP label (body text drawn over it)."""
    margins = page_margins(path)
    page_of = strings(lang)["page_of"]
    expected = [f"{page_of.format(page=n, pages=len(margins))} {tlp}" for n in range(1, len(margins) + 1)]
    return [(n, foot) for n, ((_, foot), want) in enumerate(zip(margins, expected), 1)
            if foot != want and len(foot) > len(want)]


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_pdf_headers_hold_title_and_marking(generated, corpus, topic, lang):
    """Each page's header: the title, or a long one shortened with an ellipsis, then the marking.
    (The fixture's titles either fit, or, for LONG_TITLE_TOPIC, do not.)"""
    tlp = corpus.topics[topic].get("tlp", "TLP:CLEAR")
    title = ws(corpus.topics[topic]["title"][lang])
    heads = [header_title(head, tlp) for head, _ in page_margins(generated.path(topic, lang, "pdf"))]
    assert len(heads) > 1 and len(set(heads)) == 1, heads  # the same header on every page
    if topic == LONG_TITLE_TOPIC:
        assert is_shortened(heads[0], title), heads[0]
        assert len(heads[0]) >= len(title) // 2, heads[0]  # shortened, not gutted
    else:
        assert heads[0] == title


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_pdf_footers_hold_only_page_number_and_marking(generated, corpus, topic, lang):
    """'Page X of Y' and the TLP label on every page, and no body text in the bottom margin."""
    tlp = corpus.topics[topic].get("tlp", "TLP:CLEAR")
    path = generated.path(topic, lang, "pdf")
    assert not footer_intrusions(path, lang, tlp)
    margins = page_margins(path)
    page_of = strings(lang)["page_of"]
    for n, (_, foot) in enumerate(margins, 1):
        assert foot == f"{page_of.format(page=n, pages=len(margins))} {tlp}", (n, foot)


def test_pdf_writer_keeps_split_side_by_side_cells_in_the_frame(tmp_path):
    """Side-by-side bullet lists after more and more filler, so that the table splits at every height."""
    from brief.parse import parse

    left = "\n".join("- " + "The author judges it very likely that this is a fairly long claim about something. "
                     * (1 + i % 3) + "[1] · D2" for i in range(9))
    right = "\n".join("- " + "Self-reliance is advancing in one way or another according to the source. "
                      * (1 + i * 2 % 3) + "[2] · C3" for i in range(7))
    table = (f":::::: side-by-side\n::::: side\n**Left**\n\n{left}\n:::::\n"
             f"::::: side\n**Right**\n\n{right}\n:::::\n::::::\n")
    bad = []
    for n in range(60):  # one-line paragraphs: the split point sweeps more than a whole page
        blocks = parse("\n\n".join(["filler words for the page"] * n) + "\n\n" + table)
        path = _writer_pdf(tmp_path, blocks)
        bad = [(n, page, foot) for page, foot in footer_intrusions(path, "en", "TLP:CLEAR")]
        if bad:
            break
    assert not bad


# ---- references ---------------------------------------------------------------------------


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_sources_numbered_in_order_of_first_citation(docx_body_of, topic, lang):
    body, refs = split_docx(docx_body_of(topic, lang), lang)
    cited = cite_numbers(" ".join(p.text for p in body))
    first_seen = list(dict.fromkeys(cited))
    assert first_seen == list(range(1, len(first_seen) + 1))


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_reference_list_holds_exactly_the_cited_numbers(docx_body_of, topic, lang):
    body, refs = split_docx(docx_body_of(topic, lang), lang)
    cited = set(cite_numbers(" ".join(p.text for p in body)))
    numbers = [int(re.match(r"\[(\d+)\]", r).group(1)) for r in refs]
    assert numbers == list(range(1, len(numbers) + 1))
    assert set(numbers) == cited


def reference_numbers(refs, corpus) -> dict[str, int]:
    """Source id -> its number in the References list."""
    return {entry_source(r, corpus): int(re.match(r"\[(\d+)\]", r).group(1)) for r in refs}


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_reference_list_holds_only_the_cited_sources(docx_body_of, corpus, topic, lang):
    """The sources of the selected findings, plus those of the other sides of contested pairs."""
    _, refs = split_docx(docx_body_of(topic, lang), lang)
    listed = [entry_source(r, corpus) for r in refs]
    assert len(listed) == len(set(listed))
    assert set(listed) == corpus.cited_sources(topic)


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_bottom_line_cites_point_at_the_right_sources(docx_body_of, corpus, topic, lang):
    body, refs = split_docx(docx_body_of(topic, lang), lang)
    number_of = reference_numbers(refs, corpus)
    text = ws(" ".join(p.text for p in body))
    for sentence in corpus.topics[topic]["bottom_line"]:
        m = re.search(re.escape(ws(sentence[lang])) + r"\s*\[([\d, ]+)\]", text)
        assert m, sentence[lang]
        shown = {int(n) for n in m.group(1).split(",")}
        assert shown == {number_of[corpus.finding_source[f]] for f in sentence["cites"]}


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_reference_entries_carry_title_and_url_or_access_info(docx_body_of, corpus, topic, lang):
    _, refs = split_docx(docx_body_of(topic, lang), lang)
    t = strings(lang)
    for entry in refs:
        s = corpus.sources[entry_source(entry, corpus)]
        assert reference_title(s, lang).casefold() in entry.casefold(), entry  # English titles come title-cased
        if s["url"]:
            assert s["url"] in entry
        if s["accessed"]:
            y, mo, d = (int(x) for x in s["accessed"].split("-"))
            formatted = t["date_format"].format(year=y, month=mo, day=d, month_name=t["month_names"][mo - 1])
            assert s["accessed"] in entry or formatted in entry, entry
        else:
            assert t["no_access_date"].lower() in entry.lower(), entry


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_reference_entries_have_no_doubled_full_stop(docx_body_of, topic, lang):
    """'n.d.' or a note ending in '.' is not followed by a second full stop ('n.d..')."""
    _, refs = split_docx(docx_body_of(topic, lang), lang)
    assert not [r for r in refs if re.search(r"(?<!\.)\.\.(?!\.)", r)]


def _url_briefs(corpus):
    return [(t, lang) for t, lang in BRIEFS
            if any(corpus.sources[corpus.finding_source[f]]["url"] for f in corpus.selected(t))]


def test_some_brief_cites_a_source_with_a_url(corpus):
    assert _url_briefs(corpus)


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_source_url_is_a_pdf_link(generated, corpus, topic, lang):
    urls = {corpus.sources[sid]["url"] for sid in corpus.cited_sources(topic)} - {None}
    assert urls <= set(pdf_uris(generated.path(topic, lang, "pdf")))


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_source_url_is_an_external_docx_hyperlink(generated, corpus, topic, lang):
    urls = {corpus.sources[sid]["url"] for sid in corpus.cited_sources(topic)} - {None}
    external = {r["Target"] for r in hyperlink_rels(generated.path(topic, lang, "docx")) if r.get("TargetMode") == "External"}
    assert urls <= external


# ---- DOCX internals -------------------------------------------------------------------------


def test_docx_styles_set_an_east_asian_font(generated):
    styles = docx_part(generated.path(ZH_TOPIC, "zh", "docx"), "word/styles.xml")
    assert re.search(r'<w:rFonts [^>]*w:eastAsia="[^"]+"', styles)


def test_docx_styles_set_chinese_as_east_asian_language(generated):
    styles = docx_part(generated.path(ZH_TOPIC, "zh", "docx"), "word/styles.xml")
    assert re.search(r'<w:lang [^>]*w:eastAsia="zh-CN"', styles)


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_docx_core_properties_carry_the_title(generated, corpus, topic, lang):
    core = docx_part(generated.path(topic, lang, "docx"), "docProps/core.xml")
    title = ET.fromstring(core).find("{http://purl.org/dc/elements/1.1/}title")
    assert title is not None and title.text == corpus.topics[topic]["title"][lang]
    assert "python-docx" not in core


# ---- parity: DOCX and PDF carry the same content -------------------------------------------


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_parity_headings(generated, docx_body_of, pdf_text, topic, lang):
    docx_headings = [ws(p.text) for p in docx_body_of(topic, lang) if is_heading_style(p.style)]
    pdf_headings = [ws(t) for _, t in pdf_outline(generated.path(topic, lang, "pdf"))]
    assert docx_headings and docx_headings == pdf_headings
    text, pos = pdf_text(topic, lang), 0
    for h in docx_headings:  # and each is printed, in that order (as a heading, not a contents entry)
        m = heading_pattern(h).search(text, pos)
        assert m, h
        pos = m.end()


def docx_sections(paragraphs):
    """[(heading, holds a table, text)] for each heading of a DOCX body and what follows it."""
    out = []
    for p in paragraphs:
        if p.table is None and is_heading_style(p.style):
            out.append([p.text, False, []])
        elif out:
            out[-1][1] = out[-1][1] or p.table is not None
            out[-1][2].append(p.text)
    return [(h, tab, " ".join(texts)) for h, tab, texts in out]


def pdf_sections(text, headings):
    """The PDF text after each of `headings` (found in order) up to the next one."""
    starts = []
    pos = 0
    for h in headings:
        m = heading_pattern(h).search(text, pos)
        assert m, h
        starts.append((m.start(), m.end()))
        pos = m.end()
    return [text[end:(starts[i + 1][0] if i + 1 < len(starts) else len(text))] for i, (_, end) in enumerate(starts)]


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_parity_citation_numbers(docx_body_of, pdf_raw_text, topic, lang):
    """The same citation numbers, section by section, side-by-side table cells included: in the same
    order where a section has no table; the same numbers as often where it has one (the PDF splits
    a tall table row across pages, so its cells' text interleaves there)."""
    sections = docx_sections(docx_body_of(topic, lang))
    pdf = pdf_sections(pdf_raw_text(topic, lang), [h for h, _, _ in sections])
    assert any(cite_numbers(text) for _, _, text in sections)
    assert any(tab for _, tab, _ in sections), "expected side-by-side tables (What cuts the other way)"
    for (heading, has_table, text), shown in zip(sections, pdf):
        if has_table:
            assert sorted(cite_numbers(text)) == sorted(cite_numbers(shown)), heading
        else:
            assert cite_numbers(text) == cite_numbers(shown), heading


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_parity_claims(docx_body_of, pdf_raw_text, corpus, topic, lang):
    """Every claim (of the selected findings and of the other sides of contested pairs) appears as
    often in the PDF as in the DOCX, table cells included (the PDF read in content-stream order,
    so that the lines of side-by-side cells do not interleave). Claims only cited appear in neither."""
    paragraphs = [ws(p.text) for p in docx_body_of(topic, lang)]
    text = pdf_raw_text(topic, lang)
    shown = 0
    for fid in corpus.selected(topic) + corpus.partners(topic):
        claim = ws(corpus.findings[fid]["claim"][lang])
        in_docx = sum(p.count(claim) for p in paragraphs)
        shown += in_docx
        assert pdf_count_across_pages(text, claim) == in_docx, fid
    assert shown


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_parity_reference_entries(docx_body_of, pdf_text, topic, lang):
    _, notes, refs = split_sections(docx_body_of(topic, lang), lang)
    text, pos = pdf_text(topic, lang), 0
    assert refs and len(notes) == len(refs)
    for entry in notes + refs:  # Source notes, then References, in order
        m = flex_pattern(entry).search(text, pos)
        assert m, entry
        pos = m.end()


# ---- LibreOffice reads the DOCX ------------------------------------------------------------


def test_libreoffice_renders_the_zh_docx(generated, corpus, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) is not installed")
    src = generated.path(ZH_TOPIC, "zh", "docx")
    r = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                        "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                       capture_output=True, text=True, timeout=180)
    pdf = tmp_path / (src.stem + ".pdf")
    assert pdf.is_file(), r.stdout + r.stderr
    assert pdf_count(pdftotext(pdf), corpus.topics[ZH_TOPIC]["title"]["zh"]) >= 1


# ---- reproducibility ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def twice(run_brief, project_root, generated, tmp_path_factory):
    """The shared brief (`generated`, built with --all) and the same brief built again on its own, at the
    same SOURCE_DATE_EPOCH, in another process and directory."""
    out = tmp_path_factory.mktemp("repro")
    r = run_brief("--project", project_root, "generate", "--topic", ZH_TOPIC, "--lang", "zh", "--out", out,
                  env={"SOURCE_DATE_EPOCH": BUILD_EPOCH})
    assert r.returncode == 0, r.stderr
    return [generated.out, out]


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_reproducible_with_source_date_epoch(twice, fmt):
    a, b = (d / f"{ZH_TOPIC}.zh.{fmt}" for d in twice)
    assert a.read_bytes() == b.read_bytes()


# ---- injection: data never becomes markup ---------------------------------------------------

PAYLOAD = "# heading [x](javascript:alert(1)) <b>bold</b> <img src=/etc/passwd> R&D {{ 7*7 }} 😀 𠀀"
# Control characters never reach a writer: the corpus refuses them when it loads.
CONTROL_PAYLOAD = "a claim with a bell \x07 and an escape \x1b[31m in it"
MAYBE_UNDRAWABLE = "😀𠀀"  # characters the configured PDF fonts may not draw
LITERALS = ("# heading", "[x](javascript:alert(1))", "<b>bold</b>", "<img src=/etc/passwd>", "R&D", "{{ 7*7 }}")
TITLE_SUFFIX = " *stars* & <i>"
PROBE_SOURCE = "injection-probe"
PROBE_ID = "inj-probe"
# The quote (verbatim in the probe's body) holds markup too, and the numbers 1 and 7 of the claim.
PROBE_QUOTE = "Article 1 and article 7 apply: **not bold** <u>u</u> [y](javascript:void(0))."
SAFE_SCHEMES = ("http://", "https://", "mailto:")


def without_controls(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")


def make_injection_project(dest, claim_en: str):
    """A copy of the fixture project with one extra source whose one finding carries `claim_en`,
    selected by ZH_TOPIC, whose title gets markup characters too."""
    import hashlib

    import yaml

    from helpers import copy_project, replace_once

    project = copy_project(dest)
    seeds = project / "seeds"
    original = seeds / "originals" / f"{PROBE_SOURCE}.txt"
    original.write_text(f"Injection probe\n{PROBE_QUOTE}\n", encoding="utf-8")
    folder = seeds / PROBE_SOURCE
    folder.mkdir()
    body = folder / "body.txt"
    body.write_text(f"{PROBE_QUOTE}\n", encoding="utf-8")

    def digest(p):
        return hashlib.sha256(p.read_bytes()).hexdigest()

    source = {
        "id": PROBE_SOURCE, "original": f"originals/{PROBE_SOURCE}.txt", "original_sha256": digest(original),
        "body_sha256": digest(body), "title": "Injection probe", "title_supplied": False,
        "title_en": "Injection probe", "publisher": None, "author": None, "published": None, "accessed": None,
        "url": None, "language": "en", "source_type": "other", "primary_source": None,
        # graded A1, the probe is among the best-graded findings of its section, so it is shown in full
        "reliability": {"grade": "A", "rationale": {"en": "A test probe.", "zh": "测试探针。"}}, "notes": None,
    }
    findings = {"source": PROBE_SOURCE, "findings": [{
        "id": PROBE_ID, "kind": "fact", "credibility": 1, "topics": [ZH_TOPIC], "quote": PROBE_QUOTE,
        "locator": {"para": 1, "start": 0, "end": len(PROBE_QUOTE)},
        "claim": {"en": claim_en, "zh": "注入测试：数据不得变成标记。"},
    }]}
    dump = dict(allow_unicode=True, sort_keys=False)
    (folder / "source.yaml").write_text(yaml.safe_dump(source, **dump), encoding="utf-8")
    (folder / "findings.yaml").write_text(yaml.safe_dump(findings, **dump), encoding="utf-8")
    title = load_yaml(project / "briefs" / f"{ZH_TOPIC}.yaml")["title"]["en"]
    replace_once(project / "briefs" / f"{ZH_TOPIC}.yaml", title, title + TITLE_SUFFIX)
    return project


@pytest.fixture(scope="module")
def injected_full(tmp_path_factory):
    return make_injection_project(tmp_path_factory.mktemp("inj-full") / "project", PAYLOAD)


@pytest.fixture(scope="module")
def full_run(run_brief, injected_full, tmp_path_factory):
    out = tmp_path_factory.mktemp("inj-full-out") / "out"
    return run_brief("--project", injected_full, "generate", "--topic", ZH_TOPIC, "--out", out), out


@pytest.fixture(scope="module")
def full_docx_run(run_brief, injected_full, tmp_path_factory):
    out = tmp_path_factory.mktemp("inj-docx-out") / "out"
    r = run_brief("--project", injected_full, "generate", "--topic", ZH_TOPIC, "--format", "docx", "--out", out)
    assert r.returncode == 0, r.stderr
    return out / f"{ZH_TOPIC}.en.docx"


@pytest.fixture(scope="module")
def drawable_run(run_brief, tmp_path_factory):
    """The payload without the characters a font may lack: it must build in both formats."""
    claim = "".join(ch for ch in PAYLOAD if ch not in MAYBE_UNDRAWABLE)
    project = make_injection_project(tmp_path_factory.mktemp("inj-draw") / "project", claim)
    out = tmp_path_factory.mktemp("inj-draw-out") / "out"
    r = run_brief("--project", project, "generate", "--topic", ZH_TOPIC, "--out", out)
    assert r.returncode == 0, r.stderr
    pdf = out / f"{ZH_TOPIC}.en.pdf"
    return {"claim": claim, "docx": out / f"{ZH_TOPIC}.en.docx", "pdf": pdf, "text": pdf_body_text(pdf),
            "project": project}


def test_injection_full_payload_builds_or_fails_cleanly(full_run):
    """Either both files are written, or a clean font error names the character and the finding."""
    r, out = full_run
    assert "Traceback" not in r.stderr
    if r.returncode == 0:
        assert sorted(p.name for p in brief_files(out)) == [f"{ZH_TOPIC}.en.docx", f"{ZH_TOPIC}.en.pdf"]
        return
    assert r.returncode == 1, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert errors and all("no configured font can draw" in ln for ln in errors), r.stderr
    named = [ln for ln in errors if PROBE_ID in ln]
    assert named, r.stderr
    assert any(any(ch in ln or f"U+{ord(ch):04X}" in ln for ch in MAYBE_UNDRAWABLE) for ln in named)
    assert files_under(out) == []


def test_injection_pdf_shows_markup_literally(drawable_run):
    text = drawable_run["text"]
    for literal in LITERALS:
        assert pdf_count(text, literal) >= 1, literal
    assert pdf_count(text, without_controls(drawable_run["claim"])) >= 1


def test_injection_control_characters_are_refused_at_their_line(run_brief, tmp_path):
    project = make_injection_project(tmp_path / "project", CONTROL_PAYLOAD)
    r = run_brief("--project", project, "generate", "--topic", ZH_TOPIC, "--out", tmp_path / "out")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"seeds/{PROBE_SOURCE}/findings.yaml:" in r.stderr and "control character U+0007" in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_injection_pdf_shows_quote_markup_literally(drawable_run):
    assert pdf_count(drawable_run["text"], PROBE_QUOTE) >= 1


def test_injection_pdf_shows_title_literally(drawable_run, corpus):
    title = corpus.topics[ZH_TOPIC]["title"]["en"] + TITLE_SUFFIX
    assert pdf_count(drawable_run["text"], title) >= 1
    assert pdf_outline(drawable_run["pdf"])[0][1] == title


def test_injection_adds_no_docx_heading(drawable_run, generated):
    def count(path):
        return sum(1 for s, _ in docx_paragraphs(path) if is_heading_style(s))

    assert count(drawable_run["docx"]) == count(generated.path(ZH_TOPIC, "en", "docx"))


def test_injection_adds_no_pdf_heading(drawable_run, generated):
    assert len(pdf_outline(drawable_run["pdf"])) == len(pdf_outline(generated.path(ZH_TOPIC, "en", "pdf")))


def test_injection_makes_no_javascript_link_in_pdf(drawable_run):
    data = drawable_run["pdf"].read_bytes()
    assert all(u.startswith(SAFE_SCHEMES) for u in pdf_uris(drawable_run["pdf"]))
    assert b"/JavaScript" not in data and not re.search(rb"/JS\s*[(<]", data)


@pytest.mark.parametrize("which", ["drawable", "full"])
def test_injection_makes_no_javascript_link_in_docx(drawable_run, full_docx_run, which):
    path = drawable_run["docx"] if which == "drawable" else full_docx_run
    assert all(r["Target"].startswith(SAFE_SCHEMES) for r in hyperlink_rels(path))
    document = docx_part(path, "word/document.xml")
    assert not re.search(r"HYPERLINK\s+&quot;javascript|w:anchor=\"javascript", document, re.I)


def test_injection_docx_shows_full_payload_literally(full_docx_run):
    expected = ws(without_controls(PAYLOAD))
    assert any(expected in ws(t) for _, t in docx_paragraphs(full_docx_run))


def test_injection_docx_shows_title_literally(full_docx_run, corpus):
    title = corpus.topics[ZH_TOPIC]["title"]["en"] + TITLE_SUFFIX
    assert [t for s, t in docx_paragraphs(full_docx_run) if s == "Title"] == [title]


@pytest.mark.parametrize("text", [
    PAYLOAD,
    "*not emphasis* and _not either_ and **not strong**",
    "1. not a list item",
    "- not a bullet",
    "> not a block quote",
    "--- not a rule",
    "::: not-a-div",
    "[@cfd-sovereignty-concerns] is not a citation",
    "<http://example.com> is not an autolink, nor is ![img](http://example.com/x.png)",
    "`not code` | not | a table |",
    "back\\slash \\* and &amp; &copy; stay as typed",
    "tab\there and a bell \x07 vanish",
])
def test_escape_markdown_round_trips_to_one_plain_paragraph(text):
    from brief import model as m
    from brief.compose import escape_markdown
    from brief.parse import parse

    blocks = parse(escape_markdown(text))
    assert len(blocks) == 1 and isinstance(blocks[0], m.Para)
    assert all(isinstance(n, m.Str) for n in blocks[0].children)
    expected = without_controls(text.replace("\t", " "))
    assert "".join(n.text for n in blocks[0].children) == expected
