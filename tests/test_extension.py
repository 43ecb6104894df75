"""Growing the shipped corpus must not break `make test`.

Behaviour tests build on the fixture project (tests/fixtures/project), so they never read the
shipped corpus. What reads it are the tests marked `corpus`: they must take every expectation
(counts, languages, titles, topic ids, findings per topic) from the corpus itself, and hold no
rule the product does not state. Running those tests against an extended corpus is therefore what
shows whether an analyst can grow the corpus without breaking the suite: a count, a language or a
title written into one of them would fail there.

So this test extends a copy of the repo the way an analyst would (an English-language source with
four findings, one of them a figure, and a new topic that selects them), checks that `brief check`
accepts the extension, and runs the corpus tests against the copy in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from helpers import ROOT, Corpus, add_source, copy_repo_project

NESTED = "BRIEF_EXTENSION_NESTED"  # set in the nested run, where this test must not run again
SOURCE_ID = "example-renting-compute"
TOPIC_ID = "compute-rental"
BODY = [
    "Renting Compute Across Borders",
    "R. Example, Example Institute, May 2024. Available at https://example.org/reports/renting-compute-across-borders",
    "This text is invented for a software test and reports no real data.",
    "In 2024, researchers in 40 countries rented more than 60% of their AI compute from providers abroad.",
    "Cross-border rental contracts usually require data to be stored in the provider's jurisdiction.",
    "Rental costs are likely to remain the main barrier for university laboratories in smaller economies.",
    "Funding agencies should pool their compute purchases to negotiate lower rental prices.",
]
SOURCE = {
    "title": "Renting Compute Across Borders", "title_supplied": False, "title_en": "Renting Compute Across Borders",
    "publisher": "Example Institute", "author": "R. Example", "published": "2024-05", "accessed": None,
    "url": "https://example.org/reports/renting-compute-across-borders", "language": "en", "source_type": "report",
    "primary_source": None,
    "reliability": {"grade": "B", "rationale": {"en": "A dated report by a named author at a named institute.",
                                                 "zh": "该报告有署名作者、署名机构和发布日期。"}},
    "caveats": [{"en": "The text says it is invented for a software test.", "zh": "该文本自称是为软件测试编写的虚构文本。"}],
    "notes": "Invented English text, added by tests/test_extension.py.",
}


def _finding(fid: str, kind: str, para: int, quote: str, en: str, zh: str, credibility: int, **extra) -> dict:
    line = BODY[para - 1]
    start = line.index(quote)
    return {"id": fid, "kind": kind, "credibility": credibility, "topics": [TOPIC_ID], "quote": quote,
            "locator": {"para": para, "start": start, "end": start + len(quote)}, "claim": {"en": en, "zh": zh},
            **extra}


FINDINGS = [
    _finding("erc-rented-abroad-2024", "figure", 4, BODY[3],
             "In 2024 researchers in 40 countries rented more than 60% of their AI compute from providers abroad.",
             "2024年，40个国家的研究人员有60%以上的AI算力租自国外服务商。", 2,
             figures=[{"value": 60, "qualifier": "more_than", "unit": "%",
                       "measure": {"en": "of AI compute rented abroad", "zh": "AI算力租自国外"},
                       "entity": {"en": "researchers in 40 countries", "zh": "40个国家的研究人员"}, "as_of": "2024"}]),
    _finding("erc-data-stays-with-provider", "fact", 5, BODY[4],
             "Cross-border rental contracts usually require data to be stored in the provider's jurisdiction.",
             "跨境租用合同通常要求数据存放在服务商所在的司法管辖区。", 2),
    _finding("erc-costs-main-barrier", "judgment", 6, BODY[5],
             "The report judges it likely that rental costs remain the main barrier for university laboratories "
             "in smaller economies.",
             "报告认为，租用费用很可能仍是较小经济体大学实验室面临的主要障碍。", 3),
    _finding("erc-pool-purchases", "recommendation", 7, BODY[6],
             "The report recommends that funding agencies pool their compute purchases to negotiate lower rental prices.",
             "报告建议资助机构联合采购算力，以争取更低的租用价格。", 6),
]
TOPIC = {
    "id": TOPIC_ID,
    "title": {"en": "Renting compute across borders: what researchers in smaller economies pay for AI computing "
                    "power, and what they give up for it",
              "zh": "跨境租用算力：较小经济体的研究人员为人工智能算力付出的代价，以及他们为此让渡的数据与自主权"},
    "question": {"en": "How do researchers without compute of their own get it, and on what terms?",
                 "zh": "缺乏自有算力的研究人员如何获得算力，条件如何？"},
    "template": "brief",
    "tlp": "TLP:GREEN",
    "select": {"topics": [TOPIC_ID]},
    "bottom_line": [{"en": "One report finds that researchers in 40 countries rent more than 60% of their AI compute "
                           "abroad, usually with their data stored in the provider's jurisdiction.",
                     "zh": "有报告称，40个国家的研究人员有60%以上的AI算力租自国外，且数据通常存放在服务商所在的司法管辖区。",
                     "cites": ["erc-rented-abroad-2024", "erc-data-stays-with-provider"]}],
    "key_judgments": [
        {"en": "Rental costs are likely to stay the main barrier for smaller laboratories.",
         "zh": "租用费用可能仍是较小实验室的主要障碍。", "cites": ["erc-costs-main-barrier"]},
        {"en": "Pooled purchasing is likely to lower prices only where funding agencies coordinate.",
         "zh": "只有在资助机构相互协调的情况下，联合采购才可能压低价格。", "cites": ["erc-pool-purchases"]},
    ],
}


@pytest.mark.skipif(os.environ.get(NESTED) == "1", reason="inside the extension test's own run of the corpus tests")
def test_an_extended_corpus_passes_check_and_the_corpus_tests(run_brief, tmp_path):
    copy = copy_repo_project(tmp_path / "repo", tests=True)
    add_source(copy, {**SOURCE, "id": SOURCE_ID}, BODY, FINDINGS)
    dump = dict(allow_unicode=True, sort_keys=False)
    (copy / "briefs" / f"{TOPIC_ID}.yaml").write_text(yaml.safe_dump(TOPIC, **dump), encoding="utf-8")
    before, after = Corpus(ROOT), Corpus(copy)
    assert set(after.sources) - set(before.sources) == {SOURCE_ID}
    assert set(after.topics) - set(before.topics) == {TOPIC_ID}
    assert sorted(after.selected(TOPIC_ID)) == sorted(f["id"] for f in FINDINGS)

    r = run_brief("--project", copy, "check")
    assert r.returncode == 0, r.stdout + r.stderr

    env = dict(os.environ, **{NESTED: "1"})
    env.pop("PYTEST_ADDOPTS", None)
    nested = subprocess.run([sys.executable, "-m", "pytest", str(copy / "tests"), "-m", "corpus", "-q", "-rfEp",
                             "-p", "no:cacheprovider"],
                            cwd=copy, env=env, capture_output=True, text=True, encoding="utf-8", timeout=600)
    report = nested.stdout[-6000:] + nested.stderr[-3000:]
    assert nested.returncode == 0, report
    passed = [ln for ln in nested.stdout.splitlines() if ln.startswith("PASSED ")]
    # They ran, and on the extended corpus: tests named after the new source and topic passed.
    assert any(SOURCE_ID in ln for ln in passed) and any(TOPIC_ID in ln for ln in passed), report
    assert not [ln for ln in nested.stdout.splitlines() if ln.startswith(("FAILED ", "ERROR "))], report
