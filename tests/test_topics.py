"""Topics are data: adding one to the fixture project is adding one file (listings of every topic
against its YAML: tests/test_corpus.py)."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers import FIXTURES, Corpus, brief_files, copy_project

NEW_TOPIC = "export-controls"


@pytest.fixture(scope="module")
def new_topic_project(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("new-topic") / "project")
    assert NEW_TOPIC not in Corpus(project).topics
    shutil.copy(FIXTURES / f"{NEW_TOPIC}.yaml", project / "briefs" / f"{NEW_TOPIC}.yaml")
    return project


def test_new_topic_passes_check(run_brief, new_topic_project):
    r = run_brief("--project", new_topic_project, "check")
    assert r.returncode == 0, r.stdout + r.stderr


def test_new_topic_is_listed_with_its_selection(run_brief, new_topic_project):
    r = run_brief("--project", new_topic_project, "topics", "--json")
    assert r.returncode == 0, r.stderr
    rows = {t["id"]: t for t in json.loads(r.stdout)}
    assert NEW_TOPIC in rows
    corpus = Corpus(new_topic_project)
    chosen = corpus.selected(NEW_TOPIC)
    assert rows[NEW_TOPIC]["findings"] == len(chosen)
    assert rows[NEW_TOPIC]["sources"] == len({corpus.finding_source[f] for f in chosen})
    assert rows[NEW_TOPIC]["title"] == corpus.topics[NEW_TOPIC]["title"]["en"]


def test_new_topic_generates_both_files(run_brief, new_topic_project, tmp_path):
    out = tmp_path / "out"
    r = run_brief("--project", new_topic_project, "generate", "--topic", NEW_TOPIC, "--out", out)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in brief_files(out)] == [f"{NEW_TOPIC}.en.docx", f"{NEW_TOPIC}.en.pdf"]
    assert all(p.stat().st_size > 0 for p in brief_files(out))


def test_new_topic_selection_honours_kinds(run_brief, new_topic_project):
    r = run_brief("--project", new_topic_project, "findings", "--topic", NEW_TOPIC, "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    kinds = set(Corpus(new_topic_project).topics[NEW_TOPIC]["select"]["kinds"])
    assert rows and {row["kind"] for row in rows} <= kinds
