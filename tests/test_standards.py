"""Analytic standards: CSL references, source reliability and information credibility, ICD 203
wording, contradictions, derivative reporting, missing claim languages, and the zh/en briefs.

All on the fixture project (tests/fixtures/project). Expected values are computed from its YAML
files (helpers.Corpus), never through brief's own code, except in the unit tests of brief.cite.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import CONTESTED_TOPIC, LONG_TITLE_TOPIC, ZH_TOPIC
from helpers import (
    FIXTURE_PROJECT,
    ROOT,
    cite,
    cite_numbers,
    grade_text,
    grade_re,
    Corpus,
    add_source,
    brief_files,
    docx_body,
    docx_tables,
    files_under,
    is_heading_style,
    line_containing,
    load_yaml,
    pdf_body_text,
    pdf_count,
    pdf_count_across_pages,
    pdf_outline,
    replace_once,
    section,
    shown_in_full,
    quote_label,
    summary,
    ws,
)

TOPICS = sorted(p.stem for p in (FIXTURE_PROJECT / "briefs").glob("*.yaml") if not p.name.startswith("stakeholders"))
BRIEFS = [(t, lang) for lang in ("en", "zh") for t in TOPICS]
BRIEF_IDS = [f"{t}.{lang}" for t, lang in BRIEFS]
CINFOSEC = "cinfosec-us-china-ai-paths"
CONVO = "convo-finance-compute-divide"
CHICAGO = "chicago-notes-bibliography-16th-edition.csl"
BUILD_DATE = {"en": "14 November 2023", "zh": "2023年11月14日"}  # conftest.BUILD_EPOCH


def strings(lang: str) -> dict:
    return load_yaml(ROOT / "templates" / "strings" / f"{lang}.yaml")


def date_text(value: str, lang: str) -> str:
    """A full ISO date as the brief writes it (templates/strings/<lang>.yaml date_format)."""
    t = strings(lang)
    y, m, d = (int(x) for x in value.split("-"))
    return t["date_format"].format(year=y, month=m, day=d, month_name=t["month_names"][m - 1])


def clean_failure(r, *phrases, where: str | None = None, out: Path | None = None) -> list[str]:
    """Exit 1, no traceback, one reported line with `where` and every phrase, nothing in `out`.
    Returns the reported lines."""
    text = r.stdout + r.stderr
    assert r.returncode == 1, text
    assert "Traceback" not in text, text
    lines = [ln for ln in text.splitlines() if where is None or where in ln]
    assert lines, f"no line mentions {where!r}:\n{text}"
    assert any(all(p in ln for p in phrases) for ln in lines), f"no line at {where!r} says {phrases!r}:\n{text}"
    if out is not None:
        assert files_under(out) == [], files_under(out)
    return lines


def set_line(path: Path, n: int, new: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[n - 1] = new
    path.write_text("\n".join(lines), encoding="utf-8")


def insert_after(path: Path, n: int, new: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(n, new)
    path.write_text("\n".join(lines), encoding="utf-8")


def findings_file(project: Path, sid: str) -> Path:
    return project / "seeds" / sid / "findings.yaml"


def shown(project: Path, path: Path) -> str:
    return path.relative_to(project).as_posix()


def claim_line(path: Path, fid: str, lang: str) -> int:
    start = line_containing(path, f"id: {fid}")
    return line_containing(path, f" {lang}:", line_containing(path, "claim:", start))


def check(run_brief, project: Path):
    return run_brief("--project", project, "check")


# ---- the generated briefs, split into sections ------------------------------------------------


class Brief:
    """One generated DOCX read in body order (table cells included), with its sections."""

    def __init__(self, path: Path, lang: str):
        self.paragraphs = docx_body(path)
        self.lang = lang
        t = strings(lang)
        heads = [i for i, p in enumerate(self.paragraphs) if p.table is None and is_heading_style(p.style)]

        def entries(title):
            at = next(i for i in heads if self.paragraphs[i].text == title)
            nxt = next((i for i in heads if i > at), len(self.paragraphs))
            return [p.text for p in self.paragraphs[at + 1:nxt] if p.text.strip()]

        self.notes = entries(t["source_notes"])
        self.refs = entries(t["references"])

    def numbered(self, entries) -> dict[int, str]:
        """{n: entry text after "[n] "}."""
        out = {}
        for e in entries:
            m = re.match(r"\[(\d+)\] (.*)", e, re.S)
            assert m, e
            out[int(m.group(1))] = m.group(2)
        return out

    def number_of(self, corpus: Corpus) -> dict[str, int]:
        """Source id -> reference number, found by the source's title."""
        out = {}
        for n, text in self.numbered(self.refs).items():
            hits = [sid for sid, s in corpus.sources.items()
                    if s["title"] in text or s["title_en"].casefold() in text.casefold()]
            assert len(hits) == 1, (text, hits)
            out[hits[0]] = n
        return out

    def section(self, title: str) -> tuple[int, int]:
        """(index of the heading `title`, index of the next heading of any level)."""
        heads = [i for i, p in enumerate(self.paragraphs) if p.table is None and is_heading_style(p.style)]
        at = [i for i in heads if self.paragraphs[i].text == title]
        assert len(at) == 1, (title, at)
        return at[0], next((i for i in heads if i > at[0]), len(self.paragraphs))

    def has_section(self, title: str) -> bool:
        return any(p.table is None and is_heading_style(p.style) and p.text == title for p in self.paragraphs)

    def shown(self, corpus: Corpus, topic: str) -> dict[str, list[int]]:
        """Findings (selected, or other sides of contested pairs) shown in full, and where."""
        fids = corpus.selected(topic) + corpus.partners(topic)
        return shown_in_full(self.paragraphs, {f: summary(corpus.findings[f]["claim"][self.lang], self.lang) for f in fids},
                             self.lang)

    def reference(self, corpus: Corpus, sid: str) -> str:
        return self.numbered(self.refs)[self.number_of(corpus)[sid]]

    def note(self, corpus: Corpus, sid: str) -> str:
        return self.numbered(self.notes)[self.number_of(corpus)[sid]]


@pytest.fixture(scope="module")
def brief(generated):
    cache: dict = {}

    def get(topic: str, lang: str) -> Brief:
        if (topic, lang) not in cache:
            cache[topic, lang] = Brief(generated.path(topic, lang, "docx"), lang)
        return cache[topic, lang]

    return get


# ---- 1-3. references: Chicago and GB/T 7714, relayed sources, grades and source notes ---------


@pytest.mark.parametrize("topic", TOPICS)
def test_en_references_use_chicago_forms(brief, corpus, topic):
    b = brief(topic, "en")
    assert set(b.number_of(corpus)) == corpus.cited_sources(topic)
    for sid in corpus.cited_sources(topic):
        s, entry = corpus.sources[sid], b.reference(corpus, sid)
        if s["title_supplied"]:
            title = s["title_en"]
        elif s["language"] != "en":
            title = f"{s['title']} [{s['title_en']}]"
        else:
            title = s["title"]
        # Titles in curly quotes; a title in another language, then the English one (title-cased by the style).
        assert f"“{title}”".casefold() in entry.casefold(), entry
        assert ("n.d." in entry) == (s["published"] is None), entry
        if s["accessed"]:
            assert f"Accessed {date_text(s['accessed'], 'en')}." in entry, entry
        else:
            assert "Access date not recorded." in entry, entry
        assert "[EB/OL]" not in entry


