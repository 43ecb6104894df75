"""The HTML brief (`--format html`): the same content as the DOCX and the PDF (headings, claims,
citation numbers, references), one self-contained page that requests nothing, semantic and
accessible structure (languages, landmarks, headings, tables, charts), data that never becomes
markup or a dangerous link, reproducible bytes, and a clean error for a broken style file.

The real-browser checks (screenshots, axe-core) are in the browser tests; these read the page
with lxml."""

from __future__ import annotations

import datetime
import hashlib
import json
import re

import pytest
from conftest import BUILD_EPOCH, CONTESTED_TOPIC, ZH_TOPIC
from helpers import (
    ROOT,
    cite_numbers,
    copy_project,
    is_heading_style,
    line_containing,
    load_yaml,
    pdftotext,
    split_sections,
    ws,
)
from test_output import (
    BRIEF_IDS,
    BRIEFS,
    EN_TOPICS,
    LITERALS,
    PAYLOAD,
    PROBE_QUOTE,
    TITLE_SUFFIX,
    make_injection_project,
)

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
SAFE_SCHEMES = ("http://", "https://", "mailto:")
INLINE = {"a", "span", "em", "strong", "code", "br"}


@pytest.fixture(scope="session")
def html_out(run_brief, project_root, tmp_path_factory):
    """Every fixture topic as HTML, in English and Chinese, at the session's build date."""
    out = tmp_path_factory.mktemp("html") / "out"
    for lang in ("en", "zh"):
        r = run_brief("--project", project_root, "generate", "--all", "--lang", lang, "--format", "html",
                      "--out", out, env={"SOURCE_DATE_EPOCH": BUILD_EPOCH})
        assert r.returncode == 0, r.stderr
    return out


def page(path):
    import lxml.html

    return lxml.html.fromstring(path.read_bytes())


@pytest.fixture(scope="session")
def html_of(html_out):
    cache: dict = {}

    def get(topic: str, lang: str):
        if (topic, lang) not in cache:
            cache[topic, lang] = page(html_out / f"{topic}.{lang}.html")
        return cache[topic, lang]

    return get


def _skipped(el) -> bool:
    """What a reader of the DOCX does not see as text: the contents, a chart's drawing and its
    data table for screen readers (the DOCX chart is a picture)."""
    cls = (el.get("class") or "").split()
    return el.tag in ("nav", "svg", "style", "head") or "visually-hidden" in cls


def body_texts(root):
    """[(kind, text)] of <main> in document order: ("heading", text) for each h1-h6, ("text", t)
    for every other text node (contents, chart drawings and data tables left out)."""
    out = []

    def walk(el):
        if _skipped(el):
            return
        if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            out.append(("heading", ws(el.text_content())))
        else:
            if el.text:
                out.append(("text", el.text))
            for child in el:
                walk(child)
                if child.tag not in INLINE:
                    out.append(("text", " "))  # (the end of a block)
                if child.tail:
                    out.append(("text", child.tail))

    walk(root.find(".//main"))
    return out


def html_sections(root):
    """[(heading, text)] for each heading of the page and the text up to the next one."""
    sections = []
    for kind, text in body_texts(root):
        if kind == "heading":
            sections.append([text, []])
        elif sections:
            sections[-1][1].append(text)
    return [(h, ws("".join(texts))) for h, texts in sections]


def docx_sections(paragraphs):
    out = []
    for p in paragraphs:
        if p.table is None and is_heading_style(p.style):
            out.append([p.text, False, []])
        elif out:
            out[-1][1] = out[-1][1] or p.table is not None
            out[-1][2].append(p.text)
    return [(h, tab, " ".join(texts)) for h, tab, texts in out]


