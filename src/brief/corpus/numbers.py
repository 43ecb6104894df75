"""Numbers in text, read as values, so a claim's numbers can be found in its quote.

A number is compared by its value, however it is written, on both sides: `600亿美元` and
"US$60 billion"; "1,000", "one thousand" and 一千; "two-thirds" and 三分之二; "32 percent",
"32 per cent", "32%", "32％" and 百分之三十二; "January 2026" and 2026年1月. Read are:

- digits, with thousands separators and full-width forms, a decimal part, and a magnitude
  (万, 亿, 万亿, 千万, …; hundred, thousand, million, billion, trillion, bn, mn, tn);
- English number words: zero to nineteen, the tens ("forty-five", "thirty two"), compounds with
  hundred/thousand/million/billion/trillion ("one hundred and twenty", "half a million"),
  "a dozen" (12, "two dozen" 24), fractions ("half", "a third of", "two thirds", "three quarters",
  "one and a half"). A small parser here reads them: the grammar is closed, and the check needs
  each number's span and its neighbours (an article, an ordinal suffix, "sources" after it);
- Chinese numerals, converted with cn2an (三, 十二, 两千, 一百二十, 两千亿, 三十二点五), fractions
  (三分之二, 半, 一半, 过半, 上半年), percentages (百分之三十二, 三成, 个百分点), years written in
  numerals (二〇二六年) and the five-year plans (十四五 is 14 and 5);
- months: January … December (and Jan., Feb. … next to a digit; "May" only mid-sentence or next
  to a digit, so the verb is not read), 1月 … 12月, 一月 … 十二月, and ISO dates (2026-01-05).

What a claim must find in its quote (`missing_numbers`), and what it need not:

- The value one in words is not checked: "one", "a", 一 stand for an article or a pronoun far
  more often than for a quantity ("one of the largest", "one source says", 一个复杂的问题,
  之一, 一些). "one million", "one third", "one and a half", "one percent" and the digit 1 are
  checked.
- Ordinals are not quantities and are not checked: "first", "second" (also a unit of time),
  "the third largest", "a third party", "twenty-first", 第三. Neither are vague counts
  ("dozens", "hundreds of", "tens of thousands", 数十, 几千; 十几 and 三十多 check the round 10
  and 30 they name), nor multiplicatives without a number ("twice", "double", "single", "once",
  翻一番; "three times" and 三倍 are 3).
- A count of the sources a sentence draws on is about its citations, not about what a quote
  says, and is not checked: "two sources", "two other sources", "three see gaps narrowing",
  "two agree" (a number from two to ten followed by "sources" or by a reporting verb), and
  两个来源. Neither is 两 in 中美两国 / 美中两大经济体, where the pair is named just before.
- A percentage needs a percentage of the same value in the quote: "32%" is not found in
  "32个国家". A bare number matches the same value in any form, percentage included (a figure
  with unit "percent" has the bare value 90, and "90%以上" holds it). Percentage points
  (个百分点, "percentage points") count as percentages.
- A month needs a month: "April" is found in 今年4月 but not in "4 countries". A bare 4 is
  found in 4月 (as before).
- A fraction matches the same value, or a percentage within half a point: "half" is found in
  一半 and in 50%, "two-thirds" in 三分之二 and in 67%.
- Years and durations are bare numbers: "four years" against 三年 fails (4 is not 3), "three
  years" passes. Ranges and approximations compare each number: "about 40", "10% to 20%",
  "more than US$4 billion" against 逾40亿美元 (4e9 = 4e9), 40多亿.
- In a quote, a magnitude also stands for its bare number ("40亿" holds 40 too), as before.

`missing_numbers` returns the claim's number texts as written (without a percent sign).
The regexes are compiled once (alternations factored by prefix), each text is read once (cached;
a quote serves its claims in both languages and its figures), each quote's values are indexed
for set look-ups, and cn2an is imported only when a Chinese numeral is met, its conversions cached.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

BARE, PERCENT, FRACTION, MONTH = "", "%", "fraction", "month"


class _Num(NamedTuple):
    start: int
    text: str
    value: float
    kind: str  # BARE, PERCENT, FRACTION or MONTH
    checked: bool  # must a claim find it in its quote (see the module docstring)


# ---- shared pieces ---------------------------------------------------------------------------

# Before NFKC: a full-width comma separates list items, not thousands ("100，200" is two numbers);
# traditional forms of the numerals fold to the simplified ones cn2an reads.
_PRE = str.maketrans({"，": "、", "兩": "两", "萬": "万", "億": "亿"})
_NEEDS_PRE = re.compile("[，兩萬億]")

_CN_DIGITS = "零〇一二两三四五六七八九"
_DIGIT_OF = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_CN_CHARS = _CN_DIGITS + "十百千万亿"
_CN_MAG = {"十": 10, "百": 100, "千": 1000, "万": 10**4, "亿": 10**8}
_EN_MAG = {"hundred": 100, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12,
           "bn": 10**9, "mn": 10**6, "tn": 10**12}

_PCT_AFTER = re.compile(r"\s*(?:%|percent\b|per\s?cent\b|percentage[\s-]+points?\b|个?百分点)", re.I)
# A count of sources: "two sources", "two other sources", "three see …", "two agree".
_EN_SOURCES = re.compile(
    r"(?:\s+(?:other|more|separate|independent|different|further|additional|cited|named|unnamed"
    r"|of\s+the|of\s+these|of\s+those))?\s+sources?\b"
    r"|\s+(?:see|say|judge|argue|report|note|agree|find|suggest|describe|warn|claim|credit|hold|expect"
    r"|assess|contend|maintain|believe|cite|relay|doubt|dispute|question|stress|conclude|emphasi[sz]e"
    r"|put|place|point|attribute|trace|link|concur|disagree|differ)\b",
    re.I,
)
_CN_SOURCES = re.compile(r"[多余]?(?:个|家|份|篇)?(?:不同|独立|其他|其它)?的?(?:消息来源|来源|信源)")
_PAIR = re.compile(r"[中美欧俄日印韩朝英法德澳加非]{2}$")


def _alternation(words) -> str:
    """A regex matching any of `words`, factored by common prefixes: far faster than a|b|c to try
    at every position of a text."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [re.escape(k) + emit(v) for k, v in sorted(node.items()) if k]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


