"""The shipped briefs: every topic of the repo's own corpus builds in both languages, each brief
carries its own title, and its references list exactly the sources it cites.

All marked `corpus`. What they expect (topic ids, titles, languages, cited sources) is read from
seeds/ and briefs/, so a legitimate extension of the corpus leaves them passing. How briefs look
and behave is tested on the fixture project (test_output, test_standards, test_publication).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from conftest import BUILD_EPOCH, LANGS
from helpers import (
    ROOT,
    Corpus,
    brief_files,
    docx_body,
    docx_part,
    entry_source,
    files_under,
    header_title,
    is_shortened,
    page_margins,
    reference_title,
    split_sections,
    ws,
)

pytestmark = pytest.mark.corpus

SHIPPED = Corpus(ROOT)
BRIEFS = [(t, lang) for t in sorted(SHIPPED.topics) for lang in LANGS]
BRIEF_IDS = [f"{t}.{lang}" for t, lang in BRIEFS]


@pytest.fixture(scope="module")
def shipped_briefs(run_brief, tmp_path_factory):
    """`brief generate --all` of the repo's project, in English and in Chinese, into one directory."""
    out = tmp_path_factory.mktemp("shipped")
    runs = [run_brief("--project", ROOT, "generate", "--all", "--lang", lang, "--out", out,
                      env={"SOURCE_DATE_EPOCH": BUILD_EPOCH}) for lang in LANGS]
    return out, runs


def test_every_shipped_topic_builds_in_both_languages(shipped_briefs):
    out, runs = shipped_briefs
    for r in runs:
        assert r.returncode == 0, r.stdout + r.stderr
        assert "Traceback" not in r.stderr
    expected = sorted(f"{t}.{lang}.{fmt}" for t in SHIPPED.topics for lang in LANGS for fmt in ("docx", "pdf"))
    assert SHIPPED.topics and sorted(p.name for p in brief_files(out)) == expected
    assert all(p.stat().st_size > 0 for p in brief_files(out))
    assert not [p for p in files_under(out) if p.name.startswith(".") or p.suffix == ".tmp"]


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_shipped_brief_carries_its_title(shipped_briefs, topic, lang):
    """The DOCX title property, and the PDF's running header on every page: the title, or a long
    one shortened with an ellipsis, then the topic's marking."""
    out, _ = shipped_briefs
    title = SHIPPED.topics[topic]["title"][lang]
    core = docx_part(out / f"{topic}.{lang}.docx", "docProps/core.xml")
    shown = ET.fromstring(core).find("{http://purl.org/dc/elements/1.1/}title")
    assert shown is not None and shown.text == title
    tlp = SHIPPED.topics[topic].get("tlp", "TLP:CLEAR")
    for n, (head, _) in enumerate(page_margins(out / f"{topic}.{lang}.pdf"), 1):
        text = header_title(head, tlp)
        assert text == ws(title) or is_shortened(text, ws(title)), (n, head)


@pytest.mark.parametrize("topic,lang", BRIEFS, ids=BRIEF_IDS)
def test_shipped_brief_references_exactly_its_cited_sources(shipped_briefs, topic, lang):
    """One entry per cited source (those of the selection and of the other sides of its contested
    pairs), each naming the source as its language requires, with its URL and grade."""
    out, _ = shipped_briefs
    _, notes, refs = split_sections(docx_body(out / f"{topic}.{lang}.docx"), lang)
    listed = [entry_source(r, SHIPPED) for r in refs]
    assert len(listed) == len(set(listed)) == len(notes)
    assert set(listed) == SHIPPED.cited_sources(topic)
    for entry, sid in zip(refs, listed):
        s = SHIPPED.sources[sid]
        assert reference_title(s, lang).casefold() in entry.casefold(), entry
        if s["url"]:
            assert s["url"] in entry, entry
        grade = f"[{s['reliability']['grade']}]"  # after a space, or straight after Chinese full stop
        assert entry.endswith(" " + grade) or entry.endswith("。" + grade), entry