# ---- parity with the DOCX (which test_output proves equal to the PDF) ------------------------


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_html_parity_headings(html_of, docx_body_of, topic, lang):
    docx = [ws(p.text) for p in docx_body_of(topic, lang) if is_heading_style(p.style)]
    html = [h for h, _ in html_sections(html_of(topic, lang))]
    assert docx and html == docx


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_html_parity_citation_numbers(html_of, docx_body_of, topic, lang):
    """The same citation numbers in every section, in the same order (side-by-side columns read
    one after the other in both)."""
    docx = docx_sections(docx_body_of(topic, lang))
    html = html_sections(html_of(topic, lang))
    assert [h for h, _, _ in docx] == [h for h, _ in html]
    assert any(cite_numbers(text) for _, _, text in docx)
    for (heading, _, text), (_, shown) in zip(docx, html):
        assert cite_numbers(shown) == cite_numbers(text), heading


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_html_parity_claims(html_of, docx_body_of, corpus, topic, lang):
    """Every claim shown in the DOCX is shown as often in the page."""
    paragraphs = [ws(p.text) for p in docx_body_of(topic, lang)]
    text = ws(" ".join(t for _, t in html_sections(html_of(topic, lang))))
    shown = 0
    for fid in corpus.selected(topic) + corpus.partners(topic):
        claim = ws(corpus.findings[fid]["claim"][lang])
        in_docx = sum(p.count(claim) for p in paragraphs)
        shown += in_docx
        assert text.count(claim) == in_docx, fid
    assert shown


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_html_parity_reference_entries(html_of, docx_body_of, topic, lang):
    _, notes, refs = split_sections(docx_body_of(topic, lang), lang)
    root = html_of(topic, lang)
    lists = root.findall(".//main//ol")
    entries = [[ws(li.text_content()) for li in ol.findall("li")] for ol in lists
               if "references" in (ol.get("class") or "").split()]
    assert entries == [[ws(n) for n in notes], [ws(r) for r in refs]]


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_html_citations_link_to_their_reference_entries(html_of, topic, lang):
    root = html_of(topic, lang)
    refs = {li.get("id"): ws(li.text_content()) for li in root.findall(".//main//ol[@class='references']/li")}
    cites = root.findall(".//span[@class='cite']/a")
    assert cites
    for a in cites:
        target = a.get("href").removeprefix("#")
        assert target in refs and refs[target].startswith(f"[{a.text}]"), a.get("href")


# ---- one page, no requests -------------------------------------------------------------------


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_html_requests_nothing(html_out, html_of, topic, lang):
    root = html_of(topic, lang)
    raw = (html_out / f"{topic}.{lang}.html").read_text(encoding="utf-8")
    assert not root.findall(".//script") and not root.findall(".//link") and not root.findall(".//img")
    assert not root.xpath("//*[@src or @srcset or @data or @poster or @background or @style]")
    for style in root.findall(".//style"):
        assert "url(" not in style.text and "@import" not in style.text
    csp = root.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp and "default-src 'none'" in csp[0]
    ids = set(root.xpath("//@id"))
    for href in root.xpath("//@href"):
        assert href.startswith(SAFE_SCHEMES) or href[1:] in ids, href
    assert "<svg" in raw or topic != CONTESTED_TOPIC  # (the charts are inline)


def test_html_rebuilt_is_byte_identical(run_brief, project_root, html_out, tmp_path):
    r = run_brief("--project", project_root, "generate", "--topic", ZH_TOPIC, "--lang", "zh", "--format", "html",
                  "--out", tmp_path, env={"SOURCE_DATE_EPOCH": BUILD_EPOCH})
    assert r.returncode == 0, r.stderr
    assert (tmp_path / f"{ZH_TOPIC}.zh.html").read_bytes() == (html_out / f"{ZH_TOPIC}.zh.html").read_bytes()


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_html_meta_tags_carry_the_provenance(html_out, html_of, corpus, topic, lang):
    root = html_of(topic, lang)
    meta = {m.get("name"): m.get("content") for m in root.findall(".//head/meta") if m.get("name")}
    manifest = json.loads((html_out / f"{topic}.{lang}.manifest.json").read_text(encoding="utf-8"))
    for key, value in manifest["provenance"].items():
        assert meta.get(key, "") == value, key
    assert meta["brief.tlp"] == corpus.topics[topic]["tlp"] == manifest["tlp"]
    assert meta["brief.date"] == datetime.datetime.fromtimestamp(int(BUILD_EPOCH), datetime.UTC).date().isoformat()
    assert root.findtext(".//head/title") == corpus.topics[topic]["title"][lang]