def _is_source_count(text: str, end: int, value: float) -> bool:
    """Whether the number ending at `end` counts sources ("two sources", "three see", 两个来源)."""
    if not (2 <= value <= 10 and value == int(value)):
        return False
    return bool(_EN_SOURCES.match(text, end) or _CN_SOURCES.match(text, end))


class _Scan:
    """One text being read: the numbers found so far and the characters they cover."""

    def __init__(self, text: str):
        self.text = text
        self.taken = bytearray(len(text))
        self.out: list[_Num] = []

    def free(self, a: int, b: int) -> bool:
        return self.taken.find(1, a, b) == -1

    def take(self, a: int, b: int) -> None:
        self.taken[a:b] = b"\x01" * (b - a)

    def add(self, start: int, text: str, value: float, kind: str = BARE, checked: bool = True) -> None:
        self.out.append(_Num(start, text, float(value), kind, checked))


# ---- digits ----------------------------------------------------------------------------------

# Patterns start with what they match (no lookbehind first), so the scan skips ahead fast; the
# character before a match is checked in code.
_DIGIT_OR_DOT = frozenset("0123456789.")
_SPACE_OR_HYPHEN = re.compile(r"[\s-]+")
_ISO_DATE = re.compile(r"((?:19|20)\d\d)[-/](0[1-9]|1[0-2])(?:[-/]([0-3]?\d))?(?![\d.])")
_DIGITS = re.compile(
    r"(\d{1,3}(?:,\d{3})+(?![\d])|\d+)(\.\d+)?"
    r"(?:([多余]?[十百千万亿]+)"
    r"|\s*((?:hundred|thousand|million|billion|trillion)(?:[\s-]+(?:thousand|million|billion|trillion))*|bn|mn|tn)\b)?",
    re.I,
)


