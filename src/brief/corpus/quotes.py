"""Why a quote is not in its source: the nearest passage of the body, and the exact differences.

`nearest(paragraphs, quote)` finds the passage of a body closest to a quote (rapidfuzz);
`differences(quote, passage)` says, column by column of the quote, how the two differ, and names
the characters a reader cannot tell apart on screen: no-break and ideographic spaces, zero-width
characters, doubled or trailing spaces, full-width and half-width digits and punctuation,
look-alike hyphens and quotation marks. `explain(paragraphs, quote)` puts both into the hint of a
"quote not found" problem.

Nothing here changes a quote: a quote is never silently "fixed", the analyst decides.
"""

from __future__ import annotations

import unicodedata

# A passage that shares less than this (rapidfuzz ratio, 0-100) with the quote is not "near".
NEAR_SCORE = 40.0
# At most this many differences are listed; the rest are counted.
MAX_DIFFERENCES = 12
# A nearest passage longer than this is shown with its middle elided (its columns are exact).
SHOWN_PASSAGE = 160

# Characters that look like nothing, or like a plain space, on screen: a friendly name each.
_INVISIBLE_NAMES = {
    "\u00a0": "a no-break space",
    "\u202f": "a narrow no-break space",
    "\u2007": "a figure space",
    "\u3000": "an ideographic (full-width) space",
    "\u200b": "a zero-width space",
    "\u200c": "a zero-width non-joiner",
    "\u200d": "a zero-width joiner",
    "\u2060": "a word joiner",
    "\ufeff": "a zero-width no-break space (byte-order mark)",
    "\u00ad": "a soft hyphen",
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a carriage return",
}
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def nearest(paragraphs: list[str], quote: str) -> tuple[int, int, int, float] | None:
    """The passage of `paragraphs` closest to `quote`: (para, start, end, score), para 1-based,
    start/end Python offsets in that paragraph (end exclusive), score 0-100 (100: identical).
    None when there is nothing to compare (empty quote or body)."""
    from rapidfuzz import fuzz

    if not quote or not any(paragraphs):
        return None
    candidates = []
    for n, para in enumerate(paragraphs, 1):
        if not para:
            continue
        a = fuzz.partial_ratio_alignment(quote, para)
        if a is None:
            continue
        if len(quote) <= len(para):
            start, end = a.dest_start, a.dest_end
        else:  # the quote is longer than the paragraph: rapidfuzz aligns the other way round
            start, end = 0, len(para)
        candidates.append((a.score, n, start, end))
    if not candidates:
        return None
    candidates.sort(key=lambda c: (-c[0], c[1]))
    best = None
    for _, n, start, end in candidates[:3]:
        para = paragraphs[n - 1]
        start, end, dist = _refine(quote, para, start, end)
        key = (dist, n)
        if best is None or key < best[0]:
            best = (key, n, start, end)
    _, n, start, end = best
    score = fuzz.ratio(quote, paragraphs[n - 1][start:end])
    return n, start, end, round(score, 1)


