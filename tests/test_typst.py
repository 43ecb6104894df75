"""The Typst PDF engine (`--pdf-engine typst`, `pdf_engine: typst` in brief.yaml): tagged PDF/UA-1
checked by an independent checker (outloud), fonts, Chinese extraction, tags, furniture, parity
with the DOCX and the reportlab PDF, injection, reproducibility, clean errors, distribution."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from conftest import BUILD_EPOCH, CONTESTED_TOPIC, LANGS, TEMPLATES, ZH_TOPIC
from helpers import (
    FIXTURE_PROJECT,
    FIXTURES,
    ROOT,
    cite_numbers,
    copy_project,
    copy_repo_project,
    flex_pattern,
    is_heading_style,
    load_yaml,
    pdftotext,
    replace_once,
    split_sections,
    ws,
)

outloud = pytest.importorskip("outloud")
pikepdf = pytest.importorskip("pikepdf")

TOPICS = sorted(p.stem for p in (FIXTURE_PROJECT / "briefs").glob("*.yaml") if not p.name.startswith("stakeholders"))
ENV = {"SOURCE_DATE_EPOCH": BUILD_EPOCH}


def use_typst(project):
    """Make Typst the project's PDF engine (brief.yaml's `pdf_engine:`)."""
    with open(project / "brief.yaml", "a", encoding="utf-8") as fh:
        fh.write("pdf_engine: typst\n")
    return project


@pytest.fixture(scope="module")
def typst_project(tmp_path_factory):
    return use_typst(copy_project(tmp_path_factory.mktemp("typst") / "project"))


@pytest.fixture(scope="module")
def typst_built(run_brief, typst_project, tmp_path_factory):
    """Every fixture topic, both languages, every template, from the Typst engine (set in brief.yaml):
    out/<template>/<topic>.<lang>.pdf; the `brief` template with its DOCX too."""
    out = tmp_path_factory.mktemp("typst-out")
    for template in TEMPLATES:
        for lang in LANGS:
            fmt = "docx,pdf" if template == "brief" else "pdf"
            r = run_brief("--project", typst_project, "generate", "--all", "--lang", lang, "--template", template,
                          "--format", fmt, "--out", out / template, env=ENV)
            assert r.returncode == 0, r.stderr
    return out


ALL = [(t, topic, lang) for t in TEMPLATES for topic in TOPICS for lang in LANGS]


def pdf_of(out, template, topic, lang):
    return out / template / f"{topic}.{lang}.pdf"


def check_pdfua(path) -> None:
    result = outloud.check(str(path))
    assert result.error is None, result.error
    errors = [f"{f.rule}: {f.message} ({f.evidence})" for f in result.findings if f.severity == "error"]
    assert result.errors == 0, errors
    assert result.stats.get("tagged")


def pdfinfo(path) -> dict[str, str]:
    r = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return {k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in r.stdout.splitlines())}


def struct_elements(path):
    """(type, attributes dict) of every structure element, in document order."""
    out = []
    with pikepdf.open(path) as pdf:
        def walk(e):
            if isinstance(e, pikepdf.Dictionary) and "/S" in e:
                out.append((str(e.S), {k: e[k] for k in ("/Lang", "/Alt", "/A") if k in e}, e))
                k = e.get("/K")
                for c in (k if isinstance(k, pikepdf.Array) else [k] if k is not None else []):
                    walk(c)
        root = pdf.Root.StructTreeRoot.K
        for c in (root if isinstance(root, pikepdf.Array) else [root]):
            walk(c)
        return [(s, {k: str(v) if k != "/A" else repr(v) for k, v in a.items()}) for s, a, _ in out]


def outline(path) -> list[str]:
    with pikepdf.open(path) as pdf, pdf.open_outline() as o:
        out = []

        def walk(items):
            for it in items:
                out.append(it.title)
                walk(it.children)
        walk(o.root)
        return out


# ---- PDF/UA and the basics of every file ----------------------------------------------------


@pytest.mark.parametrize("template,topic,lang", ALL, ids=[f"{t}.{p}.{lang}" for t, p, lang in ALL])
def test_every_typst_pdf_is_pdfua_with_no_checker_error(typst_built, template, topic, lang):
    path = pdf_of(typst_built, template, topic, lang)
    check_pdfua(path)
    info = pdfinfo(path)
    assert info["Tagged"] == "yes"
    assert info["Page size"].endswith("(A4)")


@pytest.mark.parametrize("template,topic,lang", ALL, ids=[f"{t}.{p}.{lang}" for t, p, lang in ALL])
def test_typst_fonts_are_the_style_datas_embedded_subsets(typst_built, template, topic, lang):
    r = subprocess.run(["pdffonts", str(pdf_of(typst_built, template, topic, lang))], capture_output=True, text=True)
    rows = [ln.split() for ln in r.stdout.splitlines()[2:]]
    assert rows
    names = [row[0].split("+", 1)[-1] for row in rows]
    assert all("yes" == row[-5] and "yes" == row[-4] for row in rows), r.stdout  # emb, sub
    style = load_yaml(ROOT / "templates" / "styles" / "pdf.yaml")["fonts"]
    latin = style["latin"]["regular"].rsplit(".", 1)[0].replace("-", "")  # DejaVuSans.ttf -> DejaVuSans
    assert any(n.replace("-", "").startswith(latin) for n in names), names
    assert any(n.startswith("WenQuanYi") for n in names) or style["cjk"]["regular"] != "wqy-microhei.ttc", names


@pytest.mark.parametrize("topic", TOPICS)
def test_one_pager_is_one_page(typst_built, topic):
    for lang in LANGS:
        assert pdfinfo(pdf_of(typst_built, "one-pager", topic, lang))["Pages"] == "1"


def test_manifest_and_pdf_record_the_engine_and_provenance(typst_built, typst_project):
    manifest = json.loads((typst_built / "brief" / f"{ZH_TOPIC}.en.manifest.json").read_text(encoding="utf-8"))
    assert manifest["pdf_engine"] == "typst"
    with pikepdf.open(pdf_of(typst_built, "brief", ZH_TOPIC, "en")) as pdf:
        info = {str(k): str(v) for k, v in pdf.docinfo.items()}
    assert info["/BriefPdfEngine"] == "typst"
    assert info["/BriefTopic"] == ZH_TOPIC and info["/BriefLanguage"] == "en"
    assert info["/BriefCorpusSha256"] == manifest["provenance"]["brief.corpus_sha256"]
    title = load_yaml(typst_project / "briefs" / f"{ZH_TOPIC}.yaml")["title"]["en"]
    assert info["/Title"] == title
    assert info["/CreationDate"].startswith("D:20231114")


# ---- Chinese text ---------------------------------------------------------------------------


def exact_pattern(text: str) -> re.Pattern:
    """`text` as it stands, where pdftotext may end a line after any character (a line break in
    place of a space, or between two characters); no character, and no space, added."""
    parts = []
    for ch in text:
        parts.append(r"[ \n]" if ch == " " else re.escape(ch) + r"\n?")
    return re.compile("".join(parts))


@pytest.mark.parametrize("lang", LANGS)
def test_every_quote_shown_extracts_exactly(typst_built, corpus, lang):
    """Every finding's quote that the DOCX shows is given back by pdftotext exactly: no space
    between Chinese and Latin characters (Typst's automatic CJK-Latin gap is off)."""
    from helpers import docx_body

    checked = mixed = 0
    for topic in TOPICS:
        docx = " ".join(p.text for p in docx_body(typst_built / "brief" / f"{topic}.{lang}.docx"))
        text = pdftotext(pdf_of(typst_built, "brief", topic, lang))
        for fid in corpus.cited(topic):
            quote = corpus.findings[fid]["quote"]
            if quote in docx:
                assert exact_pattern(quote).search(text), (topic, fid, quote)
                checked += 1
                mixed += bool(re.search(r"[\u4e00-\u9fff][A-Za-z0-9]|[A-Za-z0-9][\u4e00-\u9fff]", quote))
    assert checked and mixed


def test_chinese_title_extracts(typst_built, corpus):
    text = pdftotext(pdf_of(typst_built, "brief", ZH_TOPIC, "zh"))
    assert exact_pattern(corpus.topics[ZH_TOPIC]["title"]["zh"]).search(text)


# ---- tags -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_headings_are_tagged_in_order_and_match_the_bookmarks(typst_built, lang):
    path = pdf_of(typst_built, "brief", ZH_TOPIC, lang)
    elems = struct_elements(path)
    levels = [int(s[2]) for s, _ in elems if re.fullmatch(r"/H[1-6]", s)]
    assert levels[0] == 1 and set(levels) <= {1, 2, 3} and 2 in levels and 3 in levels
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:]))  # never skips a level going down
    assert len(levels) == len(outline(path))
    kinds = {s for s, _ in elems}
    assert {"/P", "/L", "/LI", "/Lbl", "/LBody", "/BlockQuote", "/TOC", "/TOCI", "/Link"} <= kinds