def _digits(s: _Scan) -> None:
    text = s.text
    for m in (_ISO_DATE.finditer(text) if ("-" in text or "/" in text) else ()):
        if text[m.start() - 1:m.start()] in _DIGIT_OR_DOT:
            continue
        s.take(m.start(), m.end())
        s.add(m.start(1), m.group(1), int(m.group(1)))
        s.add(m.start(2), m.group(2), int(m.group(2)), MONTH)
        if m.group(3):
            s.add(m.start(3), m.group(3), int(m.group(3)))
    taken, out = s.taken, s.out
    for m in _DIGITS.finditer(text):
        a, end = m.span()
        if taken.find(1, a, end) != -1 or (a and text[a - 1] in _DIGIT_OR_DOT):
            continue
        whole, dec, cnmag, enmag = m.groups()
        num = whole.replace(",", "") + dec if dec else whole.replace(",", "")
        base = float(num)
        mult = 1
        if cnmag:
            for c in cnmag:
                mult *= _CN_MAG.get(c, 1)
        elif enmag:
            for w in _SPACE_OR_HYPHEN.split(enmag.lower()):
                mult *= _EN_MAG[w]
        shown = text[a:end].rstrip()
        value = base * mult
        kind = BARE
        pct = _PCT_AFTER.match(text, end) if end < len(text) else None
        if pct:
            kind, end = PERCENT, pct.end()
        elif mult == 1 and not dec and text.startswith("月", end) and 1 <= base <= 12:
            kind, end = MONTH, end + 1
        taken[a:end] = b"\x01" * (end - a)
        out.append(_Num(a, shown, value, kind, not (2 <= value <= 10 and _is_source_count(text, end, value))))
        if mult != 1:
            # "40亿" also stands for the bare 40 (e.g. a unit elsewhere in the claim).
            out.append(_Num(a, whole + (dec or ""), base, BARE, False))


# ---- English number words --------------------------------------------------------------------

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_TENS = {w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)}
_FRACS = {"third": 3, "quarter": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10}
_FRAC_WORDS = {**_FRACS, **{w + "s": d for w, d in _FRACS.items()}, "fourths": 4, "halves": 2}
_CORE = _alternation([*_UNITS, *_TENS, "hundred", "thousand", "million", "billion", "trillion", "dozen", "half",
                      *_FRAC_WORDS])
# Matched on the lower-cased text (case-sensitive matching is much faster than re.I).
_EN = re.compile(rf"\b{_CORE}(?:[\s-]+(?:and[\s-]+)?(?:an?[\s-]+)?{_CORE})*\b")
_EN_I = re.compile(_EN.pattern, re.I)  # for the rare text whose lower-casing changes its length
_ARTICLE_BEFORE = re.compile(r"(?:^|(?<=[^a-z]))an?[\s-]+$", re.I)
_WORD = re.compile(r"[a-z]+", re.I)
_ORDINAL_AFTER = re.compile(r"-(?:first|second|fourth)\b", re.I)
_OF_OR_END = re.compile(r"\s+of\b|\s*(?:[^\w\s-]|$)")

_MONTHS = {m: i for i, m in enumerate("January February March April May June July August September "
                                      "October November December".split(), 1)}
_MONTH_ABBR = {m[:3]: i for m, i in _MONTHS.items() if m != "May"} | {"Sept": 9}
_DIGIT_NEXT = re.compile(r"\.?\s*\d")
_MONTH_RE = re.compile(
    rf"(?=[ADFJMNOS])\b(?:({_alternation(m for m in _MONTHS if m != 'May')})|(May)|({_alternation(_MONTH_ABBR)}))\b")

UNIT, TEEN, TENS, HUNDRED, MAG, DOZEN, HALF, FRAC, A, AND = range(10)


def _cls(w: str) -> int:
    if w in _UNITS:
        return UNIT if _UNITS[w] < 10 else TEEN
    if w in _TENS:
        return TENS
    if w == "hundred":
        return HUNDRED
    if w in _EN_MAG:
        return MAG
    if w == "dozen":
        return DOZEN
    if w == "half":
        return HALF
    if w in _FRAC_WORDS:
        return FRAC
    if w in ("a", "an"):
        return A
    return AND


def _words(s: _Scan) -> None:
    text = s.text
    low = text.lower()
    matches = _EN.finditer(low) if len(low) == len(text) else _EN_I.finditer(text)
    for m in matches:
        if not s.free(m.start(), m.end()):
            continue
        start = m.start()
        art = _ARTICLE_BEFORE.search(text, max(0, start - 4), start)  # "a thousand", "a third of"
        if art:
            start = art.start()
        toks = [(t.group(0).lower(), t.start(), t.end()) for t in _WORD.finditer(text, start, m.end())]
        _parse_words(s, toks)
    for m in _MONTH_RE.finditer(text):
        if not s.free(m.start(), m.end()):
            continue
        full, may, abbr = m.groups()
        digit_next = bool(_DIGIT_NEXT.match(text, m.end()))
        if may:
            before = text[:m.start()].rstrip()
            if not (digit_next or (before and before[-1] not in ".!?:;\"'“‘(")):
                continue
        if abbr and not (digit_next or text[:m.start()].rstrip()[-1:].isdigit()):
            continue
        value = _MONTHS[full or may] if (full or may) else _MONTH_ABBR[abbr]
        s.take(m.start(), m.end())
        s.add(m.start(), m.group(0), value, MONTH)


