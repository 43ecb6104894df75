"""Fixtures: the fixture project (shared read-only, or a fresh copy to break), a CLI runner, briefs
generated once per session, and the repo's shipped corpus for the tests marked `corpus`.

Two kinds of tests live here:

- behaviour tests build on the hand-made project in tests/fixtures/project (with the repo's
  templates): what they expect is written for that project, so growing the shipped corpus
  never breaks them;
- tests marked `corpus` check the repo's own seeds/ and briefs/ and read every expectation
  (counts, languages, titles, topic ids) from those files. `pytest -m corpus` runs only them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import FIXTURE_PROJECT, ROOT, Corpus, copy_project, run_brief as _run_brief

# Topics of the fixture project (tests/fixtures/project/briefs/), named for what tests need of them.
ZH_TOPIC = "sovereign-compute"     # Chinese and English sources, grades B to E: the default topic
CONTESTED_TOPIC = "compute-divide"  # charts, four contradiction pairs, both positions of the ai-gap axis
LONG_TITLE_TOPIC = "gap-debate"     # a title too long for the running header; TLP:GREEN
# The build date of the session's briefs (SOURCE_DATE_EPOCH): 2023-11-14 UTC.
BUILD_EPOCH = "1700000000"
TEMPLATES = ("brief", "one-pager", "fact-sheet")
LANGS = ("en", "zh")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "corpus: checks the repo's shipped corpus (seeds/, briefs/), reading its expectations from those "
        "files; run alone with -m corpus")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def run_brief():
    """`run_brief(*args, cwd=None, env=None)` -> CompletedProcess of `python -m brief ARGS`."""
    return _run_brief


@pytest.fixture(scope="session")
def project_root(tmp_path_factory) -> Path:
    """The fixture project with the repo's templates, assembled once. Read-only: a test that
    edits files uses `sample_project` instead."""
    return copy_project(tmp_path_factory.mktemp("fixture") / "project")


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    """The fixture project's corpus, read straight from its YAML files (not through the code under test)."""
    return Corpus(FIXTURE_PROJECT)


@pytest.fixture(scope="session")
def shipped() -> Corpus:
    """The repo's shipped corpus, read straight from its YAML files (for tests marked `corpus`)."""
    return Corpus(ROOT)


@pytest.fixture(scope="session")
def topic_ids(corpus) -> list[str]:
    return sorted(corpus.topics)


@pytest.fixture
def sample_project(tmp_path) -> Path:
    """A fresh copy of the fixture project (with the repo's templates), to edit and break."""
    return copy_project(tmp_path / "project")


@dataclass
class Generated:
    """Briefs generated once for the whole session from the fixture project, all into one directory."""

    out: Path
    all_en: object  # CompletedProcess of `generate --all` (en, docx+pdf)
    zh: object      # CompletedProcess of `generate --all --lang zh`

    def path(self, topic: str, lang: str, fmt: str) -> Path:
        return self.out / f"{topic}.{lang}.{fmt}"


@pytest.fixture(scope="session")
def builds_dir(tmp_path_factory) -> Path:
    """Where the session's briefs are built: one directory for the whole run, shared by the
    pytest-xdist workers (each set is built by the first worker that needs it, under a lock)."""
    uid = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not uid:
        return tmp_path_factory.mktemp("builds")
    root = tmp_path_factory.getbasetemp().parent / f"builds-{uid}"
    root.mkdir(exist_ok=True)
    return root


def _once(builds_dir: Path, name: str, build) -> list:
    """Run `build()` once for the whole test run (whichever worker comes first); its result (a
    list of CompletedProcess) is kept beside the builds for the other workers."""
    import fcntl
    import json
    import subprocess

    with open(builds_dir / f".{name}.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        done = builds_dir / f".{name}.done.json"
        if done.is_file():
            return [subprocess.CompletedProcess(a, rc, out, err) for a, rc, out, err in json.loads(done.read_text())]
        results = build()
        done.write_text(json.dumps([[r.args, r.returncode, r.stdout, r.stderr] for r in results]))
        return results


@pytest.fixture(scope="session")
def generated(project_root, builds_dir) -> Generated:
    """Every fixture topic with its own template (`brief`), in English and Chinese, DOCX and PDF."""
    out = builds_dir / "brief"
    env = {"SOURCE_DATE_EPOCH": BUILD_EPOCH}

    def build():
        return [_run_brief("--project", project_root, "generate", "--all", "--out", out, env=env),
                _run_brief("--project", project_root, "generate", "--all", "--lang", "zh", "--out", out, env=env)]

    all_en, zh = _once(builds_dir, "generated", build)
    assert all_en.returncode == 0, all_en.stderr
    assert zh.returncode == 0, zh.stderr
    return Generated(out, all_en, zh)


@pytest.fixture(scope="session")
def built(generated, project_root, builds_dir) -> Path:
    """Every fixture topic in both languages with each of the three templates: built/<template>/.
    The `brief` ones are the `generated` briefs, not built again."""
    env = {"SOURCE_DATE_EPOCH": BUILD_EPOCH}
    assert generated.out == builds_dir / "brief"

    def build():
        return [_run_brief("--project", project_root, "generate", "--all", "--lang", lang, "--template", template,
                           "--out", builds_dir / template, env=env) for template in TEMPLATES[1:] for lang in LANGS]

    for r in _once(builds_dir, "built", build):
        assert r.returncode == 0, r.stderr
    return builds_dir


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