def test_tables_have_header_cells_with_scope(typst_built):
    found = False
    for topic in TOPICS:
        for template in TEMPLATES:
            elems = struct_elements(pdf_of(typst_built, template, topic, "en"))
            ths = [a for s, a in elems if s == "/TH"]
            if any(s == "/Table" for s, _ in elems):
                found = True
                assert ths and all("/Scope" in a.get("/A", "") for a in ths)
    assert found, "expected a table in some fixture brief"


def test_charts_are_figures_with_alt_text_from_their_data(typst_built, corpus):
    spec = load_yaml(FIXTURE_PROJECT / "briefs" / f"{CONTESTED_TOPIC}.yaml")["charts"]
    for lang in LANGS:
        path = pdf_of(typst_built, "brief", CONTESTED_TOPIC, lang)
        alts = [a["/Alt"] for s, a in struct_elements(path) if s == "/Figure"]
        assert len(alts) == len(spec)
        for chart, alt in zip(spec, alts):
            title = chart["title"][lang]
            colon, comma = ("：", "，") if lang == "zh" else (": ", ", ")
            assert alt.startswith(title), alt
            rest = alt[len(title):]
            if rest.lstrip().startswith(("(", "（", comma)):  # the unit, after the title
                rest = rest[rest.index(colon):]
            assert rest.startswith(colon), alt
            figures = {(fig["entity"][lang] if isinstance(fig["entity"], dict) else fig["entity"], float(fig["value"]))
                       for fid in chart["findings"] for fig in corpus.findings[fid].get("figures") or []}
            pairs = [item.rsplit(" ", 1) for item in rest[len(colon):].split(comma)]
            assert pairs and all((label, float(v.replace(",", ""))) in figures for label, v in pairs), (alt, figures)
        r = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True)
        assert len(r.stdout.splitlines()) <= 2, "charts are vector graphics, not images"