def _parse_words(s: _Scan, toks: list[tuple[str, int, int]]) -> None:
    """Read the numbers in one run of number words (a run may hold several: "two and three")."""
    text, n, i = s.text, len(toks), 0
    cls = [_cls(w) for w, _, _ in toks]

    def emit(first: int, last: int, value: float, kind: str, alone_one: bool = False) -> None:
        a, b = toks[first][1], toks[last][2]
        pct = _PCT_AFTER.match(text, b) if kind == BARE else None
        if pct:
            kind = PERCENT
        checked = not (alone_one and kind == BARE) and not _is_source_count(text, b, value)
        s.take(a, pct.end() if pct else b)
        s.add(a, text[a:b], value, kind, checked)

    while i < n:
        c = cls[i]
        nxt = cls[i + 1] if i + 1 < n else None
        if c == A:
            if nxt == HALF:  # "a half"
                emit(i, i + 1, 0.5, FRACTION)
                i += 2
            elif nxt == FRAC and toks[i + 1][0] in _FRACS:  # "a third of", not "a third party"
                if _OF_OR_END.match(text, toks[i + 1][2]):
                    emit(i, i + 1, 1 / _FRACS[toks[i + 1][0]], FRACTION)
                i += 2
            elif nxt in (HUNDRED, MAG, DOZEN):  # "a thousand", "a dozen"
                i = _cardinal(s, toks, cls, i, 1.0, UNIT, i + 1, emit)
            else:
                i += 1
        elif c == HALF:
            if i + 2 < n and nxt == A and cls[i + 2] in (HUNDRED, MAG, DOZEN):  # "half a million"
                emit(i, i + 2, 0.5 * (12 if cls[i + 2] == DOZEN else _EN_MAG[toks[i + 2][0]]), BARE)
                i += 3
            else:
                emit(i, i, 0.5, FRACTION)
                i += 1
        elif c in (UNIT, TEEN, TENS):
            first = toks[i][0]
            value = _UNITS.get(first, _TENS.get(first, 0))
            i = _cardinal(s, toks, cls, i, float(value), c, i + 1, emit)
        else:  # "and", a lone ordinal ("third"), a magnitude with no count ("per million")
            i += 1


def _cardinal(s: _Scan, toks, cls, first: int, cur: float, last: int, j: int, emit) -> int:
    """Read a cardinal from toks[first] on (its first value `cur`), emit it, return the next index."""
    n, total, kind, top = len(toks), 0.0, BARE, float("inf")
    while j < n:
        c, w = cls[j], toks[j][0]
        if c == UNIT and last == TENS:  # "forty-five", "thirty two"
            cur += _UNITS[w]
            last = UNIT
        elif c in (UNIT, TEEN, TENS) and last in (HUNDRED, MAG):  # "hundred twenty", "thousand five"
            cur += _UNITS.get(w, _TENS.get(w, 0))
            last = c
        elif c == AND and last in (HUNDRED, MAG) and j + 1 < n and cls[j + 1] in (UNIT, TEEN, TENS):
            pass  # "one hundred and twenty"
        elif c == AND and j + 2 < n and cls[j + 1] == A and toks[j + 2][0] == "half":
            cur += 0.5  # "two and a half"
            j += 2
            last = HALF
        elif c == HUNDRED and last in (UNIT, TEEN, TENS) and 0 < cur < 100:
            cur *= 100
            last = HUNDRED
        elif c == MAG and last in (UNIT, TEEN, TENS, HUNDRED, HALF) and _EN_MAG[w] < top and cur:
            top = _EN_MAG[w]
            total += cur * top
            cur = 0.0
            last = MAG
        elif c == DOZEN and last in (UNIT, TEEN, TENS) and total == 0:
            cur *= 12
            j += 1
            break
        elif c == FRAC and last in (UNIT, TEEN) and total == 0 and cur >= 1 and (toks[j][0] not in _FRACS or cur == 1):
            cur, kind = cur / _FRAC_WORDS[w], FRACTION  # "two thirds", "one quarter"
            j += 1
            break
        elif c == FRAC and last == TENS and total == 0:  # "twenty-third": an ordinal
            return j + 1
        else:
            break
        j += 1
    if j == first + 1 and _ORDINAL_AFTER.match(s.text, toks[first][2]):  # "twenty-first"
        return j
    alone_one = j == first + 1 and toks[first][0] == "one"
    emit(first, j - 1, total + cur, kind, alone_one)
    return j


