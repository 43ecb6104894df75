"""Chinese line breaking for reportlab (kinsoku shori), and joins that never break.

reportlab's CJK splitter keeps one closing mark from starting a line, but lets a run of them
("”），") start one, and lets an opening mark (“ （ 《) end a line. The PDF writer's paragraph
class uses this splitter instead: it fills each line as reportlab would, then moves the break
back to the last place where the next line starts with no closing mark (spaces at a line's
start are dropped, so the mark after them counts) and the line ends with no opening mark.
Latin runs still break at spaces, inside a word only when a line has no other place.

Two characters join what stands on either side of them, so that no line breaks there: a
no-break space (U+00A0, drawn as a space) and a word joiner (U+2060, not drawn: the splitter
removes it). The writer joins a citation "[1, 2]" and its grade ("[1] · Grade C1") with them.
Latin-only paragraphs (reportlab's own breaking at spaces) keep a no-break space too.
It works on reportlab's own glyph list and line objects.
"""

from __future__ import annotations

from unicodedata import category

# Never at the start of a line: closing brackets and quotes, and sentence punctuation.
CANNOT_START = set("!),.:;?]}\"'、。，．：；！？）］｝〕〉》」』】〗〙〛”’…‥·・ー々〻％‰℃")
# Never at the end of a line: opening brackets and quotes.
CANNOT_END = set("([{“‘（［｛〔〈《「『【〖〘〚")


NBSP, WJ = "\u00a0", "\u2060"
CITE_JOINED_MAX = 4  # a citation of up to this many numbers never breaks inside ("[1, 2]")
GRADE_JOINED_MAX = 16  # a citation's grade ("· Grade C1") of up to this many characters keeps with it


def split_grade(text: str) -> tuple[str, str, str] | None:
    """The text that follows a citation, split into the separator and the grade that keep with
    the citation, and the rest: " · Grade C1 more" -> (" · ", "Grade C1", " more"), "·C2 more"
    -> ("·", "C2", " more"); None when no grade follows (" · " with plain or no-break spaces,
    or "·" and nothing, or a space). Where the strings have joined the grade with no-break
    spaces ("Grade\u00a0C2"), that unit is the grade; after " · " with plain spaces, the whole
    text when short ("Grade C2"), else its first word; after a bare "·", its first word. The
    writers join what this gives, each as its format can."""
    if text[:3].replace(NBSP, " ") == " · ":
        lead, rest = text[:3], text[3:]
    elif text[:1] == "·" and text[1:2].strip(NBSP + " "):
        lead, rest = text[:1], text[1:]
    else:
        return None
    tail = rest.rstrip()
    first = tail.split(" ", 1)[0]
    grade = first if NBSP in first or len(tail) > GRADE_JOINED_MAX or lead == "·" else tail
    return lead, grade, rest[len(grade):]


def joined_grade(lead: str, grade: str) -> str:
    """A separator and grade (from `split_grade`) with no-break spaces for spaces."""
    return (lead + grade).replace(" ", NBSP)


def cite_separator(sep: str, count: int) -> str:
    """What stands between the numbers of a citation of `count` findings: the strings'
    `cite_sep` (", ", or "," in Chinese, as GB/T 7714 writes "[1,2]"), with no-break spaces in a
    short citation, which never breaks inside."""
    return sep.replace(" ", NBSP) if count <= CITE_JOINED_MAX else sep


def _is_space(ch: str) -> bool:
    """A breaking space (reportlab's glyphs are str subclasses; an anchor's is empty)."""
    return ch == " " or (len(ch) == 1 and ch != NBSP and category(str(ch)) == "Zs")


def _is_latin(ch: str) -> bool:
    """A character of a Latin word: breaking between two of them splits the word."""
    return len(ch) == 1 and ord(ch) < 0x3000 and ch != NBSP and not _is_space(ch)


def _opens(U, i: int) -> bool:
    """A straight quote that opens a quotation (after a space or an opening mark, or first):
    like “, it may not end a line."""
    return U[i] in "\"'" and (i == 0 or _is_space(U[i - 1]) or U[i - 1] in CANNOT_END)


class _Glyph(str):
    """One character of a paragraph, with its fragment (`frag`) and its `width`, as reportlab's
    cjkU holds them; made here with each width measured once per font and size."""


def _glyphs(frags, encoding: str):
    """The paragraph's characters as glyphs, and the positions a word joiner stood before."""
    from reportlab.lib.utils import isBytes
    from reportlab.pdfbase.pdfmetrics import stringWidth

    U: list = []
    joined: set[int] = set()  # i: no line may break before U[i] (a word joiner stood there)
    measured: dict = {}
    for f in frags:
        text = f.text
        if isBytes(text):
            text = text.decode(encoding)
        box = getattr(f.cbDefn, "width", 0) if hasattr(f, "cbDefn") else None
        font, size = getattr(f, "fontName", None), getattr(f, "fontSize", None)
        for t in text or [text]:
            if t == WJ:
                joined.add(len(U))
                continue
            u = _Glyph(t)
            u.frag = f
            if box is not None:
                u.width = box
            else:
                key = (t, font, size)
                w = measured.get(key)
                if w is None:
                    w = measured[key] = stringWidth(t, font, size)
                u.width = w
            U.append(u)
    return U, joined