def marked_langs(path) -> set[str]:
    langs = set()
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for operands, op in pikepdf.parse_content_stream(page):
                if op == pikepdf.Operator("BDC") and isinstance(operands[1], pikepdf.Dictionary) and "/Lang" in operands[1]:
                    langs.add(str(operands[1].Lang))
        root_lang = str(pdf.Root.get("/Lang"))
    return langs | {f"root:{root_lang}"}


def test_chinese_in_an_english_brief_is_tagged_zh(typst_built):
    en = marked_langs(pdf_of(typst_built, "brief", ZH_TOPIC, "en"))
    zh = marked_langs(pdf_of(typst_built, "brief", ZH_TOPIC, "zh"))
    assert "root:en" in en and any(x.startswith("zh") for x in en)
    assert any(x.startswith("root:zh") for x in zh)


def page_texts(path) -> list[str]:
    return pdftotext(path).split("\f")[:-1]


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_has_marking_and_page_x_of_y_as_artifacts(typst_built, corpus, lang):
    path = pdf_of(typst_built, "brief", ZH_TOPIC, lang)
    tlp = corpus.topics[ZH_TOPIC]["tlp"]
    from helpers import strings as ui

    page_of = ui(lang)["page_of"]
    pages = page_texts(path)
    assert len(pages) > 1
    for i, text in enumerate(pages, 1):
        assert text.count(tlp) >= 2, i
        assert ws(page_of.format(page=i, pages=len(pages))) in ws(text), i
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            data = b"".join(c.read_bytes() for c in (page.Contents if isinstance(page.Contents, pikepdf.Array)
                                                       else [page.Contents]))
            assert b"/Subtype/Header" in data and b"/Subtype/Footer" in data
    # and the marking is not in the tagged content (it is furniture)
    assert all(tlp not in a.get("/Alt", "") for _, a in struct_elements(path))