# ---- semantics and accessibility ---------------------------------------------------------------


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_html_landmarks_and_the_marking_at_top_and_bottom(html_of, corpus, topic, lang):
    root = html_of(topic, lang)
    body = root.find("body")
    assert root.get("lang") == lang
    assert [el.tag for el in body] == ["header", "main", "footer"]
    tlp = corpus.topics[topic]["tlp"]
    for landmark in ("header", "footer"):
        labels = [ws(s.text_content()) for s in body.find(landmark).iter() if "tlp" in (s.get("class") or "").split()]
        assert labels == [tlp], landmark
    navs = root.findall(".//main//nav")
    assert len(navs) == 1 and (navs[0].get("aria-labelledby") or navs[0].get("aria-label"))
    # The contents link to every section and subsection.
    headings = {h.get("id") for h in root.xpath("//main//h2|//main//h3")}
    assert {a.get("href")[1:] for a in navs[0].findall(".//a")} == headings


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_html_heading_levels_never_skip(html_of, topic, lang):
    levels = [int(h.tag[1]) for h in html_of(topic, lang).iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), levels


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_html_table_headers_have_scope(html_of, topic, lang):
    ths = html_of(topic, lang).findall(".//th")
    assert all(th.get("scope") in ("col", "row") for th in ths)