def _refine(quote: str, para: str, start: int, end: int) -> tuple[int, int, int]:
    """Move the window's ends a little to where the passage differs least from the quote
    (rapidfuzz's partial alignment has the quote's length, not the passage's)."""
    from rapidfuzz.distance import Levenshtein

    k = min(12, max(3, len(quote) // 5))
    best = (Levenshtein.distance(quote, para[start:end]), abs(end - start - len(quote)), start, end)
    for s in range(max(0, start - k), min(len(para), start + k) + 1):
        for e in range(max(s + 1, end - k), min(len(para), end + k) + 1):
            d = Levenshtein.distance(quote, para[s:e], score_cutoff=best[0])
            cand = (d, abs(e - s - len(quote)), s, e)
            best = min(best, cand)
    return best[2], best[3], best[0]


def char_name(ch: str) -> str:
    """A character as a reader can identify it: `','` (U+002C COMMA), `a no-break space (U+00A0
    NO-BREAK SPACE)`. Plain letters, digits and CJK ideographs carry their code point only."""
    cp = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, "")
    if ch == " ":
        return f"a space ({cp})"
    if ch in _INVISIBLE_NAMES:
        return f"{_INVISIBLE_NAMES[ch]} ({cp}{' ' + name if name else ''})"
    if _invisible(ch):
        return f"an invisible character ({cp}{' ' + name if name else ''})"
    if _plain(ch):
        return f"'{ch}' ({cp})"
    return f"'{ch}' ({cp}{' ' + name if name else ''})"


def _invisible(ch: str) -> bool:
    return ch in _INVISIBLE_NAMES or unicodedata.category(ch) in ("Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cn", "Cs") and ch != " "


def _plain(ch: str) -> bool:
    """A character nobody confuses: an ASCII letter or digit, or a letter of a script without
    case that has no compatibility form (a CJK ideograph, kana)."""
    if ch.isascii():
        return ch.isalnum()
    return unicodedata.category(ch) == "Lo" and unicodedata.normalize("NFKC", ch) == ch


def _shown(s: str) -> str:
    """A short string in quotes, with each invisible character written as ⟨U+XXXX⟩."""
    return "'" + "".join(f"⟨U+{ord(c):04X}⟩" if _invisible(c) else c for c in s) + "'"


def _string_name(s: str) -> str:
    """One or more characters: a single one by `char_name`, several in quotes, followed by the
    code points and names of the confusable ones among them: `', ' (U+002C COMMA, U+0020 SPACE)`."""
    if len(s) == 1:
        return char_name(s)
    odd: list[str] = []
    for c in s:
        if not _plain(c):
            label = f"U+{ord(c):04X} {unicodedata.name(c, '')}".rstrip()
            if label not in odd:
                odd.append(label)
    return _shown(s) + (f" ({', '.join(odd)})" if odd else "")


def _width_note(a: str, b: str) -> str:
    """' (half-width where the source has full-width)' for a pair that differs only in width."""
    if a == b or unicodedata.normalize("NFKC", a) != unicodedata.normalize("NFKC", b):
        return ""
    wide = lambda c: unicodedata.east_asian_width(c) in ("F", "W")
    if wide(a) and not wide(b):
        return " (full-width where the source has half-width)"
    if wide(b) and not wide(a):
        return " (half-width where the source has full-width)"
    return ""


def _count(n: int, what: str = "space", one: str = "a") -> str:
    """'a space', 'two spaces', 'a trailing space'."""
    word = one if n == 1 else _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)
    return f"{word} {what}{'' if n == 1 else 's'}"


def _run(s: str, i: int, j: int) -> tuple[int, int]:
    """The run of plain spaces in `s` around [i, j)."""
    while i > 0 and s[i - 1] == " ":
        i -= 1
    while j < len(s) and s[j] == " ":
        j += 1
    return i, j


def differences(quote: str, passage: str) -> list[str]:
    """How `quote` differs from `passage`, one sentence per difference, each starting with the
    1-based column of the quote where it stands ('col 12: two spaces where the source has one').
    Empty when they are equal."""
    from rapidfuzz.distance import Levenshtein

    # Merge neighbouring edits into blocks: (i1, i2) in the quote, (j1, j2) in the passage.
    blocks: list[list[int]] = []
    for op in Levenshtein.opcodes(quote, passage):
        if op.tag == "equal":
            continue
        if blocks and blocks[-1][1] == op.src_start and blocks[-1][3] == op.dest_start:
            blocks[-1][1], blocks[-1][3] = op.src_end, op.dest_end
        else:
            blocks.append([op.src_start, op.src_end, op.dest_start, op.dest_end])
    out: list[str] = []
    for i1, i2, j1, j2 in blocks:
        out.extend(_describe(quote, passage, i1, i2, j1, j2))
    if len(out) > MAX_DIFFERENCES:
        rest = len(out) - MAX_DIFFERENCES
        out = out[:MAX_DIFFERENCES] + [f"and {rest} more difference{'s' if rest > 1 else ''}"]
    return out


