"""Golden files: for each template and language, the Markdown the template renders for one topic
of the fixture project, and a readable dump of the document model it parses to:

    tests/fixtures/golden/<template>.<lang>.md          (compose: the template's output)
    tests/fixtures/golden/<template>.<lang>.model.txt   (parse + citations + charts: brief.model.dump)

A change in a template, the UI strings, the composer or the parser shows up here as a unified
diff. When the change is intended, rewrite the files and review them in `git diff`:

    BRIEF_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

(a rewriting run fails, naming what it rewrote, so that it never passes unnoticed).
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

from conftest import BUILD_EPOCH, CONTESTED_TOPIC, LANGS, TEMPLATES
from helpers import FIXTURES

GOLDEN = FIXTURES / "golden"
# The fixture topic with charts, contradiction pairs, stances and figures, so that each template
# shows every kind of block it can produce.
TOPIC = CONTESTED_TOPIC
UPDATE = os.environ.get("BRIEF_UPDATE_GOLDEN") == "1"
CASES = [(template, lang) for template in TEMPLATES for lang in LANGS]
CASE_IDS = [f"{template}.{lang}" for template, lang in CASES]


def stable_dump(text: str) -> str:
    """The model dump without what changes with every release: the tool's version (blanked).
    meta.corpus_sha256 stays: it depends only on the fixture project's seeds/."""
    text, n = re.subn(r"(?m)^meta\.tool_version: .*$", "meta.tool_version: <blanked: changes with every release>", text)
    assert n == 1, "expected one meta.tool_version line in the model dump"
    return text if text.endswith("\n") else text + "\n"


@pytest.fixture(scope="module")
def project(project_root):
    from brief.corpus.load import load_project

    return load_project(project_root)


@pytest.fixture
def composed(project, monkeypatch):
    """compose(template, lang) -> (markdown, model dump), built on 14 November 2023."""
    from brief.build import compose_document
    from brief.model import dump

    monkeypatch.setenv("SOURCE_DATE_EPOCH", BUILD_EPOCH)

    def compose(template: str, lang: str) -> tuple[str, str]:
        built = compose_document(project, TOPIC, lang, template)
        return built.markdown, stable_dump(dump(built.document))

    return compose


def compare(path: Path, actual: str) -> None:
    """`actual` equals the golden file, or fail with a unified diff (or rewrite it when updating)."""
    expected = path.read_text(encoding="utf-8") if path.exists() else None
    if actual == expected:
        return
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        pytest.fail(f"rewrote {path.relative_to(FIXTURES.parent.parent)}; review it with git diff, then run "
                    "the tests again without BRIEF_UPDATE_GOLDEN")
    if expected is None:
        pytest.fail(f"{path} is missing; create it with BRIEF_UPDATE_GOLDEN=1")
    diff = difflib.unified_diff(expected.splitlines(keepends=True), actual.splitlines(keepends=True),
                                fromfile=f"{path.name} (golden)", tofile=f"{path.name} (now)")
    pytest.fail(f"{path.name} differs from its golden file (if intended: BRIEF_UPDATE_GOLDEN=1):\n"
                + "".join(diff), pytrace=False)


@pytest.mark.parametrize("template,lang", CASES, ids=CASE_IDS)
def test_rendered_markdown_matches_golden(composed, template, lang):
    markdown, _ = composed(template, lang)
    compare(GOLDEN / f"{template}.{lang}.md", markdown)


@pytest.mark.parametrize("template,lang", CASES, ids=CASE_IDS)
def test_document_model_matches_golden(composed, template, lang):
    _, model = composed(template, lang)
    compare(GOLDEN / f"{template}.{lang}.model.txt", model)


def test_golden_files_hold_nothing_machine_dependent():
    """No temporary or home paths, no host names: the same files on every machine."""
    files = sorted(GOLDEN.glob("*"))
    assert {p.name for p in files} == {f"{t}.{lang}.{kind}" for t, lang in CASES for kind in ("md", "model.txt")}
    for p in files:
        text = p.read_text(encoding="utf-8")
        assert not re.search(r"/tmp/|/home/|/root/|pytest-of-|\\\\Users\\\\", text), p.name
        # the build date is the one SOURCE_DATE_EPOCH gives, not today's
        assert ("14 November 2023" if ".en." in p.name else "2023年11月14日") in text, p.name
