"""Numbers are compared by value, however they are written: digits, English number words, Chinese
numerals, fractions, percentages and months (brief.corpus.numbers).

Each row of CASES is a claim, a quote, and the claim's numbers the quote must be found to lack
([] when the pair passes).
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from brief.corpus.numbers import missing_numbers, numbers, value_in

CASES = [
    # -- the examples --------------------------------------------------------------------
    ("Six countries signed the accord.", "五个国家签署了协议。", ["Six"]),
    ("The plan runs for four years.", "该计划为期三年。", ["four"]),
    ("The plan runs for three years.", "该计划为期三年。", []),
    ("About two thousand firms applied.", "众多企业提出了申请。", ["two thousand"]),
    ("About 1,000 engineers joined.", "About one thousand engineers joined.", []),
    ("该规定于2026年1月生效。", "The rule takes effect in January 2026.", []),
    ("The rule takes effect in January 2026.", "该规定于2026年1月生效。", []),
    # -- English number words --------------------------------------------------------------------
    ("forty-five data centres", "45座数据中心", []),
    ("thirty two firms", "三十二家企业", []),
    ("one hundred and twenty projects", "一百二十个项目", []),
    ("two thousand firms", "两千家企业", []),
    ("seven laboratories", "六个实验室", ["seven"]),
    ("3.5 million users", "350万用户", []),
    ("half a million users", "50万用户", []),
    ("two and a half billion yuan", "25亿元", []),
    ("a dozen providers", "十二家供应商", []),
    ("a dozen providers", "十家供应商", ["a dozen"]),
    ("dozens of providers", "数十家供应商", []),  # vague: no number to check
    ("one million users", "一百万用户", []),
    ("one million users", "十万用户", ["one million"]),
    # -- "one", "a" and ordinals are not quantities to check ----------------------------------------
    ("Huawei is one of the largest suppliers.", "华为是最大的供应商之一。", []),
    ("One source says that a single firm dominates.", "该市场由英伟达主导。", []),
    ("a first-mover advantage; the US ranked first and China second", "美国、中国位列前两名", []),
    ("the twenty-first century", "本世纪", []),
    ("a third party", "第三方机构", []),
    # -- fractions -------------------------------------------------------------------------------
    ("a third of firms", "三分之一的企业", []),
    ("nearly two-thirds of the total", "占全球近三分之二", []),
    ("nearly two-thirds of the total", "占全球近一半", ["two-thirds"]),
    ("more than half of the world's data centres", "拥有全球超过一半的资料中心", []),
    ("half of the budget", "预算的50%", []),
    ("three quarters of the market", "75%的市场", []),
    ("全球一半以上的数据中心", "more than half of the world's data centres", []),
    ("三分之二", "two-thirds", []),
    # -- counts of sources are about the citations, not the quote -----------------------------------
    ("Two sources agree that dependence persists.", "仍有大量来自海外的技术。", []),
    ("Three see gaps narrowing, while one sees them widen.", "差距不断缩小。", []),
    ("两个来源均认为差距在缩小。", "差距不断缩小。", []),
    ("Two firms dominate the market.", "少数企业主导市场。", ["Two"]),
    ("美中两国企业运营了多数中心。", "多数中心由美中企业运营。", []),
    ("两国企业运营了多数中心。", "多数中心由美中企业运营。", ["两"]),
    # -- Chinese numerals --------------------------------------------------------------------------
    ("为期三年", "for three years", []),
    ("十二个国家", "12 countries", []),
    ("一百二十个项目", "120 projects", []),
    ("两千亿欧元", "€200 billion", []),
    ("2000亿欧元", "€200 billion", []),
    ("1.2万名工程师", "12,000 engineers", []),
    ("40亿美元", "US$4 billion", []),
    ("巴西投入逾40亿美元", "Brazil has announced more than US$4 billion", []),
    ("五座设施", "four facilities", ["五"]),
    ("效应十分明显", "效应非常明显", []),  # 十分 is "very"
    ("半导体产业", "chip industry", []),  # 半导体 is "semiconductor"
    ("一些国家", "several countries", []),
    ("“十四五”规划", "the 14th Five-Year Plan", []),
    ("二〇二六年", "in 2026", []),
    ("一年半", "18 months, or 1.5 years", []),
    # -- percentages -------------------------------------------------------------------------------
    ("a share of 32 percent", "占比32%", []),
    ("a share of 32 per cent", "占比百分之三十二", []),
    ("占比32％", "a share of 32%", []),
    ("占比百分之三十二", "a share of 32 percent", []),
    ("a share of 32%", "32个国家", ["32"]),  # a percentage needs a percentage
    ("32 countries", "占比32%", []),  # a bare number matches any form
    ("a share of 32 percent", "占比百分之二十三", ["32"]),
    ("thirty percent of chips", "三成芯片", []),
    ("a 5 percentage point rise", "上升5个百分点", []),
    # -- months and dates ---------------------------------------------------------------------------
    ("In April the United Nations warned", "今年4月联合国发出警告", []),
    ("In April the United Nations warned", "4个国家发出警告", ["April"]),
    ("in May 2024", "2024年5月", []),
    ("Prices may rise. May we add", "价格可能上涨", []),  # the verb, not the month
    ("March 2025", "2025年4月", ["March"]),
    ("十二月", "in December", []),
    ("on 2026-01-05", "2026年1月5日", []),
    # -- ranges and approximations compare each number -----------------------------------------------
    ("about 40 firms", "约40家企业", []),
    ("more than US$4 billion", "逾40亿美元", []),
    ("10% to 20%", "10%至20%", []),
    ("between 10 and 20 percent", "10%至25%", ["20"]),
    ("40多亿美元", "more than US$4 billion", []),
    ("十几个国家", "more than ten countries", []),
]


@pytest.mark.parametrize(("claim", "quote", "missing"), CASES, ids=[f"{i:02d}" for i in range(len(CASES))])
def test_claim_numbers_against_quote(claim, quote, missing):
    assert missing_numbers(claim, quote) == missing


def test_the_table_covers_passing_and_failing_pairs_in_both_languages():
    passing = [c for c in CASES if not c[2]]
    failing = [c for c in CASES if c[2]]
    chinese = [c for c in CASES if any("\u4e00" <= ch <= "\u9fff" for ch in c[0])]
    assert len(CASES) >= 40 and len(passing) >= 20 and len(failing) >= 10 and len(chinese) >= 15


def test_every_text_holds_its_own_numbers():
    for claim, quote, _ in CASES:
        assert missing_numbers(claim, claim) == [] and missing_numbers(quote, quote) == []


@pytest.mark.parametrize(("value", "quote", "found"), [
    (90, "全球90%以上的数据中心", True),
    (2e11, "欧盟已规划投资2000亿欧元", True),
    (4e9, "巴西已宣布投入逾40亿美元", True),
    (40, "巴西已宣布投入逾40亿美元", True),  # a magnitude also stands for its bare number
    (5, "旨在建设五座类似设施", True),
    (6, "旨在建设五座类似设施", False),
    (1000, "one thousand engineers", True),
    (0.5, "超过一半", True),
])
def test_figure_value_in_quote(value, quote, found):
    assert value_in(value, quote) is found


def test_numbers_reads_each_form_with_its_value():
    assert numbers("两千亿欧元、three quarters、百分之三十二") == [
        ("两千亿", 2e11), ("两千", 2000.0), ("three quarters", 0.75), ("百分之三十二", 32.0)]


def test_chinese_numeral_library_is_loaded_only_for_chinese_numerals():
    code = (
        "import sys\n"
        "from brief.corpus.numbers import missing_numbers\n"
        "assert missing_numbers('six of 1,000 firms', 'five of 1000 firms') == ['six']\n"
        "assert 'cn2an' not in sys.modules\n"
        "assert missing_numbers('三年', '3 years') == []\n"
        "assert 'cn2an' in sys.modules\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_checking_many_findings_stays_fast():
    # 20,000 distinct claims (each with its own quote): well under a second on a developer machine;
    # the bound leaves room for a loaded CI box.
    pairs = [(f"{claim} ({'bcdfg'[i % 5] * (i % 7 + 1)}{i:x})", f"{quote} ({i:x})")
             for i in range(20_000 // len(CASES) + 1) for claim, quote, _ in CASES]
    start = time.process_time()
    for claim, quote in pairs:
        missing_numbers(claim, quote)
    assert time.process_time() - start < 10


@pytest.mark.corpus
def test_shipped_project_passes_check(run_brief, repo_root):
    r = run_brief("--project", repo_root, "check")
    assert r.returncode == 0, r.stdout + r.stderr
