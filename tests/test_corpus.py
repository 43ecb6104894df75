"""A corpus is verified: pinned hashes, deletes-only cleaning, quotes at their locators, listings
that agree with the YAML.

Each check runs on the fixture project (tests/fixtures/project) and, marked `corpus`, on the
repo's shipped corpus. Every expectation is read from the project's own files, never written
down here, so a corpus that grows by a legitimate extension still passes. Every check is
implemented independently of brief.corpus.load.
"""

from __future__ import annotations

import json
import re

import pytest

from helpers import FIXTURE_PROJECT, ROOT, Corpus, body_lines, load_yaml, sha256

PROJECTS = {"fixture": Corpus(FIXTURE_PROJECT), "shipped": Corpus(ROOT)}


def _param(name: str, *values):
    marks = (pytest.mark.corpus,) if name == "shipped" else ()
    return pytest.param(name, *values, id="-".join([name, *map(str, values)]), marks=marks)


PROJECT = pytest.mark.parametrize("name", [_param(n) for n in PROJECTS])
EACH_SOURCE = pytest.mark.parametrize("name,sid", [_param(n, s) for n, c in PROJECTS.items() for s in sorted(c.sources)])
EACH_FINDING = pytest.mark.parametrize("name,fid", [_param(n, f) for n, c in PROJECTS.items() for f in c.findings])
EACH_FIGURE = pytest.mark.parametrize("name,fid", [_param(n, f) for n, c in PROJECTS.items() for f in c.findings
                                                   if c.findings[f]["kind"] == "figure"])


def _body(c: Corpus, sid: str):
    return c.source_dirs[sid] / "body.txt"


@EACH_SOURCE
def test_original_matches_pinned_hash(name, sid):
    c = PROJECTS[name]
    src = c.sources[sid]
    assert sha256(c.root / "seeds" / src["original"]) == src["original_sha256"]


@EACH_SOURCE
def test_body_matches_pinned_hash(name, sid):
    c = PROJECTS[name]
    assert sha256(_body(c, sid)) == c.sources[sid]["body_sha256"]


@EACH_SOURCE
def test_cleaning_only_deletes_lines(name, sid):
    """Every body line is a whole line of the original, and they come in the original's order."""
    c = PROJECTS[name]
    original = (c.root / "seeds" / c.sources[sid]["original"]).read_text(encoding="utf-8").splitlines()
    body = body_lines(_body(c, sid))
    assert body, "empty body"
    pos = 0
    for n, line in enumerate(body, 1):
        try:
            pos = original.index(line, pos) + 1
        except ValueError:
            where = "not a line of" if line not in original else "out of order against"
            pytest.fail(f"body.txt line {n} is {where} the original: {line[:60]!r}")


@EACH_FINDING
def test_quote_stands_at_its_locator(name, fid):
    c = PROJECTS[name]
    f = c.findings[fid]
    loc = f["locator"]
    lines = body_lines(_body(c, c.finding_source[fid]))
    assert 1 <= loc["para"] <= len(lines)
    assert lines[loc["para"] - 1][loc["start"]:loc["end"]] == f["quote"]


@PROJECT
def test_finding_ids_are_unique_across_files(name):
    ids = [f["id"] for fs in PROJECTS[name].findings_by_source.values() for f in fs]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert ids and not dupes


@EACH_FIGURE
def test_figure_findings_carry_structured_figures(name, fid):
    figures = PROJECTS[name].findings[fid].get("figures") or []
    assert figures
    for fig in figures:
        assert isinstance(fig["value"], (int, float))
        assert fig["entity"]["en"].strip() and fig["entity"]["zh"].strip()
        # a unit is words in both languages, or a code: % or an ISO 4217 currency code
        unit = fig["unit"]
        assert (isinstance(unit, str) and re.fullmatch(r"%|[A-Z]{3}", unit)) or (unit["en"].strip() and unit["zh"].strip())
        if fig.get("measure") is not None:
            assert fig["measure"]["en"].strip() and fig["measure"]["zh"].strip()
        assert fig.get("qualifier") in (None, "more_than", "at_least", "about", "up_to", "less_than")