def test_links_are_live_and_citations_lead_to_their_reference(typst_built):
    path = pdf_of(typst_built, "brief", ZH_TOPIC, "en")
    with pikepdf.open(path) as pdf:
        annots = [a for p in pdf.pages for a in p.get("/Annots", [])]
        uris = [str(a.A.URI) for a in annots if "/A" in a and "/URI" in a.A]
        internal = [a for a in annots if "/Dest" in a]
        assert uris and all(u.startswith(("http://", "https://", "mailto:")) for u in uris)
        assert internal and all("/Contents" in a for a in annots)


# ---- parity: DOCX, reportlab PDF, Typst PDF --------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic", TOPICS)
def test_parity_of_the_three_writers(typst_built, generated, topic, lang):
    """The same headings (bookmarks), citation numbers and reference entries in the DOCX, the
    reportlab PDF and the Typst PDF of one brief."""
    from helpers import docx_body, pdf_body_text

    docx = docx_body(generated.path(topic, lang, "docx"))
    typst_pdf = pdf_of(typst_built, "brief", topic, lang)
    headings = [ws(p.text) for p in docx if p.table is None and is_heading_style(p.style)]
    assert headings
    assert [ws(t) for t in outline(generated.path(topic, lang, "pdf"))] == headings
    assert [ws(t) for t in outline(typst_pdf)] == headings
    # citation numbers: as often in each PDF as in the DOCX body (side-by-side cells may read in
    # another order), up to the Source notes, whose entries start with their own numbers
    _, notes, refs = split_sections(docx, lang)
    body_paras = [p.text for p in docx if not p.text.startswith("[")]
    docx_cites = sorted(n for t in body_paras for n in cite_numbers(t))
    typst_text = pdf_body_text(typst_pdf)
    rl_text = pdf_body_text(generated.path(topic, lang, "pdf"))
    assert docx_cites
    for text in (typst_text, rl_text):
        first_note = flex_pattern(notes[0]).search(text)
        assert first_note, notes[0]
        assert sorted(cite_numbers(text[: first_note.start()])) == docx_cites
    for text in (typst_text, rl_text):
        pos = 0
        for entry in notes + refs:
            m = flex_pattern(entry).search(text, pos)
            assert m, entry
            pos = m.end()


# ---- reproducibility ------------------------------------------------------------------------


def test_rebuild_is_byte_identical(run_brief, typst_project, typst_built, tmp_path):
    r = run_brief("--project", typst_project, "generate", "--topic", CONTESTED_TOPIC, "--lang", "zh", "--format", "pdf",
                  "--out", tmp_path, env=ENV)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / f"{CONTESTED_TOPIC}.zh.pdf").read_bytes() == \
        pdf_of(typst_built, "brief", CONTESTED_TOPIC, "zh").read_bytes()


# ---- injection ------------------------------------------------------------------------------

TYPST_PAYLOAD = ('#sys.exit() #read("/etc/passwd") ```raw``` $x^y$ <lbl> @ref *b* _i_ `code` \\ " ] [ '
                 '// comment /* block */ = heading - item + item ~ #"str" #{a+b} #[content]')


@pytest.fixture(scope="module")
def injected(run_brief, tmp_path_factory):
    from test_output import PROBE_QUOTE, TITLE_SUFFIX, make_injection_project

    project = use_typst(make_injection_project(tmp_path_factory.mktemp("inj") / "project", TYPST_PAYLOAD))
    out = tmp_path_factory.mktemp("inj-out")
    r = run_brief("--project", project, "generate", "--topic", ZH_TOPIC, "--format", "pdf", "--out", out)
    assert r.returncode == 0, r.stderr
    return {"pdf": out / f"{ZH_TOPIC}.en.pdf", "quote": PROBE_QUOTE, "suffix": TITLE_SUFFIX, "project": project}