def _describe(quote: str, passage: str, i1: int, i2: int, j1: int, j2: int) -> list[str]:
    a, b = quote[i1:i2], passage[j1:j2]
    col = i1 + 1
    if set(a + b) == {" "} and (not a or not b):
        # Spaces added or missing: count the whole run on both sides.
        r1, r2 = _run(quote, i1, i2)
        in_quote = r2 - r1
        in_source = in_quote - len(a) + len(b)
        if in_source == 0:
            where = "trailing " if r2 == len(quote) else "leading " if r1 == 0 else ""
            if where:
                return [f"col {r1 + 1}: {_count(in_quote, where + 'space')} (U+0020) that the source does not have"]
            return [f"col {r1 + 1}: {_count(in_quote)} where the source has none"]
        if in_quote == 0:
            return [f"col {col}: no space where the source has {_count(in_source)}"]
        return [f"col {r1 + 1}: {_count(in_quote, one='one')} where the source has {_count(in_source, one='one').split()[0]}"]
    if a and b and len(a) == len(b):
        lines: list[str] = []
        plain_run: list[int] = []

        def flush():
            if plain_run:
                s, e = plain_run[0], plain_run[-1] + 1
                lines.append(f"{_cols(s, e)}: {_shown(quote[s:e])} where the source has {_shown(passage[j1 + s - i1:j1 + e - i1])}")
                plain_run.clear()

        for k, (x, y) in enumerate(zip(a, b)):
            if x == y:
                flush()
                continue
            if _plain(x) and _plain(y):
                if plain_run and plain_run[-1] != i1 + k - 1:
                    flush()
                plain_run.append(i1 + k)
                continue
            flush()
            lines.append(f"col {i1 + k + 1}: {char_name(x)} where the source has {char_name(y)}{_width_note(x, y)}")
        flush()
        return lines
    if not b:
        if all(_invisible(c) for c in a) and len(set(a)) == 1:
            return [f"{_cols(i1, i2)}: {_count_chars(a)} that the source does not have"]
        return [f"{_cols(i1, i2)}: {_string_name(a)} that the source does not have"]
    if not a:
        where = "at the end" if i1 == len(quote) else ("at the start" if i1 == 0 else "here")
        return [f"col {col}: the source has {_string_name(b)} {where}, which the quote lacks"]
    return [f"{_cols(i1, i2)}: {_string_name(a)} where the source has {_string_name(b)}"]


def _count_chars(a: str) -> str:
    name = char_name(a[0])
    return name if len(a) == 1 else f"{len(a)} x {name}"


def _cols(s: int, e: int) -> str:
    return f"col {s + 1}" if e - s <= 1 else f"cols {s + 1}–{e}"


def explain(paragraphs: list[str], quote: str) -> str | None:
    """The hint for a quote that is not in the body: 'nearest passage: para N, cols a–b: "…";
    differences (columns of the quote): col 12: …; col 30: …'. None when no passage is near."""
    return explain_miss(paragraphs, quote)[1]


def explain_miss(paragraphs: list[str], quote: str) -> tuple[int | None, str | None]:
    """(the nearest paragraph, the hint of `explain`), or (None, None) when no passage is near."""
    hit = nearest(paragraphs, quote)
    if hit is None or hit[3] < NEAR_SCORE:
        return None, None
    n, start, end, _ = hit
    passage = paragraphs[n - 1][start:end]
    shown = passage
    if len(shown) > SHOWN_PASSAGE:
        half = SHOWN_PASSAGE // 2
        shown = shown[:half] + " … " + shown[-half:]
    diffs = differences(quote, passage)
    text = f'nearest passage: para {n}, cols {start + 1}–{end}: "{shown}"'
    if diffs:
        text += "; differences (columns of the quote): " + "; ".join(diffs)
    return n, text
