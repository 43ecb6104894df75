"""The generated briefs: fonts, text, references, DOCX internals, DOCX/PDF parity, LibreOffice,
injection safety and reproducibility."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET

import pytest

from conftest import ZH_TOPIC
from helpers import (
    ROOT,
    cite_numbers,
    docx_paragraphs,
    docx_part,
    files_under,
    flex_pattern,
    is_heading_style,
    load_yaml,
    pdf_count,
    pdf_body_text,
    pdf_outline,
    pdf_uris,
    pdftotext,
    ws,
)

EN_TOPICS = sorted(p.stem for p in (ROOT / "briefs").glob("*.yaml") if not p.name.startswith("stakeholders"))
BRIEFS = [(t, "en") for t in EN_TOPICS] + [(ZH_TOPIC, "zh")]
BRIEF_IDS = [f"{t}.{lang}" for t, lang in BRIEFS]
NO_LINE_STARTS_WITH = "，。、：；！？）》”"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
HYPERLINK_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


def strings(lang: str) -> dict:
    return load_yaml(ROOT / "templates" / "strings" / f"{lang}.yaml")


def hyperlink_rels(docx_path) -> list[dict]:
    rels = ET.fromstring(docx_part(docx_path, "word/_rels/document.xml.rels"))
    return [dict(r.attrib) for r in rels.iter(f"{REL_NS}Relationship") if r.get("Type") == HYPERLINK_REL]


def split_docx(paragraphs, lang):
    """(body paragraphs before the References heading, reference-entry paragraphs)."""
    ref_heading = strings(lang)["references"]
    idx = next(i for i, (style, text) in enumerate(paragraphs) if is_heading_style(style) and text == ref_heading)
    body = paragraphs[:idx]
    refs = [text for style, text in paragraphs[idx + 1:] if text.strip()]
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


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_pdf_fonts_are_embedded_truetype(generated, topic, lang):
    rows = _pdffonts(generated.path(topic, lang, "pdf"))
    assert rows
    for row in rows:
        assert row["emb"] == "yes", row
        assert not row["type"].startswith("Type 1") and "CID" not in row["type"], row


def test_zh_pdf_shows_the_chinese_title(pdf_text, corpus):
    title = corpus.topics[ZH_TOPIC]["title"]["zh"]
    assert pdf_count(pdf_text(ZH_TOPIC, "zh"), title) >= 1


def test_zh_pdf_shows_every_selected_quote_verbatim(pdf_text, corpus):
    text = pdf_text(ZH_TOPIC, "zh")
    missing = [fid for fid in corpus.selected(ZH_TOPIC) if pdf_count(text, corpus.findings[fid]["quote"]) == 0]
    assert not missing


@pytest.mark.parametrize("topic", EN_TOPICS)
def test_en_pdf_shows_every_selected_claim(pdf_text, corpus, topic):
    text = pdf_text(topic, "en")
    missing = [fid for fid in corpus.selected(topic) if pdf_count(text, corpus.findings[fid]["claim"]["en"]) == 0]
    assert not missing


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_no_pdf_line_starts_with_closing_full_width_punctuation(generated, topic, lang):
    text = pdftotext(generated.path(topic, lang, "pdf"))  # plain pdftotext, page furniture included
    bad = [ln for ln in text.splitlines() if ln[:1] and ln[0] in NO_LINE_STARTS_WITH]
    assert not bad


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_no_pdf_line_ends_with_an_opening_quote(pdf_text, topic, lang):
    """An opening quotation mark stays with the word it opens (no 'about "' / 'sovereign AI"')."""
    bad = [ln for ln in pdf_text(topic, lang).splitlines()
           if re.search(r'(^|\s)"$', ln) or ln.endswith(("“", "‘", "（", "《"))]
    assert not bad


# ---- references ---------------------------------------------------------------------------


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_sources_numbered_in_order_of_first_citation(generated, topic, lang):
    body, refs = split_docx(docx_paragraphs(generated.path(topic, lang, "docx")), lang)
    cited = cite_numbers(" ".join(text for _, text in body))
    first_seen = list(dict.fromkeys(cited))
    assert first_seen == list(range(1, len(first_seen) + 1))


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_reference_list_holds_exactly_the_cited_numbers(generated, topic, lang):
    body, refs = split_docx(docx_paragraphs(generated.path(topic, lang, "docx")), lang)
    cited = set(cite_numbers(" ".join(text for _, text in body)))
    numbers = [int(re.match(r"\[(\d+)\]", r).group(1)) for r in refs]
    assert numbers == list(range(1, len(numbers) + 1))
    assert set(numbers) == cited


def _entry_source(entry: str, corpus) -> str:
    hits = [sid for sid, s in corpus.sources.items() if s["title"] in entry or s["title_en"] in entry]
    assert len(hits) == 1, (entry, hits)
    return hits[0]


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_reference_list_holds_only_the_selected_findings_sources(generated, corpus, topic, lang):
    _, refs = split_docx(docx_paragraphs(generated.path(topic, lang, "docx")), lang)
    listed = [_entry_source(r, corpus) for r in refs]
    assert len(listed) == len(set(listed))
    assert set(listed) == {corpus.finding_source[f] for f in corpus.selected(topic)}


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_bottom_line_cites_point_at_the_right_sources(generated, corpus, topic, lang):
    paragraphs = docx_paragraphs(generated.path(topic, lang, "docx"))
    body, refs = split_docx(paragraphs, lang)
    number_of = {_entry_source(r, corpus): int(re.match(r"\[(\d+)\]", r).group(1)) for r in refs}
    text = ws(" ".join(t for _, t in body))
    for sentence in corpus.topics[topic]["bottom_line"]:
        m = re.search(re.escape(ws(sentence[lang])) + r"\s*\[([\d, ]+)\]", text)
        assert m, sentence[lang]
        shown = {int(n) for n in m.group(1).split(",")}
        assert shown == {number_of[corpus.finding_source[f]] for f in sentence["cites"]}


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_reference_entries_carry_title_and_url_or_access_info(generated, corpus, topic, lang):
    _, refs = split_docx(docx_paragraphs(generated.path(topic, lang, "docx")), lang)
    t = strings(lang)
    for entry in refs:
        s = corpus.sources[_entry_source(entry, corpus)]
        title = s["title_en"] if lang == "en" else s["title"]
        assert title in entry
        if s["url"]:
            assert s["url"] in entry
        if s["accessed"]:
            y, mo, d = (int(x) for x in s["accessed"].split("-"))
            formatted = t["date_format"].format(year=y, month=mo, day=d, month_name=t["month_names"][mo - 1])
            assert s["accessed"] in entry or formatted in entry, entry
        else:
            assert t["no_access_date"].lower() in entry.lower(), entry


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_reference_entries_have_no_doubled_full_stop(generated, topic, lang):
    """'n.d.' or a note ending in '.' is not followed by a second full stop ('n.d..')."""
    _, refs = split_docx(docx_paragraphs(generated.path(topic, lang, "docx")), lang)
    assert not [r for r in refs if re.search(r"(?<!\.)\.\.(?!\.)", r)]


def _url_briefs(corpus):
    return [(t, lang) for t, lang in BRIEFS
            if any(corpus.sources[corpus.finding_source[f]]["url"] for f in corpus.selected(t))]


def test_some_brief_cites_a_source_with_a_url(corpus):
    assert _url_briefs(corpus)


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_source_url_is_a_pdf_link(generated, corpus, topic, lang):
    urls = {corpus.sources[corpus.finding_source[f]]["url"] for f in corpus.selected(topic)} - {None}
    assert urls <= set(pdf_uris(generated.path(topic, lang, "pdf")))


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_source_url_is_an_external_docx_hyperlink(generated, corpus, topic, lang):
    urls = {corpus.sources[corpus.finding_source[f]]["url"] for f in corpus.selected(topic)} - {None}
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
def test_parity_headings(generated, pdf_text, topic, lang):
    docx_headings = [ws(t) for s, t in docx_paragraphs(generated.path(topic, lang, "docx")) if is_heading_style(s)]
    pdf_headings = [ws(t) for _, t in pdf_outline(generated.path(topic, lang, "pdf"))]
    assert docx_headings and docx_headings == pdf_headings
    text, pos = pdf_text(topic, lang), 0
    for h in docx_headings:  # and each is printed, in that order
        m = flex_pattern(h).search(text, pos)
        assert m, h
        pos = m.end()


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_parity_citation_numbers(generated, pdf_text, topic, lang):
    docx_text = " ".join(t for _, t in docx_paragraphs(generated.path(topic, lang, "docx")))
    docx_seq = cite_numbers(docx_text)
    assert docx_seq and docx_seq == cite_numbers(pdf_text(topic, lang))


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_parity_claims(generated, pdf_text, corpus, topic, lang):
    paragraphs = [ws(t) for _, t in docx_paragraphs(generated.path(topic, lang, "docx"))]
    text = pdf_text(topic, lang)
    for fid in corpus.selected(topic):
        claim = ws(corpus.findings[fid]["claim"][lang])
        in_docx = sum(p.count(claim) for p in paragraphs)
        assert in_docx >= 1, fid
        assert pdf_count(text, claim) == in_docx, fid


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_parity_reference_entries(generated, pdf_text, topic, lang):
    _, refs = split_docx(docx_paragraphs(generated.path(topic, lang, "docx")), lang)
    text, pos = pdf_text(topic, lang), 0
    assert refs
    for entry in refs:
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
def twice(run_brief, tmp_path_factory):
    dirs = []
    for n in (1, 2):
        out = tmp_path_factory.mktemp(f"repro{n}")
        r = run_brief("--project", ROOT, "generate", "--topic", ZH_TOPIC, "--lang", "zh", "--out", out,
                      env={"SOURCE_DATE_EPOCH": "1700000000"})
        assert r.returncode == 0, r.stderr
        dirs.append(out)
    return dirs


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_reproducible_with_source_date_epoch(twice, fmt):
    a, b = (d / f"{ZH_TOPIC}.zh.{fmt}" for d in twice)
    assert a.read_bytes() == b.read_bytes()


# ---- injection: data never becomes markup ---------------------------------------------------

PAYLOAD = "# heading [x](javascript:alert(1)) <b>bold</b> <img src=/etc/passwd> R&D {{ 7*7 }} \x07 😀 𠀀"
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
    """A sample project with one extra source whose one finding carries `claim_en`, selected by
    sovereign-ai, whose title gets markup characters too."""
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
        "url": None, "language": "en", "source_type": "other", "primary_source": None, "notes": None,
    }
    findings = {"source": PROBE_SOURCE, "findings": [{
        "id": PROBE_ID, "kind": "fact", "topics": [ZH_TOPIC], "quote": PROBE_QUOTE,
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
        assert sorted(p.name for p in files_under(out)) == [f"{ZH_TOPIC}.en.docx", f"{ZH_TOPIC}.en.pdf"]
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


def test_injection_pdf_drops_control_characters(drawable_run):
    assert "\x07" not in drawable_run["text"]


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