@pytest.mark.parametrize("topic", TOPICS)
def test_zh_references_use_gb_t_7714_forms(brief, corpus, topic):
    b = brief(topic, "zh")
    assert set(b.number_of(corpus)) == corpus.cited_sources(topic)
    for sid in corpus.cited_sources(topic):
        s, entry = corpus.sources[sid], b.reference(corpus, sid)
        assert f"{s['title']}[EB/OL]. " in entry, entry
        if s["published"] and s["accessed"]:
            assert f"({s['published']})[{s['accessed']}]" in entry, entry
        elif s["published"]:
            assert f"({s['published']})[引用日期不详]" in entry, entry
        elif s["accessed"]:
            assert f"(出版日期不详)[{s['accessed']}]" in entry, entry
        else:
            # unknown dates are said in their GB/T slots, never left out or invented
            assert "(出版日期不详)[引用日期不详]" in entry, entry
        assert "n.d." not in entry and "Accessed" not in entry


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_cinfosec_reference_in_full(brief, corpus, lang):
    """The entry names the article itself (its author stays one literal name, never split into
    family and given names), dates and URL in the form of the style, and the source the article
    relays in a note at its end."""
    s = corpus.sources[CINFOSEC]
    entry = brief(CONTESTED_TOPIC, lang).reference(corpus, CINFOSEC)
    primary = s["primary_source"]["name"][lang]
    if lang == "en":
        assert entry.startswith(f"崔传刚. “{s['title']} [")
        assert "9 November 2024" in entry and "Accessed 6 October 2025." in entry
        assert entry.endswith(f" Primary source: {primary}. [C]")
    else:
        assert entry.startswith(f"崔传刚. {s['title']}[EB/OL]. {s['publisher']}, (2024-11-09)[2025-10-06]. ")
        assert entry.endswith(f" 原始来源：{primary}。[C]")
    assert s["url"] in entry
    assert "崔, 传刚" not in entry and "传刚 崔" not in entry and "传刚, 崔" not in entry


def relayed_note(lang: str, primary: str) -> str:
    """The note a relayed source's reference ends with, from relayed_format (without the entry)."""
    return strings(lang)["relayed_format"].format(reference="", primary=primary).strip()


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_relayed_sources_name_the_article_and_note_their_primary_source(brief, corpus, topic, lang):
    """A reference is the article the quotes stand in; the study or report it relays is named in
    a note after it, never in the author's place."""
    b = brief(topic, lang)
    relayed = {sid for sid in corpus.cited_sources(topic) if corpus.sources[sid]["primary_source"]}
    assert {CINFOSEC, CONVO} <= relayed
    lead = relayed_note(lang, "X").split("X")[0]
    for sid in corpus.cited_sources(topic):
        entry = b.reference(corpus, sid)
        s = corpus.sources[sid]
        title = s["title_en"] if s["title_supplied"] and lang == "en" else s["title"]
        if s["primary_source"]:
            name = s["primary_source"]["name"][lang]
            assert not entry.startswith(name), entry
            assert entry.index(title) < entry.index(relayed_note(lang, name)), entry
            assert entry.count(name) == 1, entry
        else:
            assert lead not in entry, entry


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_every_cited_source_shows_its_grade_and_source_note(brief, corpus, topic, lang):
    b = brief(topic, lang)
    t = strings(lang)
    assert len(b.notes) == len(b.refs)
    assert sorted(b.numbered(b.notes)) == sorted(b.numbered(b.refs))
    for sid in corpus.cited_sources(topic):
        s = corpus.sources[sid]
        grade = s["reliability"]["grade"]
        ref = b.reference(corpus, sid)  # "… 2024. [C]"; Chinese sets no space after 。: "…环球网。[C]"
        assert ref.endswith(f" [{grade}]") or (ref.endswith(f"[{grade}]") and ref[-len(grade) - 3] in "。）”")
        note = b.note(corpus, sid)
        label = t[f"reliability_{grade}"]
        lead = f"Reliability {grade} ({label}): " if lang == "en" else f"可靠性 {grade}（{label}）："
        assert note.startswith(lead), note
        assert ws(s["reliability"]["rationale"][lang]).rstrip(".。") in ws(note)


# The fixture's caveats that say again a sentence of their source's rationale: a note says it
# once, in the rationale. (source id, index in caveats)
REPEATS_RATIONALE = {("ai-import-self-reliance-blog", 0)}


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_source_notes_carry_each_sources_caveats(brief, corpus, topic, lang):
    b = brief(topic, lang)
    t = strings(lang)
    for sid in corpus.cited_sources(topic):
        s = corpus.sources[sid]
        note = ws(b.note(corpus, sid))
        caveats = [c[lang] for c in s.get("caveats") or []]
        expected = [c for i, c in enumerate(caveats) if (sid, i) not in REPEATS_RATIONALE]
        if expected:
            assert ("Caveats:" if lang == "en" else "注意事项：") in note
        for caveat in expected:
            # The first letter is capitalised and a full stop closes each caveat.
            assert ws(caveat)[1:].rstrip(".。") in note, (sid, caveat)
        for i, caveat in enumerate(caveats):
            if (sid, i) in REPEATS_RATIONALE:
                assert ws(caveat)[1:].rstrip(".。") not in note, (sid, caveat)
        # Every fixture rationale already says whether its source is relayed, undated or
        # anonymous, so the automatic caveats that would say it again are left out.
        for auto in ("caveat_undated", "caveat_anonymous"):
            said = t[auto][:1].upper() + t[auto][1:]
            assert f"{said}." not in note and f"{said}。" not in note, (sid, note)
        for key in ("caveat_relayed", "caveat_relayed_unnamed"):
            assert t[key].split("{")[0].strip()[1:] not in note, (sid, note)


def test_source_notes_stand_before_references(generated, corpus):
    for lang in ("en", "zh"):
        t = strings(lang)
        titles = [title for _, title in pdf_outline(generated.path(CONTESTED_TOPIC, lang, "pdf"))]
        assert titles[-2:] == [t["source_notes"], t["references"]]


# ---- findings: grades, key findings, sections, quotes, figures ------------------------------------

SECTIONS = {"facts": ("fact", "figure"), "judgments": ("judgment",), "recommendations": ("recommendation",)}


def grade_of(corpus: Corpus, fid: str) -> str:
    """Source reliability and information credibility, e.g. 'C3'."""
    return f"{corpus.grade(corpus.finding_source[fid])}{corpus.findings[fid]['credibility']}"


def key_ids(corpus: Corpus, topic: str) -> list[str]:
    ids = corpus.topics[topic].get("key_findings")
    assert ids, "the fixture's topics name their key findings"
    return ids


