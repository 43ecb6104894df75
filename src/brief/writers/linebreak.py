"""Chinese line breaking for reportlab (kinsoku shori).

reportlab's CJK splitter keeps one closing mark from starting a line, but lets a run of them
("”），") start one, and lets an opening mark (“ （ 《) end a line. The PDF writer's paragraph
class uses this splitter instead: it breaks each line where reportlab would, then moves the
break back until the next line starts with no closing mark and the line ends with no opening
mark. Latin runs still break at spaces. It works on reportlab's own glyph list and line objects.
"""

from __future__ import annotations

from unicodedata import category

# Never at the start of a line: closing brackets and quotes, and sentence punctuation.
CANNOT_START = set("!),.:;?]}\"'、。，．：；！？）］｝〕〉》」』】〗〙〛”’…‥·・ー々〻％‰℃")
# Never at the end of a line: opening brackets and quotes.
CANNOT_END = set("([{“‘（［｛〔〈《「『【〖〘〚")


def _opens(U, i: int) -> bool:
    """A straight quote that opens a quotation (after a space or an opening mark, or first):
    like “, it may not end a line."""
    return U[i] in "\"'" and (i == 0 or U[i - 1].isspace() or U[i - 1] in CANNOT_END)


def cjk_frag_split(frags, maxWidths, calcBounds, encoding="utf8"):
    from reportlab.lib.utils import isBytes
    from reportlab.platypus.paragraph import ParaLines, _FUZZ, cjkU, makeCJKParaLine

    U = []
    for f in frags:
        text = f.text
        if isBytes(text):
            text = text.decode(encoding)
        if text:
            U.extend(cjkU(t, f, encoding) for t in text)
        else:
            U.append(cjkU(text, f, encoding))

    def width(u):
        w = u.width
        if hasattr(w, "normalizedValue"):
            w._normalizer = maxWidth
            w = w.normalizedValue(maxWidth)
        return w

    lines = []
    n = len(U)
    start = 0
    maxWidth = maxWidths[0]
    while start < n:
        used = 0.0
        i = start
        hard = False
        while i < n:
            w = width(U[i])
            if hasattr(U[i].frag, "lineBreak"):
                hard = True
                i += 1
                break
            if used + w > maxWidth + _FUZZ and i > start:
                break
            used += w
            i += 1
        end = i
        if not hard and end < n:
            # Inside a Latin run, break at the last space (as reportlab does), not mid-word.
            if ord(U[end]) < 0x3000 and not U[end].isspace():
                j = end - 1
                limit = (start + end) // 2
                while j > limit and not (category(U[j]) == "Zs" or ord(U[j]) >= 0x3000):
                    j -= 1
                if j > limit:
                    end = j + 1
            # Kinsoku: the next line may not start with a closing mark, this one may not end
            # with an opening mark; move the break back (never emptying the line).
            while end - 1 > start and (U[end] in CANNOT_START or U[end - 1] in CANNOT_END or _opens(U, end - 1)):
                end -= 1
                if end >= n:
                    break
        line = U[start:end]
        used = sum(width(u) for u in line)
        lines.append(makeCJKParaLine(line, maxWidth, used, maxWidth - used, hard, calcBounds))
        try:
            maxWidth = maxWidths[len(lines)]
        except IndexError:
            maxWidth = maxWidths[-1]
        start = end
        # A space that ends up at the start of a line is dropped.
        while start < n and U[start] == " " and not hard:
            start += 1
    return ParaLines(kind=1, lines=lines)

