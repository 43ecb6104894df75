"""Attribution in references, notes and findings, on the fixture project:

- a finding the text attributes to the study its article relays (`via_primary`) says so beside
  its citation; the reference names the article, with the primary source in a note (both CSL
  styles, both languages);
- the claim is labelled as the analyst's summary, the quote as the original (with its language
  when it differs from the brief's), in every template;
- the title block's basis counts what the brief cites;
- authors as CSL name parts; one date form per language; each thing said once in a source note.

Briefs are composed in this process (render, parse, fill: no DOCX or PDF), so each case is cheap.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
import yaml

from conftest import CONTESTED_TOPIC, LANGS, TEMPLATES, ZH_TOPIC
from helpers import Corpus, add_source, line_containing, load_yaml, replace_once, run_brief, strings

CINFOSEC = "cinfosec-us-china-ai-paths"
CONVO = "convo-finance-compute-divide"
EXAMPLE = "example-institute-compute-access"
RELAYED = "cfd-ai-centres-87-39-6"      # the blog's report of the study it relays
OWN = "cfd-us-china-90pct-ai-centres"   # the same blog's own claim ("据统计", no study named)
CHICAGO = "chicago-notes-bibliography-16th-edition.csl"
GBT = "gb-t-7714-2015-numeric-online.csl"
DATE = datetime.date(2023, 11, 14)
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


def compose(root: Path, topic: str, lang: str, template: str = "brief", csl: str | None = None) -> list[str]:
    """The composed brief as the lines of its model dump (one block per line)."""
    from brief.build import compose_document
    from brief.corpus.load import load_project
    from brief.model import dump

    project = load_project(root)
    project.raise_if_problems()
    return dump(compose_document(project, topic, lang, template, csl, date=DATE).document).splitlines()


def entries(lines: list[str], kind: str = "references") -> dict[str, str]:
    """source id -> text of each entry of the references (or source notes)."""
    out, inside = {}, False
    for ln in lines:
        if ln.lstrip().startswith("References kind="):
            inside = f"kind='{kind}'" in ln
            continue
        m = re.match(r"^\s+Reference number=\d+ source_id='([^']+)': (.*)$", ln)
        if inside and m:
            out[m.group(1)] = re.sub(r"<([^|>]*)\|[^>]*>", r"\1", m.group(2))  # links: their text
        else:
            inside = False
    return out


def paras(lines: list[str]) -> list[str]:
    return [m.group(1) for ln in lines if (m := re.match(r"^\s*(?:- item\s*)?Para: (.*)$", ln))]


@pytest.fixture(scope="module")
def corpus_fixture():
    from helpers import FIXTURE_PROJECT

    return Corpus(FIXTURE_PROJECT)


# ---- 1. a relayed study is credited only where the text credits it ------------------------------


def test_the_fixture_marks_only_passages_the_text_attributes_to_the_study(corpus_fixture):
    c = corpus_fixture
    assert c.findings[RELAYED].get("via_primary") is True
    assert "研究显示" in c.findings[RELAYED]["quote"]
    assert not c.findings[OWN].get("via_primary")
    assert {RELAYED, OWN} <= set(c.selected(CONTESTED_TOPIC))


@pytest.mark.parametrize("lang", LANGS)
def test_relayed_from_stands_beside_the_findings_the_text_attributes_to_it(project_root, corpus_fixture, lang):
    c = corpus_fixture
    t = strings(lang)
    lines = paras(compose(project_root, CONTESTED_TOPIC, lang))
    primary = c.sources[CONVO]["primary_source"]["name"][lang]
    relayed = t["relayed_from"].format(primary=primary)
    claim = {fid: t["claim_format"].format(claim=c.findings[fid]["claim"][lang]) for fid in (RELAYED, OWN)}
    at = {fid: [i for i, p in enumerate(lines)  # (in Chinese no space stands between 。 and the citation)
                if p.startswith(claim[fid]) and p[len(claim[fid]):].lstrip(" ").startswith("[@")] for fid in claim}
    assert at[RELAYED] and at[OWN]
    for i in at[RELAYED]:
        assert lines[i + 1] == relayed, lines[i:i + 3]
    for i in at[OWN]:
        assert primary not in lines[i + 1], lines[i:i + 3]
    assert sum(p == relayed for p in lines) == len(at[RELAYED])


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("csl", [CHICAGO, GBT])
def test_reference_names_the_article_and_notes_the_primary_source(project_root, corpus_fixture, lang, csl):
    """The same rule in both styles and both languages: the entry is the article, and the study
    it relays is a note at its end, named once."""
    c = corpus_fixture
    refs = entries(compose(project_root, CONTESTED_TOPIC, lang, csl=csl))
    s = c.sources[CONVO]
    primary = s["primary_source"]["name"][lang]
    entry = refs[CONVO]
    note = strings(lang)["relayed_format"].format(reference="", primary=primary).strip()
    assert entry.count(primary) == 1 and not entry.startswith(primary[:20]), entry
    assert s["title"] in entry and entry.index(s["title"]) < entry.index(note), entry
    assert re.search(re.escape(note) + r"\.? ?\[C\]$", entry), entry
    for sid, text in refs.items():
        if not c.sources[sid]["primary_source"]:
            assert note.split(primary)[0].strip() not in text, text


@pytest.mark.parametrize("command", ["check", "generate"])
def test_via_primary_on_a_source_that_relays_nothing_is_an_error_at_its_line(sample_project, tmp_path, command):
    path = sample_project / "seeds" / EXAMPLE / "findings.yaml"
    first = line_containing(path, "locator:")
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(first, "    via_primary: true")
    path.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    args = ("check",) if command == "check" else ("generate", "--topic", ZH_TOPIC, "--out", out)
    r = run_brief("--project", sample_project, *args)
    text = r.stdout + r.stderr
    assert r.returncode == 1 and "Traceback" not in text, text
    where = f"seeds/{EXAMPLE}/findings.yaml:{first + 1}:"
    assert any(where in ln and "via_primary" in ln and "relays no primary source" in ln for ln in text.splitlines()), text
    assert not out.exists() or not any(out.iterdir())


# ---- 2. the claim is the analyst's summary; the quote is labelled as the original ----------------


@pytest.mark.parametrize("template", ["brief", "one-pager"])
@pytest.mark.parametrize("lang", LANGS)
def test_every_template_labels_summary_and_original(project_root, corpus_fixture, template, lang):
    c = corpus_fixture
    t = strings(lang)
    lines = paras(compose(project_root, CONTESTED_TOPIC, lang, template))
    text = "\n".join(lines)
    quoted = 0
    for fid in c.selected(CONTESTED_TOPIC) + c.partners(CONTESTED_TOPIC):
        f = c.findings[fid]
        src_lang = c.sources[c.finding_source[fid]]["language"]
        para = f["locator"]["para"]
        if src_lang == lang:
            label = {"en": f"Para. {para}: ", "zh": f"原文（第{para}段）："}[lang]
        else:
            name = {"en": {"zh": "Chinese"}, "zh": {"en": "英语"}}[lang][src_lang]
            label = {"en": f"Original ({name}), para. {para}: ", "zh": f"原文（{name}，第{para}段）："}[lang]
        if f"{label}{f['quote']}" in lines:
            quoted += 1
            assert t["claim_format"].format(claim=f["claim"][lang]) in text, fid
    assert quoted >= 3
    assert "translation" not in text and "译文" not in text
    if lang == "zh":  # full-width punctuation in the labels
        assert "原文 (" not in text and "(段" not in text


def test_language_names_come_from_the_strings_table(sample_project):
    """A source in a language the strings table cannot name is an error at its `language` line,
    in `check` as in `generate`."""
    path = sample_project / "seeds" / EXAMPLE / "source.yaml"
    replace_once(path, "language: en", "language: fr")
    line = line_containing(path, "language: fr")
    r = run_brief("--project", sample_project, "check")
    text = r.stdout + r.stderr
    assert r.returncode == 1 and "Traceback" not in text, text
    assert f"seeds/{EXAMPLE}/source.yaml:{line}:" in text and "'fr'" in text and "language_names" in text, text


# ---- 3. the basis counts what the brief cites ----------------------------------------------------


def test_basis_counts_partners_from_outside_the_selection(sample_project):
    path = sample_project / "briefs" / f"{CONTESTED_TOPIC}.yaml"
    replace_once(path, "  topics: [", "  exclude_sources: [ai-convergence-essay]\n  topics: [")
    c = Corpus(sample_project)
    outside = [f for f in c.partners(CONTESTED_TOPIC) if c.finding_source[f] == "ai-convergence-essay"]
    assert outside
    lines = compose(sample_project, CONTESTED_TOPIC, "en")
    basis = next(p for p in paras(lines) if p.startswith("**Basis:**"))
    cited = c.cited(CONTESTED_TOPIC)
    sources = {c.finding_source[f] for f in cited}
    assert sources == set(entries(lines))
    lines_of_reporting = {c.finding_origin(f) for f in cited}
    assert basis == (f"**Basis:** {len(cited)} findings from {len(sources)} sources "
                     f"({len(lines_of_reporting)} independent lines of reporting)")


# ---- 4. names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang,lead", [("en", "Example, Dana. “"), ("zh", "EXAMPLE D. ")])
def test_name_parts_follow_each_style(project_root, lang, lead):
    refs = entries(compose(project_root, CONTESTED_TOPIC, lang))
    assert refs[EXAMPLE].startswith(lead), refs[EXAMPLE]
    assert refs[CINFOSEC].startswith("崔传刚. "), refs[CINFOSEC]  # a plain string: one literal name


@pytest.mark.parametrize("lang,lead", [
    ("en", "Marsh, Elena, 崔传刚, and Example Analysis Unit. “"),
    ("zh", "MARSH E, 崔传刚, Example Analysis Unit. "),
])
def test_several_authors_people_chinese_names_and_organisations(sample_project, lang, lead):
    path = sample_project / "seeds" / EXAMPLE / "source.yaml"
    replace_once(path, "author: {family: Example, given: Dana}",
                 "author:\n  - {family: Marsh, given: Elena}\n  - {family: 崔, given: 传刚}\n  - Example Analysis Unit")
    refs = entries(compose(sample_project, CONTESTED_TOPIC, lang))
    assert refs[EXAMPLE].startswith(lead), refs[EXAMPLE]


@pytest.mark.parametrize("author,message", [
    ("{given: Elena}", "a name with given needs family too"),
    ("{literal: Example Institute, family: Example}", "either {literal: …} or {family: …, given: …}"),
    ("[]", "author is an empty list"),
    ("{famly: Marsh}", "unknown field 'author.0.famly'"),
])
def test_bad_names_are_reported_at_their_line(sample_project, author, message):
    path = sample_project / "seeds" / EXAMPLE / "source.yaml"
    replace_once(path, "author: {family: Example, given: Dana}", f"author: {author}")
    line = line_containing(path, "author:")
    r = run_brief("--project", sample_project, "check")
    text = r.stdout + r.stderr
    assert r.returncode == 1 and "Traceback" not in text, text
    assert any(f"seeds/{EXAMPLE}/source.yaml:{line}:" in ln and message in ln for ln in text.splitlines()), text


def test_schema_export_describes_author_name_parts(project_root, tmp_path):
    r = run_brief("--project", project_root, "schema", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    import json

    author = json.loads((tmp_path / "source.schema.json").read_text(encoding="utf-8"))["properties"]["author"]
    text = json.dumps(author)
    for part in ("family", "given", "literal", '"array"', '"string"', '"null"'):
        assert part in text, part
    findings = json.loads((tmp_path / "findings.schema.json").read_text(encoding="utf-8"))
    assert "via_primary" in json.dumps(findings)


# ---- 5. one date form per language ---------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
def test_english_dates_are_day_month_year_everywhere(project_root, template):
    lines = compose(project_root, CONTESTED_TOPIC, "en", template)
    text = "\n".join(lines)
    assert not re.search(rf"\b({MONTHS}) \d{{1,2}}, \d{{4}}\b", text), re.findall(rf"(?:{MONTHS}) \d{{1,2}}, \d{{4}}", text)
    assert "14 November 2023" in text  # the title block
    refs = entries(lines)
    assert refs
    if EXAMPLE in refs:
        assert "1 March 2024" in refs[EXAMPLE] and "Accessed" not in refs[EXAMPLE]
    if CINFOSEC in refs:
        assert "9 November 2024" in refs[CINFOSEC] and "Accessed 6 October 2025." in refs[CINFOSEC]


def test_chinese_dates_are_nian_yue_ri_in_text_and_iso_in_gb_t_references(project_root):
    lines = compose(project_root, CONTESTED_TOPIC, "zh")
    text = "\n".join(lines)
    assert "2023年11月14日" in text and "November" not in text
    refs = entries(lines)
    assert "(2024-11-09)[2025-10-06]" in refs[CINFOSEC]  # the form GB/T 7714-2015 prescribes


# ---- 6. no doubled brackets; each thing said once in a source note -------------------------------


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("template", TEMPLATES)
def test_no_doubled_closing_brackets(project_root, lang, template):
    text = "\n".join(compose(project_root, CONTESTED_TOPIC, lang, template))
    assert not re.search(r"[)）]\s*[)）]", text), re.findall(r".{40}[)）]\s*[)）]", text)


def _plain_source(project: Path, rationale: dict, caveats: list[dict]) -> None:
    quote = "Plain sources state their facts without a date or an author."
    add_source(project, {
        "id": "a-plain-source", "title": "A plain page", "title_supplied": False, "title_en": "A plain page", "publisher": None,
        "author": None, "published": None, "accessed": None, "url": None, "language": "en",
        "source_type": "other",
        "primary_source": {"key": "plain-study", "named": True, "name": {"en": "The Plain Study", "zh": "普通研究"}},
        "reliability": {"grade": "C", "rationale": rationale}, "caveats": caveats, "notes": None,
    }, [quote], [{
        "id": "plain-fact", "kind": "fact", "credibility": 3, "topics": [ZH_TOPIC], "quote": quote,
        "locator": {"para": 1, "start": 0, "end": len(quote)}, "via_primary": True,
        "claim": {"en": "Plain sources state facts without a date or an author.", "zh": "普通来源陈述事实，不注明日期和作者。"},
    }])


@pytest.mark.parametrize("lang", LANGS)
def test_source_note_says_relayed_undated_and_anonymous_when_the_rationale_does_not(sample_project, lang):
    _plain_source(sample_project, {"en": "Its claims are specific and checkable.", "zh": "其说法具体，可以核查。"}, [])
    note = entries(compose(sample_project, ZH_TOPIC, lang), "source-notes")["a-plain-source"]
    t = strings(lang)
    for key in ("caveat_undated", "caveat_anonymous"):
        assert t[key][:1].upper() + t[key][1:] in note, note
    assert t["caveat_relayed"].format(primary={"en": "The Plain Study", "zh": "普通研究"}[lang])[1:] in note, note


@pytest.mark.parametrize("lang", LANGS)
def test_source_note_says_each_thing_once(sample_project, lang):
    rationale = {"en": "An anonymous, undated page that relays a study. It copies the study's summary word for word.",
                 "zh": "该页面匿名、无日期，转述了一项研究。它逐字照搬了该研究的摘要。"}
    caveats = [{"en": "It copies the study's summary word for word, without quotation marks.",
                "zh": "它逐字照搬了该研究的摘要，未加引号。"},
               {"en": "Its figures have no date.", "zh": "其数据没有注明时间。"}]
    _plain_source(sample_project, rationale, caveats)
    note = entries(compose(sample_project, ZH_TOPIC, lang), "source-notes")["a-plain-source"]
    t = strings(lang)
    for key in ("caveat_undated", "caveat_anonymous"):
        said = t[key][:1].upper() + t[key][1:]
        assert f"{said}." not in note and f"{said}。" not in note, note
    assert t["caveat_relayed"].split("{")[0].strip()[1:] not in note, note
    assert note.count({"en": "word for word", "zh": "逐字照搬"}[lang]) == 1, note
    assert caveats[1][lang].rstrip(".。")[1:] in note, note
