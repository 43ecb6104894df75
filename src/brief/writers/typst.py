"""Typst PDF writer (`--pdf-engine typst`): the document model -> Typst code -> a tagged PDF/UA-1.

The document becomes Typst code that calls the functions of the Typst style file
(templates/styles/pdf.typ) with every text as a Typst *string literal* (only `\\` and `"` are
escaped in one), never as markup, so no character of the data can become Typst syntax. The
looks come from pdf.yaml, passed in as the dictionary `S`: the same fonts, sizes and colours as
the reportlab engine. The compiler is the `typst` package (its wheel ships it; nothing is
downloaded), run in process with `pdf_standards=["ua-1"]`: headings, paragraphs, lists, tables
with header cells, figures with alt text, quotes and the language of each span are tagged; the
header and footer are artifacts. Provenance goes into the document information dictionary by an
incremental update, as the reportlab engine records it.
"""

from __future__ import annotations

import datetime
import math
import re

from brief import fonts as F
from brief import model as m
from brief.errors import Problem, TemplateError
from brief.i18n import clean_text, format_number
from brief.writers.alt import chart_alt
from brief.writers.linebreak import cite_separator, joined_grade, split_grade
from brief.writers.styles import role_layout, role_style

STYLE_FILE = "templates/styles/pdf.typ"


# ---- Typst values ---------------------------------------------------------------------------