def _para_line(U, maxWidth, widthUsed, extraSpace, lineBreak, calcBounds):
    """reportlab's makeCJKParaLine (the same line: its words, sizes and bounds), working on runs
    of glyphs from one fragment at a time instead of glyph by glyph: within such a run the font,
    and so the bounds, are the same, and reportlab's sameFrag holds for every glyph after the
    first, except in a fragment that is an image, an anchor or a line break, whose glyphs each
    make a word of their own, as there."""
    from reportlab.lib.rl_accel import sameFrag
    from reportlab.pdfbase.pdfmetrics import getAscentDescent
    from reportlab.platypus.paragraph import FragLine, imgNormV, imgVRange

    words = []
    CW: list = []
    f0 = FragLine()
    maxSize = maxAscent = minDescent = 0
    i, n = 0, len(U)
    while i < n:
        f = U[i].frag
        j = i + 1
        while j < n and U[j].frag is f:
            j += 1
        fontSize = f.fontSize
        cbDefn = getattr(f, "cbDefn", None) if calcBounds else None
        if getattr(cbDefn, "width", 0):
            descent, ascent = imgVRange(imgNormV(cbDefn.height, fontSize), cbDefn.valign, fontSize)
        else:
            ascent, descent = getAscentDescent(f.fontName, fontSize)
        maxSize = max(maxSize, fontSize)
        maxAscent = max(maxAscent, ascent)
        minDescent = min(minDescent, descent)
        single = "cbDefn" in f.__dict__ or "lineBreak" in f.__dict__
        for k in range(i, j if single else i + 1):
            if not sameFrag(f0, f):
                f0 = f0.clone()
                f0.text = "".join(CW)
                words.append(f0)
                CW = []
                f0 = f
            CW.append(U[k])
        if not single:
            CW.extend(U[i + 1:j])
        i = j
    if CW:
        f0 = f0.clone()
        f0.text = "".join(CW)
        words.append(f0)
    return FragLine(kind=1, extraSpace=extraSpace, wordCount=1, words=words[1:], fontSize=maxSize, ascent=maxAscent,
                    descent=minDescent, maxWidth=maxWidth, currentWidth=widthUsed, lineBreak=lineBreak)


def cjk_frag_split(frags, maxWidths, calcBounds, encoding="utf8"):
    from reportlab.platypus.paragraph import ParaLines, _FUZZ

    U, joined = _glyphs(frags, encoding)

    def width(u):
        w = u.width
        if hasattr(w, "normalizedValue"):
            w._normalizer = maxWidth
            w = w.normalizedValue(maxWidth)
        return w

    n = len(U)
    # Widths as numbers, unless one is relative to the line's width (then measured per line).
    plain = not any(hasattr(u.width, "normalizedValue") for u in U)
    W = [u.width for u in U] if plain else None
    hard_at = {i for i, u in enumerate(U) if hasattr(u.frag, "lineBreak")}

    def may_break(start: int, k: int) -> bool:
        """A line may end before U[k] (the line starting at U[start] keeps something)."""
        if k in joined or U[k] == NBSP or U[k - 1] == NBSP:
            return False
        nxt = k
        while nxt < n and _is_space(U[nxt]):
            nxt += 1
        last = k - 1
        while last > start and _is_space(U[last]):
            last -= 1
        if last < start or _is_space(U[last]):
            return False
        if nxt < n and (U[nxt] in CANNOT_START or nxt in joined or U[nxt - 1] == NBSP):
            return False
        return U[last] not in CANNOT_END and not _opens(U, last)

    lines = []
    start = 0
    maxWidth = maxWidths[0]
    while start < n:
        used = 0.0
        i = start
        hard = False
        while i < n:
            w = W[i] if plain else width(U[i])
            if i in hard_at:
                hard = True
                i += 1
                break
            if used + w > maxWidth + _FUZZ and i > start:
                break
            used += w
            i += 1
        end = i
        if not hard and end < n:
            # The last place that keeps words whole (within the second half of the line), else
            # the last place inside a word; a join or a kinsoku rule forbids some places. With
            # none at all, the line breaks where it is full.
            half = (start + end) // 2
            inside = None
            for k in range(end, start, -1):
                if inside is not None and k <= half:
                    break
                if not may_break(start, k):
                    continue
                if k > half and not (_is_latin(U[k - 1]) and _is_latin(U[k])):
                    inside = k
                    break
                if inside is None:
                    inside = k
            if inside is not None:
                end = inside
        line = U[start:end]
        used = sum(W[start:end]) if plain else sum(width(u) for u in line)
        lines.append(_para_line(line, maxWidth, used, maxWidth - used, hard, calcBounds))
        try:
            maxWidth = maxWidths[len(lines)]
        except IndexError:
            maxWidth = maxWidths[-1]
        start = end
        # A space that ends up at the start of a line is dropped.
        while start < n and U[start] == " " and not hard:
            start += 1
    return ParaLines(kind=1, lines=lines)