@PROJECT
def test_every_stance_is_a_position_of_stances_yaml(name):
    c = PROJECTS[name]
    axes = load_yaml(c.root / "seeds" / "stances.yaml")["axes"]
    positions = {pos for axis in axes.values() for pos in axis["positions"]}
    used = {f.get("stance") for f in c.findings.values()} - {None}
    assert used <= positions, used - positions


@PROJECT
def test_check_passes(run_brief, project_root, name):
    # The fixture project has no templates of its own: it is checked with the repo's, as the tests use it.
    root = ROOT if name == "shipped" else project_root
    r = run_brief("--project", root, "check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    c = PROJECTS[name]
    assert r.stdout.strip().splitlines()[-1] == (f"ok: {len(c.sources)} sources, {len(c.findings)} findings, "
                                                 f"{len(c.topics)} topics")


# ---- listings agree with the YAML ----------------------------------------------------------


@pytest.fixture(scope="module")
def listing(run_brief, project_root):
    """`brief --project P ARGS --json`, parsed, cached per project and arguments."""
    cache: dict = {}

    def get(name: str, *args: str):
        if (name, args) not in cache:
            root = ROOT if name == "shipped" else project_root
            r = run_brief("--project", root, *args, "--json")
            assert r.returncode == 0, r.stderr
            cache[name, args] = json.loads(r.stdout)
        return cache[name, args]

    return get


@PROJECT
def test_topics_json_lists_every_topic_file(listing, name):
    assert sorted(t["id"] for t in listing(name, "topics")) == sorted(PROJECTS[name].topics)


@EACH_SOURCE
def test_sources_json_matches_source_yaml(listing, name, sid):
    c = PROJECTS[name]
    row = next(r for r in listing(name, "sources") if r["id"] == sid)
    assert row["findings"] == len(c.findings_by_source.get(sid, []))
    assert row["url"] == c.sources[sid]["url"]


@pytest.mark.parametrize("name,tid", [_param(n, t) for n, c in PROJECTS.items() for t in sorted(c.topics)])
def test_topic_listing_counts_what_its_selector_takes(listing, name, tid):
    """`brief topics` and `brief findings --topic` agree with the topic file's selector."""
    c = PROJECTS[name]
    chosen = c.selected(tid)
    assert chosen, f"{tid} selects nothing"
    row = next(t for t in listing(name, "topics") if t["id"] == tid)
    assert row["findings"] == len(chosen)
    assert row["sources"] == len({c.finding_source[f] for f in chosen})
    assert row["title"] == c.topics[tid]["title"]["en"]
    rows = listing(name, "findings", "--topic", tid)
    assert sorted(r["id"] for r in rows) == sorted(chosen)


# ---- the fixture project holds what the behaviour tests rely on -------------------------------


def test_fixture_project_covers_what_the_behaviour_tests_need():
    """If the fixture is trimmed, behaviour tests would pass without exercising these cases."""
    c = PROJECTS["fixture"]
    sources = c.sources.values()
    assert {"zh", "en"} <= {s["language"] for s in sources}
    assert any(s["primary_source"] and s["primary_source"]["named"] for s in sources)
    assert any(s["primary_source"] and not s["primary_source"]["named"] for s in sources)
    assert any(s["published"] is None for s in sources) and any(s["author"] is None for s in sources)
    assert any(s["title_supplied"] for s in sources) and any(s["url"] for s in sources)
    assert len({s["reliability"]["grade"] for s in sources}) >= 3
    assert {"fact", "figure", "judgment", "recommendation"} == {f["kind"] for f in c.findings.values()}
    assert any(g.get("as_of") for f in c.findings.values() for g in f.get("figures") or [])
    assert any(not g.get("as_of") for f in c.findings.values() for g in f.get("figures") or [])
    assert any(f.get("contradicts") for f in c.findings.values())
    axes = load_yaml(c.root / "seeds" / "stances.yaml")["axes"]
    held = {f.get("stance") for f in c.findings.values()}
    assert all(set(axis["positions"]) <= held for axis in axes.values())  # both sides of every debate
    for tid, topic in c.topics.items():
        assert topic.get("key_findings") and topic["bottom_line"] and topic["key_judgments"], tid
    assert any(topic.get("charts") for topic in c.topics.values())
    assert len({topic.get("tlp", "TLP:CLEAR") for topic in c.topics.values()}) >= 2