def more_line(fmt) -> re.Pattern:
    """An 'N more findings ...' line, from its UI string (one text, or its plural forms)."""
    forms = fmt.values() if isinstance(fmt, dict) else [fmt]
    return re.compile("|".join(re.escape(f).replace(re.escape("{n}"), r"\d+") for f in forms))


def counted(fmt, n: int) -> str:
    """A counted UI string for `n`: its `one` form for 1, else `other` (English and Chinese)."""
    if isinstance(fmt, str):
        return fmt.format(n=n)
    return fmt["one" if n == 1 and "one" in fmt else "other"].format(n=n)


def listed_after(b: "Brief", at: int) -> list[str]:
    """The texts of the list items right after paragraph `at` (an 'N more ...' line)."""
    bullet = load_yaml(ROOT / "templates" / "styles" / "docx.yaml")["bullet"]
    out = []
    for p in b.paragraphs[at + 1:]:
        if p.style != bullet:
            break
        out.append(p.text)
    return out


def opens_claim(item: str, claim: str) -> bool:
    """Whether a list item names a finding by the opening words of its claim (or all of it)."""
    opening = re.split(r"…|\s?\[\d", item)[0].strip()
    return len(opening) >= 8 and ws(claim).startswith(ws(opening))


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_each_finding_shown_in_full_ends_with_its_grade(brief, corpus, topic, lang):
    """'<claim> [n] · Grade C3': the source's reliability and the finding's credibility."""
    b = brief(topic, lang)
    numbers = b.number_of(corpus)
    shown = b.shown(corpus, topic)
    assert shown
    bullet = load_yaml(ROOT / "templates" / "styles" / "docx.yaml")["bullet"]
    for fid, where in shown.items():
        # no space before the citation after full-width punctuation (。[1])
        line = (re.escape(ws(summary(corpus.findings[fid]['claim'][lang], lang))) + r" ?" +
                re.escape(ws(cite(lang, numbers[corpus.finding_source[fid]]) + grade_text(lang, grade_of(corpus, fid)))))
        assert all(re.fullmatch(line, ws(b.paragraphs[i].text)) for i in where), (fid, [b.paragraphs[i].text for i in where])
    lines = {i for i, p in enumerate(b.paragraphs)
             if p.style != bullet and re.search(r"\]" + grade_re(lang) + "$", ws(p.text))}
    assert lines == {i for where in shown.values() for i in where}  # no finding line left unexplained


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_key_findings_are_shown_in_full_in_order(brief, corpus, topic, lang):
    b = brief(topic, lang)
    start, end = b.section(strings(lang)["key_findings"])
    shown = b.shown(corpus, topic)
    at = [[i for i in shown.get(fid, []) if start < i < end] for fid in key_ids(corpus, topic)]
    assert all(len(x) == 1 for x in at), at
    assert [x[0] for x in at] == sorted(x[0] for x in at)


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_sections_show_their_best_graded_findings_and_cite_the_rest(brief, corpus, topic, lang):
    """What we know / assess / the sources recommend: up to three findings in full, graded no worse
    than any left out, and one line counting the others, then each named by its claim's opening
    with its citation and grade, so every selected finding is in the brief."""
    b = brief(topic, lang)
    t = strings(lang)
    numbers = b.number_of(corpus)
    shown = b.shown(corpus, topic)
    key = set(key_ids(corpus, topic))
    lead = more_line(t["more_findings"])
    for name, kinds in SECTIONS.items():
        rest = [f for f in corpus.selected(topic) if corpus.findings[f]["kind"] in kinds and f not in key]
        if not rest:
            assert not b.has_section(t[name])
            continue
        start, end = b.section(t[name])
        full = [f for f in rest if any(start < i < end for i in shown.get(f, []))]
        others = [f for f in rest if f not in full]
        assert len(full) == min(3, len(rest)), (name, full)
        more = [i for i in range(start + 1, end) if lead.fullmatch(b.paragraphs[i].text)]
        if others:
            assert max(grade_of(corpus, f) for f in full) <= min(grade_of(corpus, f) for f in others)
            assert len(more) == 1 and b.paragraphs[more[0]].text == counted(t["more_findings"], len(others))
            items = listed_after(b, more[0])  # each named by its claim, with its citation and grade
            assert len(items) == len(others), items
            for f in others:
                named = [x for x in items if opens_claim(x, corpus.findings[f]["claim"][lang])]
                assert named, (f, items)
                item = named[0]
                assert cite_numbers(item) == [numbers[corpus.finding_source[f]]]
                assert ws(item).endswith(ws(grade_text(lang, grade_of(corpus, f)))), item
        else:
            assert not more


# How a quote is labelled: with the source's language when it differs from the brief's, else
# with its paragraph only. The claim above it is the analyst's summary, never a "translation".
QUOTE_LABELS = {("en", "zh"): "Original (Chinese), para. {para}: ", ("en", "en"): "Para. {para}: ",
                ("zh", "zh"): "原文（第{para}段）：", ("zh", "en"): "原文（英语，第{para}段）："}


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_quotes_are_labelled_original_with_their_language(brief, pdf_raw_text, corpus, topic, lang):
    text = pdf_raw_text(topic, lang)
    shown = brief(topic, lang).shown(corpus, topic)
    missing, languages = [], set()
    for fid in shown:
        f = corpus.findings[fid]
        language = corpus.sources[corpus.finding_source[fid]]["language"]
        languages.add(language)
        quoted = QUOTE_LABELS[lang, language].format(para=f["locator"]["para"]) + f["quote"]
        assert quote_label(lang, f["locator"]["para"], language, f["quote"]) == quoted
        if pdf_count_across_pages(text, quoted) < 1:
            missing.append(fid)
    assert shown and not missing
    assert "translation" not in text and "译文" not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_briefs_show_quotes_of_english_and_chinese_sources(brief, corpus, lang):
    """The fixture's briefs quote sources in both languages (so the test above sees every label)."""
    languages = {corpus.sources[corpus.finding_source[fid]]["language"]
                 for topic in TOPICS for fid in brief(topic, lang).shown(corpus, topic)}
    assert {"en", "zh"} <= languages


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_claims_are_labelled_as_the_analysts_summary(brief, corpus, topic, lang):
    b = brief(topic, lang)
    label = {"en": "Analyst's summary: ", "zh": "分析员摘要："}[lang]
    shown = b.shown(corpus, topic)
    assert shown
    for fid, where in shown.items():
        for i in where:
            assert b.paragraphs[i].text.startswith(label + corpus.findings[fid]["claim"][lang]), b.paragraphs[i].text


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_figures_state_their_date_or_that_none_is_stated(brief, corpus, topic, lang):
    b = brief(topic, lang)
    t = strings(lang)
    shown = b.shown(corpus, topic)
    figures = [fid for fid in shown if corpus.findings[fid]["kind"] == "figure"]
    assert figures
    for fid in figures:
        f = corpus.findings[fid]
        for i in shown[fid]:
            relayed = strings(lang)["relayed_from"].split("{")[0]
            meta = next(p.text for p in b.paragraphs[i + 1:i + 3] if not p.text.startswith(relayed))
            dated = [g for g in f["figures"] if g.get("as_of")]
            assert meta.count(t['date_not_stated']) == len(f["figures"]) - len(dated), meta
            for g in dated:  # the date as the brief's language writes it: 'as of 2023', '截至2023年'
                assert t["as_of_format"].format(date=g["as_of"]) in meta, meta


