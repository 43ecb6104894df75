"""Fixtures: the repo, sample projects to break, a CLI runner and briefs generated once per session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import ROOT, Corpus, copy_project, run_brief as _run_brief


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def run_brief():
    """`run_brief(*args, cwd=None, env=None)` -> CompletedProcess of `python -m brief ARGS`."""
    return _run_brief


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """The repo's corpus, read straight from its YAML files (not through the code under test)."""
    return Corpus(ROOT)


@pytest.fixture(scope="session")
def topic_ids(corpus) -> list[str]:
    return sorted(corpus.topics)


@pytest.fixture
def sample_project(tmp_path) -> Path:
    """A copy of the repo's seeds/, briefs/ and templates/ in a temporary directory."""
    return copy_project(tmp_path / "project")


@dataclass
class Generated:
    """Briefs generated once for the whole session from the repo's project."""

    out: Path
    all_en: object  # CompletedProcess of `generate --all` (en, docx+pdf)
    zh: object      # CompletedProcess of `generate --topic sovereign-ai --lang zh`

    def path(self, topic: str, lang: str, fmt: str) -> Path:
        return self.out / f"{topic}.{lang}.{fmt}"


ZH_TOPIC = "sovereign-ai"


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Generated:
    out = tmp_path_factory.mktemp("briefs")
    all_en = _run_brief("--project", ROOT, "generate", "--all", "--out", out)
    assert all_en.returncode == 0, all_en.stderr
    zh = _run_brief("--project", ROOT, "generate", "--topic", ZH_TOPIC, "--lang", "zh", "--out", out)
    assert zh.returncode == 0, zh.stderr
    return Generated(out, all_en, zh)


@pytest.fixture(scope="session")
def pdf_text(generated):
    """pdftotext of a generated brief's page frames (no page furniture), cached: pdf_text(topic, lang)."""
    from helpers import pdf_body_text

    cache: dict = {}

    def get(topic: str, lang: str) -> str:
        key = (topic, lang)
        if key not in cache:
            cache[key] = pdf_body_text(generated.path(topic, lang, "pdf"))
        return cache[key]

    return get