def test_injection_typst_pdf_shows_data_literally(injected, corpus):
    text = pdftotext(injected["pdf"])
    for needle in (TYPST_PAYLOAD, injected["quote"], corpus.topics[ZH_TOPIC]["title"]["en"] + injected["suffix"]):
        assert flex_pattern(needle).search(text), needle
    assert "root:" not in text


def test_injection_adds_no_heading_link_or_file(injected, typst_built):
    assert len(outline(injected["pdf"])) == len(outline(pdf_of(typst_built, "brief", ZH_TOPIC, "en")))
    with pikepdf.open(injected["pdf"]) as pdf:
        uris = [str(a.A.URI) for p in pdf.pages for a in p.get("/Annots", []) if "/A" in a and "/URI" in a.A]
    assert all(u.startswith(("http://", "https://", "mailto:")) for u in uris)
    data = injected["pdf"].read_bytes()
    assert b"/JavaScript" not in data and b"root:x:0:0" not in data
    check_pdfua(injected["pdf"])


# ---- clean errors ---------------------------------------------------------------------------


def test_unknown_engine_names_the_choices(run_brief, project_root, tmp_path):
    r = run_brief("--project", project_root, "generate", "--topic", ZH_TOPIC, "--pdf-engine", "latex",
                  "--out", tmp_path / "out")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "unknown PDF engine 'latex'" in r.stderr and "reportlab, typst" in r.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_engine_in_brief_yaml_is_an_error_at_its_line(run_brief, sample_project, tmp_path):
    with open(sample_project / "brief.yaml", "a", encoding="utf-8") as fh:
        fh.write("pdf_engine: latex\n")
    r = run_brief("--project", sample_project, "generate", "--topic", ZH_TOPIC, "--out", tmp_path / "out")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "brief.yaml:" in r.stderr and "pdf_engine" in r.stderr, r.stderr


def test_a_typst_error_in_the_style_file_names_its_line(run_brief, sample_project, tmp_path):
    style = sample_project / "templates" / "styles" / "pdf.typ"
    replace_once(style, "#let F(body) = block(breakable: false, width: 100%, body)",
                 "#let F(body) = block(breakable: false, width: 100%, no-such-function(body))")
    from helpers import line_containing

    line = line_containing(style, "no-such-function")
    r = run_brief("--project", sample_project, "generate", "--topic", ZH_TOPIC, "--format", "pdf",
                  "--pdf-engine", "typst", "--out", tmp_path / "out")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"templates/styles/pdf.typ:{line}:" in r.stderr and "no-such-function" in r.stderr, r.stderr
    assert not (tmp_path / "out").exists()


def test_a_missing_style_file_is_a_clear_error(run_brief, sample_project, tmp_path):
    (sample_project / "templates" / "styles" / "pdf.typ").unlink()
    r = run_brief("--project", sample_project, "generate", "--topic", ZH_TOPIC, "--pdf-engine", "typst",
                  "--out", tmp_path / "out")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "templates/styles/pdf.typ" in r.stderr and "not found" in r.stderr


# ---- distribution keeps the tags ------------------------------------------------------------


