"""Numbers in text, with their magnitude words, so a claim's numbers can be found in its quote.

`600亿美元` and "US$60 billion" are the same number: 万, 亿, 万亿, thousand, million, billion
and trillion are applied; thousands separators are dropped; full-width digits are folded.
"""

from __future__ import annotations

import re
import unicodedata

_MULT = {
    "万亿": 10**12, "亿": 10**8, "万": 10**4, "千": 10**3,
    "trillion": 10**12, "billion": 10**9, "million": 10**6, "thousand": 10**3,
}
_NUM = re.compile(
    r"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?\s*(万亿|亿|万|千|trillion|billion|million|thousand)?",
    re.IGNORECASE,
)


def numbers(text: str) -> list[tuple[str, float]]:
    """Each number in `text` as (the text it was read from, its value with magnitude applied)."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for m in _NUM.finditer(text):
        whole = m.group(1).replace(",", "")
        base = float(whole + (m.group(2) or ""))
        mult = _MULT.get((m.group(3) or "").lower(), 1)
        out.append((m.group(0).strip(), base * mult))
        if m.group(3):
            # "40亿" also stands for the bare 40 (e.g. a unit elsewhere in the claim).
            out.append((m.group(1), base))
    return out


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def missing_numbers(claim: str, quote: str) -> list[str]:
    """Numbers written in `claim` whose value does not appear in `quote`."""
    have = [v for _, v in numbers(quote)]
    missing = []
    text = unicodedata.normalize("NFKC", claim)
    for m in _NUM.finditer(text):
        whole = m.group(1).replace(",", "")
        value = float(whole + (m.group(2) or "")) * _MULT.get((m.group(3) or "").lower(), 1)
        if not any(_same(value, h) for h in have):
            missing.append(m.group(0).strip())
    return missing


def value_in(value: float, quote: str) -> bool:
    """Whether a figure's value is written in the quote (with or without a magnitude word)."""
    return any(_same(value, v) for _, v in numbers(quote))
