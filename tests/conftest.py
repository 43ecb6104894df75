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
    """Briefs generated once for the whole session from the repo's project, all into one directory."""

    out: Path
    all_en: object  # CompletedProcess of `generate --all` (en, docx+pdf)
    zh: object      # CompletedProcess of `generate --all --lang zh`

    def path(self, topic: str, lang: str, fmt: str) -> Path:
        return self.out / f"{topic}.{lang}.{fmt}"


ZH_TOPIC = "sovereign-ai"
# The build date of the session's briefs (SOURCE_DATE_EPOCH): 2023-11-14 UTC.
BUILD_EPOCH = "1700000000"


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Generated:
    out = tmp_path_factory.mktemp("briefs")
    env = {"SOURCE_DATE_EPOCH": BUILD_EPOCH}
    all_en = _run_brief("--project", ROOT, "generate", "--all", "--out", out, env=env)
    assert all_en.returncode == 0, all_en.stderr
    zh = _run_brief("--project", ROOT, "generate", "--all", "--lang", "zh", "--out", out, env=env)
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


@pytest.fixture(scope="session")
def pdf_raw_text(generated):
    """Like pdf_text, in content-stream order (pdftotext -raw): side-by-side cells read one after
    the other, as the DOCX holds them."""
    from helpers import pdf_body_text

    cache: dict = {}

    def get(topic: str, lang: str) -> str:
        key = (topic, lang)
        if key not in cache:
            cache[key] = pdf_body_text(generated.path(topic, lang, "pdf"), raw=True)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def docx_body_of(generated):
    """Paragraphs of a generated DOCX in body order, table cells included, cached: docx_body_of(topic, lang)."""
    from helpers import docx_body

    cache: dict = {}

    def get(topic: str, lang: str):
        key = (topic, lang)
        if key not in cache:
            cache[key] = docx_body(generated.path(topic, lang, "docx"))
        return cache[key]

    return get
