"""Numbers: a claim's numbers must be in its quote (brief.corpus.numbers)."""

from __future__ import annotations


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