# ---- 4. citation numbers: DOCX and PDF agree (see also test_output.test_parity_*) ---------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_contested_section_cites_the_same_sources_in_docx_and_pdf(brief, pdf_raw_text, corpus, lang):
    b = brief(CONTESTED_TOPIC, lang)
    t = strings(lang)
    paragraphs = b.paragraphs
    at, _ = b.section(t["contested"])  # (the heading, not its entry in the table of contents)
    end, _ = b.section(t["source_notes"])
    docx = " ".join(p.text for p in paragraphs[at + 1:end])
    pdf = section(pdf_raw_text(CONTESTED_TOPIC, lang), t["contested"], t["source_notes"])

    def numbers(text):
        return sorted(int(n) for m in re.finditer(r"\[(\d+(?:,\s*\d+)*)\]", text) for n in re.split(r",\s*", m.group(1)))

    assert numbers(docx) and numbers(docx) == numbers(pdf)


# ---- 5. --csl and csl: ---------------------------------------------------------------------------


def test_csl_option_picks_a_style(run_brief, project_root, brief, corpus, tmp_path):
    """The Chicago style on a Chinese brief: no GB/T 7714 form, every cited source still listed."""
    out = tmp_path / "out"
    r = run_brief("--project", project_root, "generate", "--topic", ZH_TOPIC, "--lang", "zh", "--csl", CHICAGO, "--out", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in brief_files(out)) == [f"{ZH_TOPIC}.zh.docx", f"{ZH_TOPIC}.zh.pdf"]
    b = Brief(out / f"{ZH_TOPIC}.zh.docx", "zh")
    assert set(b.number_of(corpus)) == corpus.cited_sources(ZH_TOPIC)
    assert b.refs != brief(ZH_TOPIC, "zh").refs
    for sid in corpus.cited_sources(ZH_TOPIC):
        entry = b.reference(corpus, sid)
        assert "[EB/OL]" not in entry and re.search(rf"(?: |。)\[{corpus.grade(sid)}\]$", entry), entry


def test_csl_option_with_a_missing_file_fails_cleanly(run_brief, project_root, tmp_path):
    out = tmp_path / "out"
    r = run_brief("--project", project_root, "generate", "--topic", ZH_TOPIC, "--csl", "nope.csl", "--out", out)
    clean_failure(r, "nope.csl", "not found", out=out)


def test_topic_with_unknown_csl_is_reported_at_its_line(run_brief, sample_project, tmp_path):
    path = sample_project / "briefs" / f"{LONG_TITLE_TOPIC}.yaml"
    n = line_containing(path, "tlp:")
    insert_after(path, n, "csl: nope.csl")
    r = check(run_brief, sample_project)
    clean_failure(r, "nope.csl", "not found", where=f"briefs/{LONG_TITLE_TOPIC}.yaml:{n + 1}:")
    out = tmp_path / "out"
    r = run_brief("--project", sample_project, "generate", "--topic", LONG_TITLE_TOPIC, "--out", out)
    clean_failure(r, "nope.csl", where=f"briefs/{LONG_TITLE_TOPIC}.yaml:{n + 1}:", out=out)


def test_topic_csl_picks_the_style(run_brief, sample_project, corpus, tmp_path):
    path = sample_project / "briefs" / f"{ZH_TOPIC}.yaml"
    insert_after(path, line_containing(path, "tlp:"), f"csl: {CHICAGO}")
    out = tmp_path / "out"
    r = run_brief("--project", sample_project, "generate", "--topic", ZH_TOPIC, "--lang", "zh",
                  "--format", "docx", "--out", out)
    assert r.returncode == 0, r.stderr
    b = Brief(out / f"{ZH_TOPIC}.zh.docx", "zh")
    assert b.refs and not any("[EB/OL]" in e for e in b.refs)


# ---- 6. CSL-JSON ---------------------------------------------------------------------------------

VALID_ITEM = {"id": "x", "type": "webpage", "title": "A title", "issued": {"date-parts": [[2024, 11, 9]]},
              "URL": "https://example.com/a"}


@pytest.mark.parametrize("change,field", [
    ({"type": None}, "type"),
    ({"type": "book-chapter-of-nothing"}, "type"),
    ({"issued": {"date-parts": []}}, "date-parts"),
    ({"issued": {"date-parts": [[]]}}, "date-parts"),
    ({"URL": "ftp://example.com/a"}, "URL"),
    ({"URL": "javascript:alert(1)"}, "URL"),
    ({"author": [{"family": "崔", "given": "传刚"}]}, "author"),
], ids=["no-type", "bad-type", "empty-date-parts", "empty-date", "ftp-url", "js-url", "split-name"])
def test_validate_csl_rejects_bad_items_naming_the_source(change, field):
    from brief.cite import validate_csl
    from brief.errors import InputError

    item = dict(VALID_ITEM)
    for key, value in change.items():
        if value is None:
            del item[key]
        else:
            item[key] = value
    where = "seeds/some-source/source.yaml"
    with pytest.raises(InputError) as e:
        validate_csl(item, where)
    problems = e.value.problems
    assert problems and all(p.path == where for p in problems)
    assert any(field in p.message for p in problems), [p.message for p in problems]


def test_validate_csl_accepts_a_valid_item():
    from brief.cite import validate_csl

    assert validate_csl(dict(VALID_ITEM), "x") == VALID_ITEM


def _source_model(sid: str):
    from brief.corpus import yamlio
    from brief.corpus.schema import Source

    path = FIXTURE_PROJECT / "seeds" / sid / "source.yaml"
    return Source.model_validate(yamlio.load(path, str(path)))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_csl_json_passes_names_as_literals(lang):
    from brief.cite import csl_json, validate_csl
    from brief.i18n import load_strings

    item = csl_json(_source_model(CINFOSEC), lang, load_strings(ROOT, lang))
    assert item["author"] == [{"literal": "崔传刚"}]
    assert item["issued"] == {"date-parts": [[2024, 11, 9]]}
    assert item["accessed"] == {"date-parts": [[2025, 10, 6]]}
    validate_csl(item, "x")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_csl_json_of_every_source_is_valid(corpus, lang):
    from brief.cite import csl_json, validate_csl
    from brief.i18n import load_strings

    t = load_strings(ROOT, lang)
    for sid, s in corpus.sources.items():
        item = validate_csl(csl_json(_source_model(sid), lang, t), sid)
        assert ("author" in item) == bool(s["author"])
        assert ("issued" in item) == bool(s["published"]) and ("URL" in item) == bool(s["url"])


# ---- 7. grade thresholds ---------------------------------------------------------------------------

GRADED = "graded"