def test_html_wide_table_scrolls_in_a_named_focusable_region(run_brief, project_root, tmp_path):
    """The fact sheet's table of figures: its box (which scrolls sideways on a phone) takes the
    keyboard focus and is named by its section's heading."""
    r = run_brief("--project", project_root, "generate", "--topic", CONTESTED_TOPIC, "--template", "fact-sheet",
                  "--format", "html", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    root = page(tmp_path / f"{CONTESTED_TOPIC}.en.html")
    wraps = root.xpath("//main//div[@class='table-wrap']")
    assert wraps and all(w.find("table") is not None for w in wraps)
    for w in wraps:
        assert w.get("tabindex") == "0" and w.get("role") == "region"
        heading = root.get_element_by_id(w.get("aria-labelledby"))
        assert heading.tag in ("h2", "h3") and heading.text_content().strip()


def _lang_of(el) -> str:
    while el is not None:
        if el.get("lang"):
            return el.get("lang")
        el = el.getparent()
    return ""


@pytest.mark.parametrize("topic", EN_TOPICS)
def test_html_chinese_in_an_english_brief_is_marked_zh(html_of, topic):
    root = html_of(topic, "en")
    marked = 0
    for el in root.find("body").iter():
        for text, holder in ((el.text, el), (el.tail, el.getparent())):  # (a tail is its parent's text)
            if text and CJK.search(text):
                assert _lang_of(holder) == "zh", (holder.tag, text)
                marked += 1
    assert marked


def test_html_english_quote_in_a_chinese_brief_is_marked_en(html_of, corpus):
    """A quote from an English source in a Chinese brief is a span with lang="en"."""
    root = html_of(ZH_TOPIC, "zh")
    english = [corpus.findings[fid] for fid in corpus.selected(ZH_TOPIC)
               if corpus.sources[corpus.finding_source[fid]]["language"] == "en"]
    assert english, "the fixture topic quotes an English source"
    spans = [ws(s.text_content()) for s in root.iter("span") if s.get("lang") == "en"]
    shown = [f for f in english if any(ws(f["quote"])[:40] in s for s in spans)]
    assert shown


def test_html_charts_are_figures_with_a_text_alternative_from_the_data(html_of, corpus):
    root = html_of(CONTESTED_TOPIC, "en")
    figures = root.findall(".//figure")
    assert figures
    for fig in figures:
        svg = fig.find("svg")
        assert svg.get("role") == "img"
        title = fig.find("svg/title")
        assert svg.get("aria-labelledby") == title.get("id")
        rows = [(ws(tr.findtext("th")), tr.findtext("td")) for tr in fig.findall("table/tbody/tr")]
        assert rows
        for label, value in rows:
            assert f"{label} {value}" in title.text
        assert fig.find("figcaption") is not None and cite_numbers(fig.find("figcaption").text_content())


def _luminance(hex_colour: str) -> float:
    def channel(c):
        c = int(c, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(hex_colour[i:i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_html_text_colours_have_a_contrast_of_at_least_4_5():
    """The style sheet's text colours on its backgrounds, and each TLP label's colour on black."""
    css = (ROOT / "templates" / "styles" / "html.css").read_text(encoding="utf-8")
    var = dict(re.findall(r"--([a-z-]+):\s*(#[0-9A-Fa-f]{6})", css))
    for text in ("text", "muted", "link", "accent"):
        for ground in ("paper", "tint"):
            assert contrast(var[text], var[ground]) >= 4.5, (text, ground)
    labels = re.findall(r"\.tlp\.tlp-[a-z-]+(?:, \.tlp\.tlp-[a-z-]+)* \{ color: (#[0-9A-Fa-f]{6})", css)
    assert len(labels) == 4
    for colour in labels + re.findall(r"@page tlp-[a-z-]+ \{ @top-right \{ color: (#[0-9A-Fa-f]{6})", css):
        assert contrast(colour, "#000000") >= 4.5, colour
    assert re.search(r":focus-visible[^{]*\{[^}]*outline: \d+px solid", css)


# ---- escaping: data never becomes markup, no dangerous link -------------------------------------


HOSTILE_URLS = ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "jav&#x61;script:alert(1)",
                "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)", "//evil.example/x", "file:///etc/passwd",
                "https://ok.example/a b", "http:", "\u202ehttps://evil.example"]
HOSTILE_TEXT = "</title></style><script>alert(1)</script> <img src=x onerror=alert(1)> R&D \"q\" 'a' 中文"


def _writer_page(tmp_path, blocks, title="T", lang="en"):
    """A page from the HTML writer for hand-made blocks (with the repo's strings and style)."""
    import lxml.html

    from brief import model as m
    from brief.writers import get_writer, options_for

    meta = m.Meta(title=title, subtitle=HOSTILE_TEXT, lang=lang, tlp="TLP:AMBER", topic="t", date="2024-01-02",
                  organisation=HOSTILE_TEXT, finding_ids=("a", "b"), tool_version="1", corpus_sha256="0" * 64)
    data = get_writer("html")(m.Document(meta, tuple(blocks)), options_for("html", ROOT, lang))
    return data, lxml.html.fromstring(data)


def test_html_writer_links_only_http_and_mailto(tmp_path):
    from brief import model as m

    links = [m.Link(u, (m.Str(f"link {i}"),)) for i, u in enumerate(HOSTILE_URLS)]
    good = [m.Link("https://example.org/a?b=1&c=2", (m.Str("good"),)), m.Link("mailto:desk@example.org", (m.Str("mail"),))]
    data, root = _writer_page(tmp_path, [m.Para(tuple(links + good))])
    assert root.xpath("//main//a/@href") == ["https://example.org/a?b=1&c=2", "mailto:desk@example.org"]
    text = ws(root.find(".//main").text_content())
    for i in range(len(HOSTILE_URLS)):
        assert f"link {i}" in text  # (shown as text)
    assert b"javascript" not in data.lower() and b"data:" not in data


def test_html_writer_shows_markup_in_data_as_text(tmp_path):
    from brief import model as m

    title = HOSTILE_TEXT + ' "; } body { display: none } /* \\'
    blocks = [m.Heading(1, (m.Str(title),), anchor='x" onclick="alert(1)'), m.Heading(2, (m.Str("Ref 1"),), anchor="ref-1"),
              m.Para((m.Cite(("s",), (1,)),)),
              m.Para((m.Str(HOSTILE_TEXT), m.Code("<b>code</b>"))),
              m.Table(((m.Str("<th>"),),), (((m.Str("<td>&amp;"),),),)),
              m.Chart("c\"><script>", "<title>", "<u>", ("<a>", "中文"), (1.0, 2.0), (m.Str("cap <i>"),)),
              m.References((m.Reference(1, "s", (m.Str("<ref>"),)),))]
    _, root = _writer_page(tmp_path, blocks, title=title)
    assert not root.xpath("//script|//img|//b|//u|//i|//td/td|//@onclick|//@onerror")
    assert root.findtext(".//head/title") == title
    assert ws(root.find(".//h1").text_content()) == ws(title)
    assert HOSTILE_TEXT.split(" 中文")[0] in root.xpath("//main/p")[1].text_content()
    assert root.find(".//main/p/code").text == "<b>code</b>"
    ids = root.xpath("//@id")
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", i) for i in ids) and len(ids) == len(set(ids))
    # A heading whose anchor is a reference's id does not take the reference's place.
    assert root.get_element_by_id("ref-1").tag == "li" and root.xpath("//span[@class='cite']/a/@href") == ["#ref-1"]
    # The running title in the printed page margins is one CSS string: it cannot end the rule.
    margins = root.get_element_by_id("page-margins").text
    outside = re.sub(r'"(?:[^"\\]|\\[0-9A-F]+ )*"', '""', margins)  # (the rules without their strings)
    assert "</" not in margins and outside.count("{") == outside.count("}") == 5 and '"' not in outside.replace('""', "")
    decoded = re.search(r'@top-left \{ content: "((?:[^"\\]|\\[0-9A-F]+ )*)"; \}', margins).group(1)
    assert re.sub(r"\\([0-9A-F]+) ", lambda mo: chr(int(mo.group(1), 16)), decoded) == title


def test_html_injection_probe_shows_the_payload_literally(run_brief, tmp_path_factory):
    """The injection probe of test_output (markup in a claim, a quote and the title) as HTML."""
    from test_output import MAYBE_UNDRAWABLE

    claim = "".join(ch for ch in PAYLOAD if ch not in MAYBE_UNDRAWABLE)
    project = make_injection_project(tmp_path_factory.mktemp("inj-html") / "project", claim)
    out = tmp_path_factory.mktemp("inj-html-out")
    r = run_brief("--project", project, "generate", "--topic", ZH_TOPIC, "--format", "html", "--out", out)
    assert r.returncode == 0, r.stderr
    root = page(out / f"{ZH_TOPIC}.en.html")
    text = ws(root.find(".//main").text_content())
    for literal in LITERALS + (PROBE_QUOTE,):
        assert ws(literal) in text, literal
    title = load_yaml(project / "briefs" / f"{ZH_TOPIC}.yaml")["title"]["en"]
    assert title.endswith(TITLE_SUFFIX) and root.findtext(".//head/title") == title
    assert not root.xpath("//main//script|//main//img|//main//b|//main//u")
    assert all(h.startswith(SAFE_SCHEMES + ("#",)) for h in root.xpath("//@href"))


@pytest.mark.parametrize("text,lang,expected", [
    ("Huanqiu.com (环球网) says", "en", [(None, "Huanqiu.com ("), ("zh", "环球网"), (None, ") says")]),
    ("原文：全球90%以上用于AI运算。", "en", [("zh", "原文：全球90%以上用于"), (None, "AI"), ("zh", "运算。")]),
    ("英伟达 AI 芯片", "zh", [(None, "英伟达 AI 芯片")]),
    ("原文（英文）：Several governments have announced programmes.", "zh",
     [(None, "原文（英文）："), ("en", "Several governments have announced programmes.")]),
])
def test_lang_runs(text, lang, expected):
    from brief.writers.html import lang_runs

    assert lang_runs(text, lang) == expected


# ---- the style file ---------------------------------------------------------------------------


def test_broken_html_style_is_a_clean_error_at_its_line(run_brief, tmp_path):
    project = copy_project(tmp_path / "project")
    path = project / "templates" / "styles" / "html.yaml"
    text = path.read_text(encoding="utf-8").replace("  quote: blockquote", "  quote: script")
    path.write_text(text, encoding="utf-8")
    r = run_brief("--project", project, "generate", "--topic", ZH_TOPIC, "--format", "html", "--out", tmp_path / "out")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    line = line_containing(path, "quote: script")
    assert f"templates/styles/html.yaml:{line}:" in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()
    c = run_brief("--project", project, "check")
    assert c.returncode == 1 and f"templates/styles/html.yaml:{line}:" in c.stdout + c.stderr


def test_html_style_sheet_with_markup_is_refused(run_brief, tmp_path):
    project = copy_project(tmp_path / "project")
    css = project / "templates" / "styles" / "html.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* </style><script>alert(1)</script> */\n", encoding="utf-8")
    r = run_brief("--project", project, "generate", "--topic", ZH_TOPIC, "--format", "html", "--out", tmp_path / "out")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "templates/styles/html.css" in r.stderr and "</" in r.stderr, r.stderr


def test_html_style_file_points_at_its_schema():
    first = (ROOT / "templates" / "styles" / "html.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/html-style.schema.json"
    assert (ROOT / "schemas" / "html-style.schema.json").is_file()


# ---- brief distribute: HTML copies -----------------------------------------------------------

HTML_LIST = """recipients:
  - id: eli
    name: Eli Park & Co
    organisation: "Example Holdings <R&D> </p><script>x</script> 中文部"
    email: eli@example.org
    language: en
    topics: [{topic}]
    formats: [html, pdf]
    clearance: TLP:RED
  - id: fan
    name: 范明
    organisation: 示例研究所
    email: fan@example.org
    language: zh
    topics: all
    formats: [html]
    clearance: TLP:RED
"""


@pytest.fixture(scope="module")
def html_copies(run_brief, project_root, tmp_path_factory):
    """A dry run of `brief distribute` (copies written, nothing sent) for two recipients of HTML."""
    where = tmp_path_factory.mktemp("dist-html")
    stakeholders = where / "stakeholders.yaml"
    stakeholders.write_text(HTML_LIST.replace("{topic}", ZH_TOPIC), encoding="utf-8")
    out = where / "out"
    r = run_brief("--project", project_root, "distribute", "--list", stakeholders, "--topic", ZH_TOPIC,
                  "--tlp", "TLP:AMBER", "--out", out)
    assert r.returncode == 0, r.stdout + r.stderr
    return out


def test_distribute_writes_html_copies_marked_like_the_pdf(html_copies):
    manifest = json.loads((html_copies / "manifest.json").read_text(encoding="utf-8"))
    files = {c["file"]: c for c in manifest["copies"]}
    assert set(files) == {f"eli/{ZH_TOPIC}.en.html", f"eli/{ZH_TOPIC}.en.pdf", f"fan/{ZH_TOPIC}.zh.html"}
    for rid, lang, name in (("eli", "en", "Eli Park & Co, Example Holdings <R&D> </p><script>x</script> 中文部"),
                            ("fan", "zh", "范明")):
        data = (html_copies / rid / f"{ZH_TOPIC}.{lang}.html").read_bytes()
        assert files[f"{rid}/{ZH_TOPIC}.{lang}.html"]["sha256"] == hashlib.sha256(data).hexdigest()
        root = page(html_copies / rid / f"{ZH_TOPIC}.{lang}.html")
        lines = [ws(p.text_content()) for p in root.xpath("//p[@class='marking-line']")]
        assert len(lines) == 2 and lines[0] == lines[1]
        assert [p.getparent().tag for p in root.xpath("//p[@class='marking-line']")] == ["header", "footer"]
        row = files[f"{rid}/{ZH_TOPIC}.{lang}.html"]
        for part in (name, "TLP:AMBER", row["brief_sha256"][:12], row["date"]):
            assert part in lines[0], part
        assert not root.xpath("//script") and not root.xpath("//main//p[@class='marking-line']")
        margins = root.get_element_by_id("page-margins").text
        assert "@bottom-center" in margins and "</" not in margins
    # The PDF copy of the same recipient carries the same marking line.
    pdf_line = ws(page(html_copies / "eli" / f"{ZH_TOPIC}.en.html").xpath("//p[@class='marking-line']")[0].text_content())
    assert "Example Holdings <R&D>" in pdf_line and pdf_line.split(" · ")[0] in ws(pdftotext(html_copies / "eli" / f"{ZH_TOPIC}.en.pdf"))


def test_distribute_html_copy_prints_the_marking_on_every_page(html_copies, tmp_path):
    import shutil
    import subprocess

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium is not installed")
    pdf = tmp_path / "printed.pdf"
    subprocess.run([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}",
                    (html_copies / "fan" / f"{ZH_TOPIC}.zh.html").as_uri()], capture_output=True, timeout=120, check=False)
    pages = [p for p in pdftotext(pdf).split("\f") if p.strip()]
    assert len(pages) > 1
    for n, text in enumerate(pages, 1):
        assert text.count("TLP:AMBER") >= 2 and "范明" in text, n  # (top and bottom, and the recipient)


def test_stakeholder_list_refuses_encrypting_html_copies(run_brief, project_root, tmp_path):
    stakeholders = tmp_path / "stakeholders.yaml"
    stakeholders.write_text(HTML_LIST.replace("{topic}", ZH_TOPIC).replace("    name: 范明\n", "    name: 范明\n    encrypt: true\n"),
                            encoding="utf-8")
    r = run_brief("--project", project_root, "distribute", "--list", stakeholders, "--topic", ZH_TOPIC,
                  "--tlp", "TLP:AMBER", "--out", tmp_path / "out")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "encrypt: true cannot apply to html copies" in r.stderr, r.stderr