@pytest.fixture(scope="module")
def distributed(typst_project, tmp_path_factory):
    import sys

    out = tmp_path_factory.mktemp("dist") / "out"
    r = subprocess.run([sys.executable, "-m", "brief", "--project", str(typst_project), "distribute", "--list",
                        str(FIXTURES / "distribute_stakeholders.yaml"), "--topic", ZH_TOPIC, "--tlp", "TLP:AMBER",
                        "--out", str(out)], capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert r.returncode == 0, r.stderr
    return out


def test_stamped_copy_passes_pdfua(distributed):
    """bo's copy: stamped with the recipient's marking, not encrypted."""
    check_pdfua(distributed / "bo" / f"{ZH_TOPIC}.zh.pdf")


def test_encrypted_copy_passes_pdfua_and_allows_assistive_technology(distributed, tmp_path):
    """ana's copy: stamped and encrypted; it allows text extraction for accessibility, and once
    opened with its password its content passes the checker."""
    import csv

    with open(distributed / "passwords.csv", newline="", encoding="utf-8") as fh:
        pw = {r["recipient"]: r["password"] for r in csv.DictReader(fh)}["ana"]
    path = distributed / "ana" / f"{ZH_TOPIC}.en.pdf"
    with pikepdf.open(path, password=pw) as pdf:
        assert pdf.is_encrypted and pdf.allow.accessibility
        pdf.save(tmp_path / "opened.pdf")
    check_pdfua(tmp_path / "opened.pdf")


# ---- the shipped corpus ---------------------------------------------------------------------


@pytest.mark.corpus
def test_shipped_briefs_from_typst_pass_pdfua(run_brief, shipped, tmp_path):
    project = use_typst(copy_repo_project(tmp_path / "repo"))
    for lang in LANGS:
        r = run_brief("--project", project, "generate", "--all", "--lang", lang, "--format", "pdf",
                      "--out", tmp_path / "out", env=ENV)
        assert r.returncode == 0, r.stderr
    for topic in shipped.topics:
        for lang in LANGS:
            path = tmp_path / "out" / f"{topic}.{lang}.pdf"
            check_pdfua(path)
            assert exact_pattern(shipped.topics[topic]["title"][lang]).search(pdftotext(path))


def test_check_reports_a_broken_typst_style_file_at_its_line(run_brief, tmp_path):
    """`brief check` accepts what `generate --pdf-engine typst` can build: a broken style file is a
    problem at its line, for a reportlab project too (the engine can still be asked for)."""
    for engine in ("reportlab", "typst"):
        project = copy_project(tmp_path / engine)
        if engine == "typst":
            use_typst(project)
        style = project / "templates" / "styles" / "pdf.typ"
        lines = style.read_text(encoding="utf-8").count("\n")
        style.write_text(style.read_text(encoding="utf-8") + "#let broken = (\n", encoding="utf-8")
        r = run_brief("--project", project, "check")
        assert r.returncode == 1, r.stdout
        assert re.search(rf"templates/styles/pdf\.typ:{lines + 1}: Typst: ", r.stdout), r.stdout
        r = run_brief("--project", project, "generate", "--topic", CONTESTED_TOPIC, "--format", "pdf",
                      "--pdf-engine", "typst", "--out", tmp_path / "out")
        assert r.returncode == 1 and f"templates/styles/pdf.typ:{lines + 1}: Typst: " in r.stderr, r.stderr


def test_a_block_kept_with_the_previous_one_never_starts_a_page_alone(tmp_path):
    """pdf.yaml's `keep_with_previous` (the "N more findings" line of `finding-meta`) holds for
    the Typst engine too: wherever the page break falls, the line is not the first of a page.
    One-line paragraphs, then a line in another role's spacing, move the page break a little at
    a time across the kept line."""
    from brief import model as m
    from brief.writers import get_writer, options_for
    from brief.writers.styles import pdf_style

    roles = pdf_style(ROOT).roles
    kept = [r for r, look in roles.items() if look.keep_with_previous]
    others = [r for r, look in roles.items() if look.para and not look.keep_with_previous and not look.layout][:3]
    assert kept and others, "pdf.yaml keeps some role with the block before it"
    write = get_writer("pdf", "typst")
    options = options_for("pdf", ROOT, "en", pdf_engine="typst")
    meta = m.Meta(title="Keeping", subtitle="", lang="en", tlp="TLP:CLEAR", topic="keeping", date="2026-01-01")
    later = 0
    for n in range(40, 56):
        for role in (None, *others):
            blocks = tuple(m.Para((m.Str(f"Paragraph {i}, one line."),)) for i in range(n))
            if role:
                blocks += (m.Div(role, (m.Para((m.Str("A line in another spacing."),)),)),)
            blocks += (m.Div(kept[0], (m.Para((m.Str("KEPT-LINE: three more findings"),)),
                                       m.BulletList(((m.Para((m.Str("one more"),)),),)))),)
            path = tmp_path / "kept.pdf"
            path.write_bytes(write(m.Document(meta, blocks), options))
            pages = pdftotext(path).split("\f")
            at = next(i for i, page in enumerate(pages) if "KEPT-LINE" in page)
            body = [x for x in pages[at].splitlines() if x.strip() and "TLP:" not in x and x.strip() != "Keeping"]
            later += at > 0
            assert at == 0 or not body[0].startswith("KEPT-LINE"), (n, role, body[:3])
    assert later, "some layout put the kept line on a later page"
