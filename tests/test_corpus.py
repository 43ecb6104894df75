"""The repo's corpus is verified: pinned hashes, deletes-only cleaning, quotes at their locators.

Every check here is implemented independently of brief.corpus.load.
"""

from __future__ import annotations

import json

import pytest

from helpers import ROOT, Corpus, body_lines, sha256

CORPUS = Corpus(ROOT)
SOURCE_IDS = sorted(CORPUS.sources)
FINDING_IDS = list(CORPUS.findings)


def _body(sid: str):
    return CORPUS.source_dirs[sid] / "body.txt"


@pytest.mark.parametrize("sid", SOURCE_IDS)
def test_original_matches_pinned_hash(sid):
    src = CORPUS.sources[sid]
    assert sha256(ROOT / "seeds" / src["original"]) == src["original_sha256"]


@pytest.mark.parametrize("sid", SOURCE_IDS)
def test_body_matches_pinned_hash(sid):
    assert sha256(_body(sid)) == CORPUS.sources[sid]["body_sha256"]


@pytest.mark.parametrize("sid", SOURCE_IDS)
def test_cleaning_only_deletes_lines(sid):
    """Every body line is a whole line of the original, and they come in the original's order."""
    original = (ROOT / "seeds" / CORPUS.sources[sid]["original"]).read_text(encoding="utf-8").splitlines()
    body = body_lines(_body(sid))
    assert body, "empty body"
    pos = 0
    for n, line in enumerate(body, 1):
        try:
            pos = original.index(line, pos) + 1
        except ValueError:
            where = "not a line of" if line not in original else "out of order against"
            pytest.fail(f"body.txt line {n} is {where} the original: {line[:60]!r}")


@pytest.mark.parametrize("fid", FINDING_IDS)
def test_quote_stands_at_its_locator(fid):
    f = CORPUS.findings[fid]
    loc = f["locator"]
    lines = body_lines(_body(CORPUS.finding_source[fid]))
    assert 1 <= loc["para"] <= len(lines)
    assert lines[loc["para"] - 1][loc["start"]:loc["end"]] == f["quote"]


def test_corpus_has_at_least_60_findings():
    assert len(FINDING_IDS) >= 60


@pytest.mark.parametrize("sid", SOURCE_IDS)
def test_each_source_has_at_least_5_findings(sid):
    assert len(CORPUS.findings_by_source.get(sid, [])) >= 5


def test_finding_ids_are_unique_across_files():
    ids = [f["id"] for fs in CORPUS.findings_by_source.values() for f in fs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes


@pytest.mark.parametrize("fid", [i for i in FINDING_IDS if CORPUS.findings[i]["kind"] == "figure"])
def test_figure_findings_carry_structured_figures(fid):
    figures = CORPUS.findings[fid].get("figures") or []
    assert figures
    for fig in figures:
        assert isinstance(fig["value"], (int, float))
        for key in ("unit", "entity"):
            assert fig[key]["en"].strip() and fig[key]["zh"].strip()


def test_corpus_holds_both_sides_of_the_gap_debate():
    stances = {f.get("stance") for f in CORPUS.findings.values()}
    assert {"gap-narrowing", "gap-widening"} <= stances


@pytest.fixture(scope="module")
def topics_json(run_brief):
    r = run_brief("--project", ROOT, "topics", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_topics_json_lists_every_topic_file(topics_json):
    assert sorted(t["id"] for t in topics_json) == sorted(CORPUS.topics)


@pytest.mark.parametrize("tid", sorted(CORPUS.topics))
def test_topic_selects_at_least_8_findings_from_3_sources(topics_json, tid):
    row = next(t for t in topics_json if t["id"] == tid)
    assert row["findings"] >= 8
    assert row["sources"] >= 3


def test_check_passes_on_the_repo(run_brief):
    r = run_brief("--project", ROOT, "check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr


# ---- numbers: a claim's numbers must be in its quote ----------------------------------------


def test_chinese_magnitude_equals_english_magnitude():
    from brief.corpus.numbers import missing_numbers

    assert missing_numbers("The EU plans US$60 billion of investment.", "欧盟计划投资600亿美元。") == []


def test_english_magnitude_equals_chinese_magnitude():
    from brief.corpus.numbers import missing_numbers

    assert missing_numbers("欧盟计划投资600亿美元。", "The EU plans US$60 billion of investment.") == []


def test_thousands_separator_is_ignored():
    from brief.corpus.numbers import missing_numbers

    assert missing_numbers("about 3000 GPUs", "约3,000块GPU") == []
    assert missing_numbers("about 3,000 GPUs", "约3000块GPU") == []


def test_number_absent_from_quote_is_reported():
    from brief.corpus.numbers import missing_numbers

    missing = missing_numbers("US firms control 88 centres and China 39.", "美国企业掌控87座AI中心,中国则掌控39座")
    assert missing == ["88"]


def test_decimal_must_match_exactly():
    from brief.corpus.numbers import missing_numbers

    assert missing_numbers("a share of 19.5%", "占比19.5%") == []
    assert missing_numbers("a share of 19.6%", "占比19.5%") == ["19.6"]
