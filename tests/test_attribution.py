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


# ---- 4. names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang,lead", [("en", "Example, Dana. “"), ("zh", "EXAMPLE D. ")])
def test_name_parts_follow_each_style(project_root, lang, lead):
    refs = entries(compose(project_root, CONTESTED_TOPIC, lang))
    assert refs[EXAMPLE].startswith(lead), refs[EXAMPLE]
    assert "崔传刚. " in refs[CINFOSEC] and "传刚" not in refs[CINFOSEC].replace("崔传刚", ""), refs[CINFOSEC]  # one literal name


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