# ---- Chinese numerals ------------------------------------------------------------------------

_HAS_CN = re.compile(f"[{_CN_CHARS}半]")
_CN_NUM = rf"\d+(?:\.\d+)?|[{_CN_CHARS}点]+"
_CN_PCT = re.compile(rf"百分之({_CN_NUM})")
_CN_FRAC = re.compile(rf"(\d+|[{_CN_CHARS}]+)分之({_CN_NUM})")
_CN_YEAR = re.compile(r"([〇零一二三四五六七八九]{4})年")
_CN_PLAN = re.compile(rf"(?<![{_CN_CHARS}])十([一二三四五六七八九])五(?![{_CN_CHARS}])")
_CN_HALF = re.compile(rf"(\d+|[{_CN_CHARS}]+)(?:个|年|天|周|小时|个月)半|[一过上下前后]半|半(?=数|年|个|月|天|日|小时|周|世纪)")
_CN_TENTHS = re.compile(rf"(?<![{_CN_CHARS}])([一二两三四五六七八九十])成(?![为立功本果就员绩长熟交型品分份不])")
_CLASSIFIERS = sorted(
    "个 位 名 家 座 项 种 类 条 件 部 台 辆 架 艘 枚 颗 块 张 本 篇 份 所 处 次 轮 届 场 批 套 组 款 层 级 期 步 "
    "支 只 头 片 段 节 集 版 席 年 周 天 日 小时 分钟 秒 岁 倍 人 国 省 市 县 州 洲 城 地 例 起 笔 元 美元 欧元 英镑 "
    "日元 港元 吨 公里 米 公顷 亩 兆瓦 大 代 方面 季度 阶段".split(), key=len, reverse=True)
_CN_RUN = re.compile(
    rf"([{_CN_CHARS}]+(?:点[{_CN_DIGITS}]+)?)([多余几来])?(个?百分点|月|{'|'.join(_CLASSIFIERS)})?")
_CN_SKIP_BEFORE = ("第", "周", "星期", "礼拜")  # ordinals, weekdays


@lru_cache(maxsize=4096)
def _cn_value(s: str) -> float | None:
    """The value of a Chinese (or Arabic) numeral, or None if it is not one."""
    if s and s[0] in "0123456789":
        try:
            return float(s)
        except ValueError:
            return None
    if s[:1] in ("百", "千"):
        s = "一" + s
    import cn2an  # only texts with Chinese numerals pay for it

    try:
        return float(cn2an.cn2an(s, "normal"))
    except (ValueError, KeyError, IndexError, ArithmeticError):
        return None


def _chinese(s: _Scan) -> None:
    text = s.text
    has = text.__contains__
    for m in (_CN_PCT.finditer(text) if has("百分之") else ()):
        v = _cn_value(m.group(1))
        if v is not None:
            s.take(m.start(), m.end())
            s.add(m.start(), m.group(0), v, PERCENT)
    for m in (_CN_FRAC.finditer(text) if has("分之") else ()):
        if not s.free(m.start(), m.end()):
            continue
        d, v = _cn_value(m.group(1)), _cn_value(m.group(2))
        if d and v is not None:
            s.take(m.start(), m.end())
            s.add(m.start(), m.group(0), v / d, FRACTION)
    for m in (_CN_YEAR.finditer(text) if has("年") else ()):
        if s.free(m.start(), m.end()):
            s.take(m.start(), m.end())
            s.add(m.start(), m.group(1), int("".join(str(_DIGIT_OF[c]) for c in m.group(1))))
    for m in (_CN_PLAN.finditer(text) if has("五") else ()):  # 十四五: the 14th Five-Year Plan
        if s.free(m.start(), m.end()):
            s.take(m.start(), m.end())
            s.add(m.start(), m.group(0), 10 + _DIGIT_OF[m.group(1)])
            s.add(m.start(), m.group(0), 5)
    for m in (_CN_HALF.finditer(text) if has("半") else ()):
        if not s.free(m.start(), m.end()):
            continue
        if m.group(1):
            v = _cn_value(m.group(1))
            if v is None:
                continue
            s.add(m.start(), m.group(0), v + 0.5)
        else:
            s.add(m.start(), m.group(0), 0.5, FRACTION)
        s.take(m.start(), m.end())
    for m in (_CN_TENTHS.finditer(text) if has("成") else ()):  # 三成: 30%
        if s.free(m.start(), m.end()):
            s.take(m.start(), m.end())
            s.add(m.start(), m.group(0), 10 * _cn_value(m.group(1)), PERCENT)
    for m in _CN_RUN.finditer(text):
        run, _approx, after = m.groups()
        a, b = m.start(), m.start(1) + len(run)
        if not s.free(a, b) or text[max(0, a - 2):a].endswith(_CN_SKIP_BEFORE):
            continue
        if run[0] == "十" and text[a - 1:a] in ("几", "数"):  # 几十, 数十亿: vague
            continue
        if run[0] in "百千万亿":  # 千万 (by all means), 万一 (in case), 百万 … are not counts
            continue
        has_mag = any(c in "十百千万亿" for c in run)
        if len(run) > 1 and not has_mag and "点" not in run:  # 一一, 三三两两
            continue
        if not after and len(run) == 1:  # 十分 (very), 一些, 三农: no unit, no count
            continue
        v = _cn_value(run)
        if v is None:
            continue
        kind = BARE
        pct = None if after else _PCT_AFTER.match(text, b)
        if pct or (after and after.endswith("百分点")):
            kind = PERCENT
        elif after == "月":
            if not (v == int(v) and 1 <= v <= 12 and run != "两" and not _approx):
                continue
            kind = MONTH
        checked = not (run == "一" and kind == BARE)
        if run == "两" and after in ("国", "大") and _PAIR.search(text, 0, a):  # 中美两国
            checked = False
        if _is_source_count(text, b, v):  # 两个来源
            checked = False
        s.take(a, b)
        s.add(a, run, v, kind, checked)
        if len(run) > 1 and run[-1] in "万亿":
            base = _cn_value(run.rstrip("万亿"))
            if base is not None:
                s.add(a, run.rstrip("万亿"), base, BARE, False)