def lit(s: str) -> str:
    """A Typst string literal holding `s` as it stands (control characters dropped)."""
    s = clean_text(s)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def value(v) -> str:
    """A Python value (dict, list, str, number, bool, None) as a Typst literal."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"not a finite number: {v}")
        return repr(v)
    if isinstance(v, str):
        return lit(v)
    if isinstance(v, dict):
        if not v:
            return "(:)"
        return "(" + ", ".join(f"{lit(str(k))}: {value(x)}" for k, x in v.items()) + ")"
    if isinstance(v, (list, tuple)):
        return "(" + "".join(f"{value(x)}, " for x in v) + ")"
    raise TypeError(f"no Typst literal for {type(v).__name__}")


def _script_runs(text: str) -> list[tuple[bool, str]]:
    """(is CJK, text) runs; spaces join the run they stand in."""
    out: list[tuple[bool, str]] = []
    for ch in text:
        cjk = F.is_cjk(ch) if not ch.isspace() else (out[-1][0] if out else False)
        if out and out[-1][0] == cjk:
            out[-1] = (cjk, out[-1][1] + ch)
        else:
            out.append((cjk, ch))
    return out


_LATIN_WORD = re.compile(r"[A-Za-z]{2}")


class _Writer:
    def __init__(self, doc: m.Document, options):
        self.doc = doc
        self.sheet: TypstSheet = options.style
        self.css = self.sheet.pdf
        self.t = options.strings
        self.roles = self.css.roles
        self.lang = doc.meta.lang
        self.label = "document"
        self.style_now = self.css.defaults.para  # the paragraph style of the text being written
        self.bold_stroke = self.css.fonts.cjk.synthetic_bold > 0

    # ---- text ---------------------------------------------------------------------------
    def text(self, s: str, bold: bool = False) -> str:
        """Code for plain text: string literals, a span of the other language tagged with it
        (Chinese in an English brief, Latin words in a Chinese one), bold CJK stroked."""
        out = []
        for cjk, chunk in _script_runs(clean_text(s)):
            code = lit(chunk)
            if cjk and bold and self.bold_stroke:
                code = f"B({lit(self.style_now)}, {code})"
            if self.lang != "zh" and cjk:
                code = f'text(lang: "zh", region: "cn", {code})'
            elif self.lang == "zh" and not cjk and _LATIN_WORD.search(chunk):
                code = f'text(lang: "en", region: none, {code})'
            out.append("#" + code)
        return "".join(out)

    def inlines(self, nodes, bold: bool = False) -> str:
        out = []
        for n in _join_grades(nodes):
            if isinstance(n, (m.Str, m.Code)):
                out.append(self.text(n.text, bold))
            elif isinstance(n, m.Emph):
                out.append(f"#emph[{self.inlines(n.children, bold)}]")
            elif isinstance(n, m.Strong):
                out.append(f"#strong[{self.inlines(n.children, True)}]")
            elif isinstance(n, m.Link):
                out.append(f"#link({lit(n.url)})[{self.inlines(n.children, bold)}]")
            elif isinstance(n, m.Cite):
                comma = cite_separator(self.t.cite_sep, len(n.numbers))
                links = f"#{lit(comma)}".join(f"#link(<ref-{k}>)[#{lit(str(k))}]" for k in n.numbers)
                out.append(f'#"["{links}#"]"')
            elif isinstance(n, m.SoftBreak):
                out.append('#" "')
            elif isinstance(n, m.LineBreak):
                out.append("#linebreak()")
            else:
                raise TypeError(f"Typst writer cannot render inline {type(n).__name__}")
        return "".join(out)

    def is_bold(self, style: str) -> bool:
        return self.css.styles[style].bold

    def para(self, nodes, style: str, label: str | None = None) -> str:
        self.style_now = style
        return f"#P({lit(style)}, [{self.inlines(nodes, self.is_bold(style))}])" + (f" <{label}>" if label else "")

    def mark(self, label: str) -> str:
        """A comment line naming what the code after it renders (a compile error names it)."""
        self.label = label
        return f"// @ {clean_text(label)}\n"

    # ---- blocks -------------------------------------------------------------------------
    def blocks(self, nodes, stack: tuple[str, ...] = ()) -> str:
        out = []
        for i, b in enumerate(nodes):
            handler = getattr(self, "b_" + type(b).__name__, None)
            if handler is None:
                raise TypeError(f"Typst writer cannot render block {type(b).__name__}")
            code = handler(b, stack)
            if code and self._kept_with_previous(nodes[i + 1] if i + 1 < len(nodes) else None, stack):
                code = f"#block(sticky: true)[\n{code}\n]"  # (the next block never starts a page alone)
            out.append(code)
        return "\n".join(x for x in out if x)

    def _kept_with_previous(self, b, stack) -> bool:
        """A block whose role's `keep_with_previous` (pdf.yaml) keeps it on the page of the block
        before it ("N more findings"), as in the reportlab engine; not inside columns."""
        if not isinstance(b, m.Div) or any(role_layout(self.roles, r) == "columns" for r in stack):
            return False
        look = self.roles.get(b.role)
        return look is not None and look.keep_with_previous

    def b_Heading(self, b: m.Heading, stack):
        default = self.css.headings.get(b.level, self.css.defaults.heading)
        style = role_style(self.roles, stack, "heading", default)
        self.style_now = style  # (H strokes its own bold CJK, so that the contents copy no stroke)
        return self.mark(f"section '{m.inline_text(b.children)}'") + f"#H({min(max(b.level, 1), 6)}, {lit(style)}, [{self.inlines(b.children)}])"

    def b_Para(self, b: m.Para, stack):
        return self.para(b.children, role_style(self.roles, stack, "para", self.css.defaults.para))

    def b_BlockQuote(self, b: m.BlockQuote, stack):
        return f"#quote(block: true)[\n{self.blocks(b.blocks, stack + ('quote',))}\n]"

    def _items(self, items, stack, style) -> str:
        out = []
        for item in items:
            inner = []
            for blk in item:
                if isinstance(blk, m.Para):
                    inner.append(self.para(blk.children, style))
                else:
                    inner.append(self.blocks((blk,), stack))
            out.append("[\n" + "\n".join(inner) + "\n]")
        return ", ".join(out)

    def b_BulletList(self, b: m.BulletList, stack):
        style = role_style(self.roles, stack, "list_item", self.css.defaults.list_item)
        return f"#bullet-list({lit(style)}, {self._items(b.items, stack, style)})"

    def b_OrderedList(self, b: m.OrderedList, stack):
        style = role_style(self.roles, stack, "list_item", self.css.defaults.list_item)
        return f"#number-list({lit(style)}, {int(b.start)}, {self._items(b.items, stack, style)})"

    def b_Div(self, b: m.Div, stack):
        inner_stack = stack + (b.role,)
        saved, mark = self.label, ""
        if b.role == "finding":
            keys = _first_cite(b.blocks)
            mark = self.mark(f"finding {keys}") if keys else ""
        if role_layout(self.roles, b.role) == "columns" and b.blocks:
            cells = ", ".join("[\n" + self.blocks((child,), inner_stack) + "\n]" for child in b.blocks)
            return f"#C({cells})"
        inner = mark + self.blocks(b.blocks, inner_stack)
        if mark:
            inner += "\n" + self.mark(saved).rstrip("\n")
        if b.role == "quote":
            return f"#Q[\n{inner}\n]"
        if b.role == "finding" and not any(role_layout(self.roles, r) == "columns" for r in stack):
            return f"#F[\n{inner}\n]"
        if b.role == "title-block" and self.css.rule_after_title:
            return inner + "\n#R(S.rules.title)"
        return inner

    def b_Chart(self, b: m.Chart, stack):
        mark = self.mark(f"chart '{b.id}'")
        shown = [format_number(v, self.t) for v in b.values]
        alt = chart_alt(b, self.t)
        values = [float(v) for v in b.values]
        unit = clean_text(b.unit)[: self.css.chart.unit_max_chars]
        labels = "(" + "".join(f"[{self.text(x)}], " for x in b.labels) + ")"
        args = [lit(alt), f"[{self.text(unit)}]", labels,
                value(values), value(shown), value(float(b.axis_max)), value([float(x) for x in b.ticks]),
                value(list(b.tick_labels)), f"[{self.inlines(b.caption)}]"]
        return mark + "#chart(" + ", ".join(args) + ")"

    def b_Toc(self, b: m.Toc, stack):
        self.style_now = self.css.toc.title_style
        title = f"[{self.text(b.title, self.is_bold(self.css.toc.title_style))}]" if b.title else "none"
        return f"#contents({title})"

    def b_Rule(self, b, stack):
        return "#R(S.rules.thematic)"

    def b_Table(self, b: m.Table, stack):
        look = self.css.table
        style = look.style
        rows = ([b.header] if b.header else []) + list(b.rows)
        cols = max(len(r) for r in rows)
        align = [b.align[i] if i < len(b.align) else "" for i in range(cols)]
        widths = []
        for i in range(cols):
            body = [m.inline_text(r[i]).strip() for r in b.rows if i < len(r)]
            if body and all(_is_figure(t, look.figure_max_chars) for t in body):
                widths.append("auto")
            else:
                w = look.column_weight_min + min(look.column_weight_cap, max(
                    (_display_width(m.inline_text(r[i])) for r in rows if i < len(r)), default=look.empty_column_weight))
                widths.append(f"{float(w)!r}fr")
        aligns = "(" + "".join({"right": "right", "center": "center"}.get(a, "left") + ", " for a in align) + ")"
        bold = self.is_bold(style)
        self.style_now = style
        header = "(" + "".join(f"[#text(weight: \"bold\")[{self.inlines(c, True)}]], " for c in b.header) + ")"
        cells = ", ".join(f"[{self.inlines(c, bold)}]" for row in b.rows for c in
                          (list(row) + [()] * (cols - len(row))))
        return f"#T(({', '.join(widths)},), {aligns}, {header}, {cells})"

    def b_References(self, b: m.References, stack):
        anchor = b.kind == "references"
        style = role_style(self.roles, stack, "reference", self.css.defaults.reference)
        out = []
        for e in b.entries:
            out.append(self.mark(f"reference [{e.number}] ({e.source_id})") + self.para((m.Str(f"[{e.number}] "), *e.children), style, f"ref-{e.number}" if anchor else None))
        return "\n".join(out)

    # ---- the document -------------------------------------------------------------------
    def source(self) -> tuple[str, int]:
        """The Typst source, and the line where the body starts."""
        meta = self.doc.meta
        css = self.css
        top, bottom, left, right = css.page.margins_pt
        styles = {name: {**s.model_dump(), "line_height": s.line_height} for name, s in css.styles.items()}
        fonts = css.fonts.model_dump()
        fonts["latin"]["family"] = self.sheet.latin_family
        fonts["cjk"]["family"] = self.sheet.cjk_family
        sheet = {
            **{k: v for k, v in css.model_dump().items() if k not in ("page", "styles", "fonts", "headings")},
            "page": {"paper": {"A4": "a4", "LETTER": "us-letter"}[css.page.size.upper()],
                     "top": top, "bottom": bottom, "left": left, "right": right},
            "styles": styles, "fonts": fonts,
            "text": {"lang": "zh" if self.lang == "zh" else self.lang, "region": "cn" if self.lang == "zh" else None,
                     "title": clean_text(meta.title), "tlp": clean_text(meta.tlp),
                     "page_of": [p for p in re.split(r"(\{page\}|\{pages\})", self.t.page_of) if p]},
        }
        date = datetime.date.fromisoformat(meta.date)
        author = " / ".join(x for x in (meta.organisation, meta.author) if x) or "brief"
        head = [
            f"#let S = {value(sheet)}",
            self.sheet.preamble,
            f"#set document(title: {lit(meta.title)}, author: ({lit(author)},), description: {lit(meta.subtitle)}, "
            f"keywords: {value(list(meta.keywords))}, date: datetime(year: {date.year}, month: {date.month}, day: {date.day}))",
            "#show: brief",
        ]
        header = "\n".join(head)
        start = header.count("\n") + 2
        return header + "\n" + self.blocks(self.doc.blocks) + "\n", start

    def build(self) -> bytes:
        import typst

        if self.sheet.coverage is not None:
            F.check(m.labelled_texts(self.doc), self.sheet.coverage)
        src, start = self.source()
        meta = self.doc.meta
        when = datetime.datetime.combine(datetime.date.fromisoformat(meta.date), datetime.time(0),
                                         tzinfo=datetime.timezone.utc)
        try:
            pdf = typst.compile(src.encode("utf-8"), font_paths=list(self.sheet.font_dirs), ignore_system_fonts=True,
                                pdf_standards=["ua-1"], timestamp=int(when.timestamp()))
        except typst.TypstError as e:
            raise TemplateError(self._problem(e, src, start)) from None
        return add_info(pdf, {**meta.provenance(), "brief.pdf_engine": "typst"})

    def _problem(self, e, src: str, start: int) -> Problem:
        """A compile or PDF/UA export error, named by the finding or section it came from, or by
        the line of the Typst style file."""
        message = " ".join(str(getattr(e, "message", "") or e).split())
        hints = "; ".join(getattr(e, "hints", None) or [])
        diag = str(getattr(e, "diagnostic", "") or "")
        line = None
        found = re.search(r"[│|]\s*(\d+)\s*[│|]", diag) or re.search(r":(\d+):\d+", diag)
        if found:
            line = int(found.group(1))
        preamble_start = 2  # line 1 is `#let S = …`
        preamble_lines = self.sheet.preamble.count("\n") + 1
        if line is not None and preamble_start <= line < preamble_start + preamble_lines:
            return Problem(STYLE_FILE, line - preamble_start + 1, f"Typst: {message}",
                           hints or "fix the Typst code at this line of the style file (the writer calls its functions)")
        where = None
        if line is not None and line >= start:
            for text in reversed(src.split("\n")[start - 1:line]):
                if text.startswith("// @ "):
                    where = text[5:]
                    break
        what = f"brief '{self.doc.meta.topic}' ({self.doc.meta.lang})" + (f": {where}" if where else "")
        return Problem(what, None, f"the Typst PDF engine failed: {message}",
                       hints or "build with --pdf-engine reportlab, or report this with the brief it failed on")


def _first_cite(nodes) -> str | None:
    for blk in m.walk(nodes):
        if isinstance(blk, m.Para):
            for n in blk.children:
                if isinstance(n, m.Cite):
                    return ", ".join(n.keys)
    return None


def _join_grades(nodes):
    """Inlines where the grade that follows a citation ("[1] · Grade C1") keeps with it (no-break
    spaces, see writers.linebreak); the text itself is unchanged."""
    out = list(nodes)
    for i, n in enumerate(out):
        if isinstance(n, m.Str) and i and isinstance(out[i - 1], m.Cite):
            graded = split_grade(n.text)
            if graded:
                lead, grade, rest = graded
                out[i] = m.Str(joined_grade(lead, grade) + rest)
    return out


def _is_figure(text: str, max_chars: int) -> bool:
    """A table cell that holds a figure: empty or a dash, or a short text with a digit."""
    return text in ("", "-", "–", "—") or (any(c.isdigit() for c in text) and _display_width(text) <= max_chars)


def _display_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ---- provenance: an incremental update of the information dictionary --------------------------


def _pdf_text(s: str) -> bytes:
    """A PDF text string: UTF-16BE with a byte-order mark, in hex (any character, no escaping)."""
    return b"<FEFF" + s.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def add_info(pdf: bytes, extra: dict[str, str]) -> bytes:
    """`pdf` with provenance entries (brief.tool_version -> /BriefToolVersion, as the reportlab
    engine names them) added to its document information dictionary, by an incremental update
    that keeps every entry Typst wrote (and that its XMP metadata repeats)."""
    tail = pdf[-2048:]
    trailer = re.search(rb"trailer\s*<<(.*?)>>\s*startxref\s*(\d+)\s*%%EOF\s*$", tail, re.S)
    if trailer is None:
        raise TemplateError(Problem(None, None, "the Typst PDF has no classic trailer: cannot record provenance",
                                 "build with --pdf-engine reportlab"))
    body, prev = trailer.group(1), int(trailer.group(2))
    info_ref = re.search(rb"/Info\s+(\d+)\s+(\d+)\s+R", body)
    num, gen = int(info_ref.group(1)), int(info_ref.group(2))
    start = re.search(rb"(?:^|[\r\n])%d %d obj\s*<<" % (num, gen), pdf)
    end = pdf.index(b"endobj", start.end())
    old = pdf[start.end():end].rstrip()
    if not old.endswith(b">>"):
        raise TemplateError(Problem(None, None, "cannot read the Typst PDF's information dictionary",
                                 "build with --pdf-engine reportlab"))
    entries = b"".join(b"/" + k.replace(".", "_").title().replace("_", "").encode("ascii") + _pdf_text(v)
                       for k, v in extra.items())
    obj = b"%d %d obj\n<<" % (num, gen) + old[:-2] + entries + b">>\nendobj\n"
    head = pdf if pdf.endswith(b"\n") else pdf + b"\n"
    offset = len(head)
    xref = b"xref\n%d 1\n%010d %05d n \n" % (num, offset, gen)
    new_trailer = b"trailer\n<<" + re.sub(rb"/Prev\s+\d+", b"", body) + b"/Prev %d>>\n" % prev
    return head + obj + xref + new_trailer + b"startxref\n%d\n%%%%EOF\n" % (offset + len(obj))


def write(doc: m.Document, options) -> bytes:
    """Render a document to a tagged PDF (PDF/UA-1) with Typst. `options` (writers.Options) carry
    the UI strings and a `TypstSheet`; the creation date is the document's date (midnight UTC), so
    the same document always gives the same bytes."""
    return _Writer(doc, options).build()