def make_graded_topic(project: Path, corpus: Corpus, **select) -> Corpus:
    """A topic taking ZH_TOPIC findings with a grade threshold; its analyst's sentences cite only
    findings the threshold keeps."""
    base = corpus.topics[ZH_TOPIC]
    topic: dict = {"id": GRADED, "title": {"en": "Graded sovereign AI", "zh": "分级的主权人工智能"},
             "question": base["question"], "select": {"topics": [ZH_TOPIC], **select}}
    written = project / "briefs" / f"{GRADED}.yaml"
    written.write_text(yaml.safe_dump(topic, allow_unicode=True, sort_keys=False), encoding="utf-8")
    keep = Corpus(project).selected(GRADED)
    assert len(keep) >= 3
    topic["bottom_line"] = [{"en": "Sources report on national control of AI compute.",
                             "zh": "有来源报道了各国对AI算力的掌控。", "cites": keep[:2]}]
    topic["key_judgments"] = [
        {"en": "National control of compute is likely to matter more.", "zh": "各国对算力的掌控可能变得更加重要。",
         "cites": keep[:1]},
        {"en": "Governments are likely to keep investing in their own compute.", "zh": "各国政府可能继续投资建设自有算力。",
         "cites": keep[1:3]},
    ]
    written.write_text(yaml.safe_dump(topic, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return Corpus(project)


@pytest.fixture(scope="module")
def graded(run_brief, corpus, tmp_path_factory):
    from helpers import copy_project

    project = copy_project(tmp_path_factory.mktemp("graded") / "project")
    c = make_graded_topic(project, corpus, min_reliability="C")
    out = tmp_path_factory.mktemp("graded-out")
    quiet = run_brief("--project", project, "generate", "--topic", GRADED, "--format", "docx", "--out", out / "quiet")
    verbose = run_brief("--project", project, "generate", "--topic", GRADED, "--verbose", "--out", out / "verbose")
    return {"corpus": c, "quiet": quiet, "verbose": verbose, "out": out / "verbose", "project": project}


def test_grade_threshold_leaves_out_lower_graded_sources(graded):
    c = graded["corpus"]
    left = c.left_out(GRADED)
    assert left and all(c.grade(c.finding_source[f]) in "DEF" for f in left)
    assert all(c.grade(c.finding_source[f]) in "ABC" for f in c.selected(GRADED))
    for r in (graded["quiet"], graded["verbose"]):
        assert r.returncode == 0, r.stderr
        assert f"{GRADED}: left out {len(left)} finding(s) below the topic's grade threshold:" in r.stdout
        assert "below the minimum C" in r.stdout
    for grade in "DE":
        n = sum(1 for f in left if c.grade(c.finding_source[f]) == grade)
        assert n == sum(int(m.group(1)) for m in re.finditer(rf"^\s+(\d+) x source \S+ is graded {grade}, below the minimum C",
                                                            graded["quiet"].stdout, re.M))


def test_grade_threshold_lists_ids_only_when_verbose(graded):
    c = graded["corpus"]
    left = c.left_out(GRADED)
    assert all(fid in graded["verbose"].stdout for fid in left)
    assert not any(fid in graded["quiet"].stdout for fid in left)


def test_grade_threshold_keeps_lower_graded_findings_out_of_the_brief(graded):
    c = graded["corpus"]
    text = pdf_body_text(graded["out"] / f"{GRADED}.en.pdf", root=graded["project"], raw=True)
    assert not [f for f in c.left_out(GRADED) if pdf_count(text, c.findings[f]["claim"]["en"])]
    b = Brief(graded["out"] / f"{GRADED}.en.docx", "en")
    shown = b.shown(c, GRADED)
    assert shown and set(shown) <= set(c.selected(GRADED))
    assert not [f for f in shown if not pdf_count_across_pages(text, c.findings[f]["claim"]["en"])]
    # Every kept finding is in the brief (in full or cited), so exactly their sources are referenced.
    assert set(b.number_of(c)) == {c.finding_source[f] for f in c.selected(GRADED)}
    assert not {c.grade(sid) for sid in b.number_of(c)} & set("DEF")


def test_credibility_threshold_leaves_out_worse_findings(run_brief, corpus, sample_project, tmp_path):
    c = make_graded_topic(sample_project, corpus, max_credibility=2)
    left = c.left_out(GRADED)
    assert left and all(c.findings[f]["credibility"] > 2 for f in left)
    r = run_brief("--project", sample_project, "generate", "--topic", GRADED, "--format", "docx", "-v",
                  "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    assert f"{GRADED}: left out {len(left)} finding(s) below the topic's grade threshold:" in r.stdout
    assert "worse than the maximum 2" in r.stdout
    assert all(f in r.stdout for f in left)


def test_key_finding_below_threshold_gets_a_useful_hint(run_brief, corpus, sample_project):
    path = sample_project / "briefs" / f"{ZH_TOPIC}.yaml"
    insert_after(path, line_containing(path, "  topics: ["), "  min_reliability: C")
    r = check(run_brief, sample_project)
    low = [f for f in corpus.topics[ZH_TOPIC]["key_findings"] if corpus.grade(corpus.finding_source[f]) in "DEF"]
    assert low and r.returncode == 1
    for fid in low:
        assert f"did you mean '{fid}'" not in r.stdout + r.stderr


# ---- 8. ICD 203 wording --------------------------------------------------------------------------

JUDGMENT = "cfd-new-digital-divide"
JUDGMENT_TEXT = {
    "en": "AI is rapidly opening a new global digital divide, with the unequal distribution of computing power "
          "between countries that have it and regions that lack it reshaping geopolitics and the economy.",
    "zh": "人工智能正在迅速拉开全球新的数字鸿沟，算力在拥有者与缺乏者之间的不均分配正在重塑地缘政治与经济格局。",
}
ZH_REST = JUDGMENT_TEXT["zh"].removeprefix("人工智能")


def _set_claim(project: Path, fid: str, lang: str, text: str) -> tuple[Path, int]:
    path = findings_file(project, Corpus(project).finding_source[fid])
    n = claim_line(path, fid, lang)
    set_line(path, n, f'      {lang}: "{text}"')
    return path, n


@pytest.mark.parametrize("lang,text", [
    ("en", "The author says " + JUDGMENT_TEXT["en"]),
    ("zh", "作者认为，" + JUDGMENT_TEXT["zh"]),
], ids=["en", "zh"])
def test_judgment_without_likelihood_term_is_reported(run_brief, sample_project, lang, text):
    path, n = _set_claim(sample_project, JUDGMENT, lang, text)
    r = check(run_brief, sample_project)
    clean_failure(r, JUDGMENT, f"claim.{lang}", "no ICD 203 likelihood term", where=f"{shown(sample_project, path)}:{n}:")


@pytest.mark.parametrize("lang,text", [
    ("en", "The author judges it likely, with high confidence, that " + JUDGMENT_TEXT["en"]),
    ("zh", "作者认为，人工智能很可能（高置信度）" + ZH_REST),
], ids=["en", "zh"])
def test_judgment_mixing_likelihood_and_confidence_in_one_sentence_is_reported(run_brief, sample_project, lang, text):
    path, n = _set_claim(sample_project, JUDGMENT, lang, text)
    r = check(run_brief, sample_project)
    clean_failure(r, JUDGMENT, f"claim.{lang}", "likelihood term and a confidence level in one sentence",
                  where=f"{shown(sample_project, path)}:{n}:")


@pytest.mark.parametrize("lang,text", [
    ("en", "The author judges it likely that " + JUDGMENT_TEXT["en"] + " We have high confidence in this."),
    ("zh", "作者认为，人工智能很可能" + ZH_REST + "我们对此有高置信度。"),
], ids=["en", "zh"])
def test_judgment_with_confidence_in_its_own_sentence_passes(run_brief, sample_project, lang, text):
    _set_claim(sample_project, JUDGMENT, lang, text)
    r = check(run_brief, sample_project)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("new,phrase", [
    ("Compute concentration will deepen rather than ease", "no ICD 203 likelihood term"),
    ("Compute concentration is likely, with high confidence, to deepen rather than ease",
     "likelihood term and a confidence level in one sentence"),
], ids=["no-term", "same-sentence"])
def test_key_judgment_wording_is_checked(run_brief, sample_project, new, phrase):
    path = sample_project / "briefs" / f"{CONTESTED_TOPIC}.yaml"
    old = "Compute concentration is likely to deepen rather than ease"
    n = line_containing(path, old)
    replace_once(path, old, new)
    r = check(run_brief, sample_project)
    clean_failure(r, "key_judgments[1].en", phrase, where=f"briefs/{CONTESTED_TOPIC}.yaml:{n}:")


# ---- 9. contradictions -----------------------------------------------------------------------------


def _add_contradicts(project: Path, fid: str, ids: list[str]) -> tuple[Path, int]:
    path = findings_file(project, Corpus(project).finding_source[fid])
    start = line_containing(path, f"id: {fid}")
    assert "contradicts" not in Corpus(project).findings[fid]
    insert_after(path, line_containing(path, "kind:", start), f"    contradicts: [{', '.join(ids)}]")
    return path, start


LONE = "cfd-nvidia-gpu-dominance"  # a finding with no contradicts links


@pytest.mark.parametrize("target,phrases", [
    ("cfd-eu-200bn-euro", ("'cfd-eu-200bn-euro'", "does not list", "mutual")),
    ("cfd-nvidia-gpu-dominanse", ("contradicts unknown finding 'cfd-nvidia-gpu-dominanse'", f"did you mean '{LONE}'")),
    (LONE, ("contradicts itself",)),
], ids=["asymmetric", "unknown", "self"])
def test_bad_contradicts_link_is_reported(run_brief, sample_project, target, phrases):
    path, n = _add_contradicts(sample_project, LONE, [target])
    r = check(run_brief, sample_project)
    lines = clean_failure(r, LONE, *phrases, where=f"{shown(sample_project, path)}:{n}:")
    if target == "cfd-eu-200bn-euro":  # names where the other finding stands
        other = line_containing(path, f"id: {target}")
        assert any(f"{shown(sample_project, path)}:{other}" in ln for ln in lines)


def pair_tables(path: Path, corpus: Corpus, topic: str, lang: str) -> list[tuple[str, str]]:
    """The contested pairs a DOCX shows in full: rows of two cells (consecutive pairs are rows of
    one table), each cell holding one side (claim and quote). Returns the pairs (left, right) in
    document order."""
    out = []
    rows = [row for tb in docx_tables(path) for row in tb if len(row) == 2]
    for left, right in rows:
        for a, b in corpus.pairs(topic):
            fa, fb = corpus.findings[a], corpus.findings[b]

            def holds(cell, f):
                return cell.startswith(summary(f["claim"][lang], lang)) and f["quote"] in cell

            if holds(left, fa) and holds(right, fb):
                out.append((a, b))
            elif holds(left, fb) and holds(right, fa):
                out.append((b, a))
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_contested_pairs_are_two_cell_rows_in_the_docx(generated, brief, corpus, lang):
    """Up to three contradictions in full, both sides side by side; the others cited in one line."""
    pairs = corpus.pairs(CONTESTED_TOPIC)
    assert ("cfd-us-china-90pct-ai-centres", "ace-knowledge-sharing-breaks-monopoly") in pairs
    shown = pair_tables(generated.path(CONTESTED_TOPIC, lang, "docx"), corpus, CONTESTED_TOPIC, lang)
    assert len(shown) == min(3, len(pairs)) == len({frozenset(p) for p in shown})
    b = brief(CONTESTED_TOPIC, lang)
    t = strings(lang)
    start, end = b.section(t["contested"])
    more = [i for i in range(start + 1, end) if more_line(t["more_pairs"]).fullmatch(b.paragraphs[i].text)]
    if len(pairs) > 3:
        n = len(pairs) - 3
        assert len(more) == 1 and b.paragraphs[more[0]].text == counted(t["more_pairs"], n)
        items = listed_after(b, more[0])
        assert len(items) == n and all(x.count("↔") == 1 for x in items), items
        numbers = b.number_of(corpus)
        rest = [p for p in pairs if frozenset(p) not in {frozenset(x) for x in shown}]
        for a, c in rest:  # both sides named by their claims, each with its citation
            def side(fid: str, text: str) -> bool:
                return opens_claim(text, corpus.findings[fid]["claim"][lang]) and \
                    cite_numbers(text) == [numbers[corpus.finding_source[fid]]]

            assert any(side(a, x.split("↔")[0]) and side(c, x.split("↔")[1]) or
                       side(c, x.split("↔")[0]) and side(a, x.split("↔")[1]) for x in items), (a, c, items)
    else:
        assert not more


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_contested_pairs_stand_side_by_side_in_the_pdf(generated, pdf_raw_text, corpus, lang):
    t = strings(lang)
    text = section(pdf_raw_text(CONTESTED_TOPIC, lang), t["contested"], t["source_notes"])
    shown = pair_tables(generated.path(CONTESTED_TOPIC, lang, "docx"), corpus, CONTESTED_TOPIC, lang)
    assert shown
    for pair in shown:
        for fid in pair:
            f = corpus.findings[fid]
            assert pdf_count_across_pages(text, f["claim"][lang]) >= 1, fid
            assert pdf_count_across_pages(text, f["quote"]) >= 1, fid


def stance_axes() -> dict:
    return load_yaml(FIXTURE_PROJECT / "seeds" / "stances.yaml")["axes"]


def test_a_stance_position_holds_more_findings_than_its_cell_shows(corpus):
    """So that the test below sees a cell with an 'N more findings' line."""
    assert any(sum(corpus.findings[f].get("stance") == pos for f in corpus.selected(topic)) > 2
               for topic in TOPICS for axis in stance_axes().values() for pos in axis["positions"])


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_stance_positions_are_side_by_side_in_the_docx(generated, brief, corpus, topic, lang):
    """Per stance axis, one cell per position: its label, its best-graded findings ('claim [n] ·
    Grade C3'), and a line counting the others, then each named by its claim."""
    stances = stance_axes()
    chosen = corpus.selected(topic)
    tables = docx_tables(generated.path(topic, lang, "docx"))
    numbers = brief(topic, lang).number_of(corpus)
    t = strings(lang)
    axes = 0
    for axis in stances.values():
        held = {pos: [f for f in chosen if corpus.findings[f].get("stance") == pos] for pos in axis["positions"]}
        held = {pos: fs for pos, fs in held.items() if fs}
        if len(held) < 2:
            continue
        axes += 1
        labels = [axis["positions"][pos][lang] for pos in held]
        rows = [tb[0] for tb in tables if len(tb) == 1 and [c.split("\n")[0] for c in tb[0]] == labels]
        assert len(rows) == 1, labels
        for cell, fids in zip(rows[0], held.values()):
            lines = cell.split("\n")
            full = [f for f in fids if any(ln.startswith(corpus.findings[f]["claim"][lang]) for ln in lines)]
            others = [f for f in fids if f not in full]
            assert len(full) == min(2, len(fids)), cell
            for f in full:
                sid = corpus.finding_source[f]
                line = re.escape(ws(corpus.findings[f]['claim'][lang])) + r" ?" + \
                    re.escape(ws(cite(lang, numbers[sid]) + grade_text(lang, grade_of(corpus, f))))
                assert any(re.fullmatch(line, ws(ln)) for ln in lines), (line, lines)
            if others:
                assert max(grade_of(corpus, f) for f in full) <= min(grade_of(corpus, f) for f in others)
                at = lines.index(counted(t["more_in_position"], len(others)))
                named = lines[at + 1:]
                assert len(named) == len(others) and all(
                    any(opens_claim(x, corpus.findings[f]["claim"][lang]) for x in named) for f in others), named
    assert axes


@pytest.fixture(scope="module")
def partner_outside(run_brief, tmp_path_factory):
    """CONTESTED_TOPIC with the essay's source excluded: the essay's findings that contradict
    selected ones are still shown, and its source cited."""
    from helpers import copy_project

    project = copy_project(tmp_path_factory.mktemp("partner") / "project")
    path = project / "briefs" / f"{CONTESTED_TOPIC}.yaml"
    insert_after(path, line_containing(path, "  topics: ["), "  exclude_sources: [ai-convergence-essay]")
    out = tmp_path_factory.mktemp("partner-out")
    r = run_brief("--project", project, "generate", "--topic", CONTESTED_TOPIC, "--format", "docx", "--out", out)
    assert r.returncode == 0, r.stderr
    return Corpus(project), Brief(out / f"{CONTESTED_TOPIC}.en.docx", "en")


def test_other_side_from_an_unselected_source_is_cited(partner_outside):
    c, b = partner_outside
    assert "ai-convergence-essay" not in {c.finding_source[f] for f in c.selected(CONTESTED_TOPIC)}
    assert "ai-convergence-essay" in {c.finding_source[f] for f in c.partners(CONTESTED_TOPIC)}
    assert set(b.number_of(c)) == c.cited_sources(CONTESTED_TOPIC)
    n = b.number_of(c)["ai-convergence-essay"]
    start, end = b.section(strings("en")["contested"])
    assert f"[{n}]" in " ".join(p.text for p in b.paragraphs[start:end])  # the essay's side is shown or cited there


def _basis(b: Brief) -> tuple[int, int, int]:
    meta = " ".join(p.text for p in b.paragraphs if p.style == "Brief Meta")
    m = re.search(r"Basis\s*:\s*(\d+) findings from (\d+) sources \((\d+) independent lines of reporting\)", meta)
    assert m, meta
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def test_basis_counts_what_the_brief_cites_including_partners_from_outside(partner_outside):
    """The other side of a contradiction, from a source the selection leaves out, is cited, so
    the basis counts it and its source."""
    c, b = partner_outside
    outside = [f for f in c.partners(CONTESTED_TOPIC) if c.finding_source[f] == "ai-convergence-essay"]
    assert outside
    findings, sources, origins = _basis(b)
    assert findings == len(c.cited(CONTESTED_TOPIC)) == len(c.selected(CONTESTED_TOPIC)) + len(c.partners(CONTESTED_TOPIC))
    assert sources == len(c.cited_sources(CONTESTED_TOPIC)) == len(b.number_of(c)) == len(b.refs)
    assert origins == len({c.finding_origin(f) for f in c.cited(CONTESTED_TOPIC)})


# ---- 10. grades outside their scales ------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "generate"])
def test_credibility_outside_its_scale(run_brief, sample_project, tmp_path, command):
    fid = "cfd-cassava-coverage"
    path = findings_file(sample_project, CONVO)
    n = line_containing(path, "credibility:", line_containing(path, f"id: {fid}"))
    set_line(path, n, "    credibility: 7")
    out = tmp_path / "out"
    args = ("check",) if command == "check" else ("generate", "--topic", ZH_TOPIC, "--out", out)
    r = run_brief("--project", sample_project, *args)
    clean_failure(r, "credibility", "less than or equal to 6", where=f"{shown(sample_project, path)}:{n}:",
                  out=out if command == "generate" else None)


@pytest.mark.parametrize("command", ["check", "generate"])
def test_reliability_grade_outside_its_scale(run_brief, sample_project, tmp_path, command):
    path = sample_project / "seeds" / CINFOSEC / "source.yaml"
    n = line_containing(path, "grade:")
    set_line(path, n, "  grade: G")
    out = tmp_path / "out"
    args = ("check",) if command == "check" else ("generate", "--topic", ZH_TOPIC, "--out", out)
    r = run_brief("--project", sample_project, *args)
    clean_failure(r, "reliability.grade", "'A', 'B', 'C', 'D', 'E' or 'F'", where=f"{shown(sample_project, path)}:{n}:",
                  out=out if command == "generate" else None)


def test_missing_grades_are_reported(run_brief, sample_project):
    src = sample_project / "seeds" / CINFOSEC / "source.yaml"
    text = src.read_text(encoding="utf-8")
    start = text.index("\nreliability:")
    end = text.index("\ncaveats:")
    src.write_text(text[:start] + text[end:], encoding="utf-8")
    ff = findings_file(sample_project, CONVO)
    n = line_containing(ff, "id: cfd-cassava-coverage")
    cred = line_containing(ff, "credibility:", n)
    lines = ff.read_text(encoding="utf-8").split("\n")
    del lines[cred - 1]
    ff.write_text("\n".join(lines), encoding="utf-8")
    r = check(run_brief, sample_project)
    clean_failure(r, "missing field 'reliability'", where=f"seeds/{CINFOSEC}/source.yaml:")
    clean_failure(r, "missing field", "credibility", where=f"{shown(sample_project, ff)}:{n}:")


# ---- 11. a claim missing in the brief's language -------------------------------------------------------

NO_ZH = "cfd-sovereignty-concerns"


def test_claim_missing_in_the_briefs_language(run_brief, sample_project, corpus, tmp_path):
    assert NO_ZH in corpus.selected(ZH_TOPIC)
    path = findings_file(sample_project, CONVO)
    n = claim_line(path, NO_ZH, "zh")
    lines = path.read_text(encoding="utf-8").split("\n")
    del lines[n - 1]
    path.write_text("\n".join(lines), encoding="utf-8")
    at = line_containing(path, f"id: {NO_ZH}")
    out_zh, out_en = tmp_path / "zh", tmp_path / "en"
    r = run_brief("--project", sample_project, "generate", "--topic", ZH_TOPIC, "--lang", "zh", "--out", out_zh)
    clean_failure(r, NO_ZH, "'zh'", where=f"{shown(sample_project, path)}:{at}:", out=out_zh)
    r = run_brief("--project", sample_project, "generate", "--topic", ZH_TOPIC, "--lang", "en", "--out", out_en)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in brief_files(out_en)) == [f"{ZH_TOPIC}.en.docx", f"{ZH_TOPIC}.en.pdf"]


# ---- 12. derivative reporting: one primary source, two articles ----------------------------------------

MIRROR = "huanqiu-mirror"
MIRROR_QUOTE = "各国政府正加紧布局自主可控的人工智能算力，以减少对外国云服务商的依赖。"


@pytest.fixture(scope="module")
def mirrored(run_brief, corpus, tmp_path_factory):
    from helpers import copy_project

    project = copy_project(tmp_path_factory.mktemp("mirror") / "project")
    primary = corpus.sources[CINFOSEC]["primary_source"]
    add_source(project, {
        "id": MIRROR, "title": "中美人工智能路径比较（转载）", "title_supplied": False,
        "title_en": "Comparing the US and Chinese AI paths (repost)", "publisher": "某镜像网站", "author": None,
        "published": "2024-11-10", "accessed": None, "url": None, "language": "zh", "source_type": "news-site",
        "primary_source": primary,
        "reliability": {"grade": "B", "rationale": {"en": "A repost of the same article.", "zh": "同一文章的转载。"}},
        "caveats": [], "notes": None,
    }, ["转载自环球网", MIRROR_QUOTE], [{
        "id": "hqm-sovereign-compute", "kind": "fact", "credibility": 1, "topics": [ZH_TOPIC], "quote": MIRROR_QUOTE,
        "locator": {"para": 2, "start": 0, "end": len(MIRROR_QUOTE)}, "via_primary": True,
        "claim": {"en": "Governments are stepping up sovereign AI compute to rely less on foreign cloud providers.",
                  "zh": "各国政府正加紧布局自主可控的AI算力，以减少对外国云服务商的依赖。"},
    }])
    out = tmp_path_factory.mktemp("mirror-out")
    r = run_brief("--project", project, "generate", "--topic", ZH_TOPIC, "--out", out)
    assert r.returncode == 0, r.stderr
    return Corpus(project), Brief(out / f"{ZH_TOPIC}.en.docx", "en"), pdf_body_text(out / f"{ZH_TOPIC}.en.pdf", root=project)


def test_same_primary_source_is_shown(mirrored):
    c, b, pdf = mirrored
    numbers = b.number_of(c)
    texts = [p.text for p in b.paragraphs if p.table is None]
    group = [f for f in c.selected(ZH_TOPIC) if c.finding_source[f] in (CINFOSEC, MIRROR)]
    assert "hqm-sovereign-compute" in group and len(group) >= 2
    shown = b.shown(c, ZH_TOPIC)
    full = {f: where for f, where in shown.items() if f in group}
    assert "hqm-sovereign-compute" in full and len(full) >= 2  # graded B1, it is among the best of its section
    for fid, where in full.items():
        other = MIRROR if c.finding_source[fid] == CINFOSEC else CINFOSEC
        for i in where:
            end = next(j for j in range(i + 1, len(b.paragraphs))
                       if b.paragraphs[j].text.startswith("Original (Chinese), para. "))
            meta = [p.text for p in b.paragraphs[i + 1:end]]
            assert f"Same primary source as [{numbers[other]}]" in meta, (fid, meta)
    occurrences = sum(len(w) for w in full.values())
    assert sum(1 for x in texts if x.startswith("Same primary source as")) == occurrences
    assert pdf_count(pdf, "Same primary source as") == occurrences


def test_basis_counts_independent_lines_of_reporting(mirrored):
    """Two articles relaying the same primary source are one line of reporting for the passages
    they relay."""
    c, b, _ = mirrored
    findings, sources, origins = _basis(b)
    cited = c.cited(ZH_TOPIC)
    assert (findings, sources) == (len(cited), len(c.cited_sources(ZH_TOPIC)))
    lines = {c.finding_origin(f) for f in cited}
    assert origins == len(lines) and {MIRROR, CINFOSEC}.isdisjoint(lines)  # both relay huanqiu-repost only
    assert sources - origins == 1


@pytest.mark.parametrize("topic", TOPICS)
def test_no_shared_primary_source_in_the_fixture_briefs(brief, corpus, topic):
    """No two fixture sources relay one primary source; a source's own passages and the passages
    it relays are two lines of reporting."""
    b = brief(topic, "en")
    assert not any("Same primary source as" in p.text for p in b.paragraphs)
    _, sources, origins = _basis(b)
    assert sources == len(corpus.cited_sources(topic))
    assert origins == len({corpus.finding_origin(f) for f in corpus.cited(topic)})


# ---- 13-15. the zh and en briefs, and all of them ------------------------------------------------------


def title_block_meta(path: Path) -> str:
    """The title block's meta lines (marking, date, basis, ...) of a DOCX, joined."""
    return " ".join(p.text for p in docx_body(path) if p.style == "Brief Meta")


def labelled(label: str, value: str) -> re.Pattern:
    """'<label>: <value>' with an ASCII or full-width colon."""
    return re.compile(re.escape(label) + r"\s*[:：]\s*" + re.escape(value))


def test_zh_brief_headings_date_and_marking(generated, pdf_text):
    pdf = generated.path(CONTESTED_TOPIC, "zh", "pdf")
    titles = [title for _, title in pdf_outline(pdf)]
    for heading in ("核心判断", "已知事实", "分析判断", "不同观点", "来源说明", "参考文献"):
        assert heading in titles, heading
    t = strings("zh")
    meta = title_block_meta(generated.path(CONTESTED_TOPIC, "zh", "docx"))
    assert labelled(t["date"], BUILD_DATE["zh"]).search(meta), meta
    assert labelled(t["marking"], "TLP:CLEAR").search(meta), meta
    assert not re.search(r"\d{4}-\d{2}-\d{2}", meta) and "November" not in meta
    text = ws(pdf_text(CONTESTED_TOPIC, "zh"))
    assert labelled(t["date"], BUILD_DATE["zh"]).search(text)
    assert labelled(t["marking"], "TLP:CLEAR").search(text)


def test_en_brief_date_format(generated):
    t = strings("en")
    meta = title_block_meta(generated.path(CONTESTED_TOPIC, "en", "docx"))
    assert labelled(t["date"], BUILD_DATE["en"]).search(meta), meta
    assert labelled(t["marking"], "TLP:CLEAR").search(meta), meta


def test_all_topics_generate_in_both_languages(generated, corpus):
    names = sorted(p.name for p in brief_files(generated.out))
    expected = sorted(f"{t}.{lang}.{fmt}" for t in corpus.topics for lang in ("en", "zh") for fmt in ("docx", "pdf"))
    assert corpus.topics and names == expected
    assert generated.zh.returncode == 0 and "Traceback" not in generated.zh.stderr
    assert all(p.stat().st_size > 0 for p in files_under(generated.out))