# ---- reading and comparing -------------------------------------------------------------------


@lru_cache(maxsize=16384)
def _scan(text: str) -> tuple[_Num, ...]:
    if _NEEDS_PRE.search(text):
        text = text.translate(_PRE)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    s = _Scan(text)
    if _HAS_CN.search(text):
        _chinese(s)  # first: 百分之30, 3分之1 and 3个半 hold digits
    _digits(s)
    _words(s)
    return tuple(sorted(s.out, key=lambda x: x.start))


def numbers(text: str) -> list[tuple[str, float]]:
    """Each number in `text` as (the text it was read from, its value with magnitude applied)."""
    return [(x.text, x.value) for x in _scan(text)]


def _key(value: float) -> float:
    """The value rounded to 12 significant digits, so float noise (1.2 * 10**4) compares equal."""
    return float(f"{value:.12g}")


class _Have(NamedTuple):
    """A quote's values, indexed for the comparisons a claim's numbers need."""

    every: frozenset  # any form: what a bare number or a figure value is looked for in
    plain: frozenset  # all but percentages
    percent: frozenset
    month: frozenset
    percents: tuple[float, ...]
    fractions: tuple[float, ...]


@lru_cache(maxsize=16384)
def _have(quote: str) -> _Have:
    nums = _scan(quote)
    return _Have(
        frozenset(_key(q.value) for q in nums),
        frozenset(_key(q.value) for q in nums if q.kind != PERCENT),
        frozenset(_key(q.value) for q in nums if q.kind == PERCENT),
        frozenset(_key(q.value) for q in nums if q.kind == MONTH),
        tuple(q.value for q in nums if q.kind == PERCENT),
        tuple(q.value for q in nums if q.kind == FRACTION),
    )


def _found(c: _Num, have: _Have) -> bool:
    k = _key(c.value)
    if c.kind == BARE:
        return k in have.every
    if c.kind == PERCENT:  # 50% is also 一半; "two-thirds" is also 67%
        return k in have.percent or any(abs(f * 100 - c.value) <= 0.5 for f in have.fractions)
    if c.kind == MONTH:
        return k in have.month
    return k in have.plain or any(abs(c.value * 100 - p) <= 0.5 for p in have.percents)


def missing_numbers(claim: str, quote: str) -> list[str]:
    """Numbers written in `claim` whose value does not appear in `quote`."""
    wanted = [c for c in _scan(claim) if c.checked]
    if not wanted:
        return []
    have = _have(quote)
    return [c.text for c in wanted if not _found(c, have)]


def value_in(value: float, quote: str) -> bool:
    """Whether a figure's value is written in the quote (with or without a magnitude word)."""
    return _key(value) in _have(quote).every
