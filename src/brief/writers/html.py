"""HTML writer: the document model -> one self-contained HTML page, built as an lxml tree.

The page makes no request of any kind: the style sheet (templates/styles/html.css, named by
html.yaml) is inlined, charts are inline SVG, there are no scripts, images or web fonts, and a
Content-Security-Policy <meta> forbids fetching anything. Every text of the model becomes a
text node of the tree, so data never becomes markup; an href is an http(s) or mailto URL, or a
fragment this writer made (`#ref-3`), and anything else is shown as text.

Semantics: `<html lang>` is the brief's language and a run of the other script (Chinese in an
English brief, an English phrase in a Chinese one) is a span with its own `lang`; the TLP
marking stands in a <header> and a <footer> landmark (which print on every page), the table of
contents is a <nav>, the body is <main>; headings keep their levels; table headers have
`scope`; a chart is a <figure> whose SVG has a text alternative made from its data and a data
table for screen readers. Roles become elements (html.yaml `elements`) with the role's name as
their CSS class. The provenance is in <meta> tags. Output is deterministic.
"""

from __future__ import annotations

import re
import unicodedata

from brief import model as m
from brief.i18n import clean_text, format_number
from brief.writers.alt import chart_alt
from brief.writers.linebreak import cite_separator, joined_grade, split_grade

# Runs of Chinese (and other CJK) script: ideographs, kana, CJK punctuation and full-width forms,
# with what stands between two of them (digits, Latin punctuation, spaces) but no Latin letter.
_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff" \
       "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
_CJK_RUN = re.compile(rf"[{_CJK}](?:[^A-Za-z{_CJK}]*[{_CJK}])*")
# Runs of English in a Chinese page: two or more Latin words (a lone acronym such as "AI" is not
# marked), with the punctuation and spaces between them.
_LATIN_WORD = r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f'’\-]*"
_LATIN_RUN = re.compile(rf"{_LATIN_WORD}(?:[ ,.;:!?'’\"()\-]+{_LATIN_WORD})+[.!?]?")
_SAFE_URL = re.compile(r"^(?:https?://[^\s/?#]+[^\s]*|mailto:[^\s]+)$", re.IGNORECASE)
_ID_CHARS = re.compile(r"[^A-Za-z0-9_-]+")


def lang_runs(text: str, page_lang: str) -> list[tuple[str | None, str]]:
    """Split text into (language, chunk) runs: None for the page's own language, "zh" for a run of
    Chinese in a non-Chinese page, "en" for a run of English words in a Chinese page."""
    if page_lang.split("-")[0] == "zh":
        pattern, other = _LATIN_RUN, "en"
    else:
        pattern, other = _CJK_RUN, "zh"
    out: list[tuple[str | None, str]] = []
    pos = 0
    for match in pattern.finditer(text):
        if match.start() > pos:
            out.append((None, text[pos:match.start()]))
        out.append((other, match.group()))
        pos = match.end()
    if pos < len(text):
        out.append((None, text[pos:]))
    return out


def safe_href(url: str) -> str | None:
    """`url` when it is an http(s) or mailto URL (no spaces, no control or invisible characters),
    else None: a `javascript:`, `data:` or any other scheme never reaches an href."""
    url = url.strip() if isinstance(url, str) else ""
    if not url or any(unicodedata.category(ch)[0] in "CZ" and ch != " " for ch in url):
        return None
    return url if _SAFE_URL.match(url) else None


def css_string(text: str) -> str:
    """A CSS string literal of `text`: quotes, backslashes, angle brackets and line ends escaped,
    so that no text can end the string, the rule or the <style> element."""
    out = []
    for ch in clean_text(text):
        out.append(f"\\{ord(ch):X} " if ch in '"\\<>&\'' or ord(ch) < 0x20 else ch)
    return '"' + "".join(out) + '"'


def page_margins(title: str, tlp: str, page_of: str, marking: str = "") -> str:
    """The text of the printed page margins (CSS @page margin boxes; their looks are in the
    style sheet): the running title top left, the TLP label top right and bottom right, "Page
    X of Y" (`page_of`, with {page} and {pages}) bottom left, and a recipient's `marking`
    bottom centre when given."""
    import string

    pieces = []
    for literal, field, _, _ in string.Formatter().parse(page_of):
        if literal:
            pieces.append(css_string(literal))
        if field in ("page", "pages"):
            pieces.append(f"counter({field})")
    boxes = {"top-left": css_string(title), "top-right": css_string(tlp), "bottom-left": " ".join(pieces) or '""',
             "bottom-right": css_string(tlp)}
    if marking:
        boxes["bottom-center"] = css_string(marking)
    return "@page { " + " ".join(f"@{box} {{ content: {value}; }}" for box, value in boxes.items()) + " }"


def _tlp_class(tlp: str) -> str:
    """The CSS class of a TLP label: TLP:AMBER+STRICT -> tlp-amber-strict."""
    return "tlp-" + (_ID_CHARS.sub("-", tlp.removeprefix("TLP:").lower()).strip("-") or "unknown")


class _Writer:
    def __init__(self, doc: m.Document, options):
        from lxml import etree

        self.etree = etree
        self.doc = doc
        self.t = options.strings
        self.sheet = options.style  # a styles.HtmlSheet: html.yaml validated, and the CSS text
        self.lang = doc.meta.lang
        self.ids: set[str] = set()
        self.last_heading: str | None = None  # the id of the last heading written
        # The reference entries' ids (what citations link to) are reserved first, then each
        # heading's id is made (in document order) so that the contents can link to headings
        # that follow it and no other id takes theirs.
        self.ids.update(f"ref-{e.number}" for b in m.walk(doc.blocks)
                        if isinstance(b, m.References) and b.kind == "references" for e in b.entries)
        self.heading_ids = {id(h): self.unique_id(h.anchor or m.inline_text(h.children), "h")
                            for h in m.walk(doc.blocks) if isinstance(h, m.Heading)}

    # ---- building the tree ---------------------------------------------------------------
    def el(self, parent, tag: str, attrs: dict | None = None, text: str | None = None):
        """A child element of `parent` (attributes in the order given), holding `text` if any."""
        e = self.etree.SubElement(parent, tag)
        for k, v in (attrs or {}).items():
            if v is not None:
                e.set(k, clean_text(str(v)))
        if text:
            self.text(e, text)
        return e

    def append_text(self, parent, text: str) -> None:
        """Plain text at the end of `parent` (as its text, or the tail of its last child)."""
        text = clean_text(text)
        if not text:
            return
        if len(parent):
            last = parent[-1]
            last.tail = (last.tail or "") + text
        else:
            parent.text = (parent.text or "") + text

    def text(self, parent, text: str, span: str = "span") -> None:
        """Text at the end of `parent`, a run of the other language in a `span` with its lang."""
        for lang, chunk in lang_runs(clean_text(text), self.lang):
            if lang is None:
                self.append_text(parent, chunk)
            else:
                self.el(parent, span, {"lang": lang}).text = chunk

    def unique_id(self, wanted: str, prefix: str = "s") -> str:
        """An id made of letters, digits, '-' and '_', starting with a letter, used once."""
        base = _ID_CHARS.sub("-", wanted).strip("-")[:80]
        if not base[:1].isalpha():
            base = f"{prefix}-{base}" if base else prefix
        ident, n = base, 1
        while ident in self.ids:
            n += 1
            ident = f"{base}-{n}"
        self.ids.add(ident)
        return ident

    # ---- inlines ---------------------------------------------------------------------------
    def inlines(self, parent, nodes) -> None:
        prev = None
        for n in nodes:
            if isinstance(n, m.Str) and isinstance(prev, m.Cite) and split_grade(n.text) is not None:
                lead, grade, rest = split_grade(n.text)
                # (one unbreakable span with its separator: a line never breaks inside "[1] · Grade C2")
                self.el(parent, "span", {"class": "grade"}, joined_grade(lead, grade))
                self.text(parent, rest)
            elif isinstance(n, m.Str):
                self.text(parent, n.text)
            elif isinstance(n, m.Code):
                self.el(parent, "code", None, n.text)
            elif isinstance(n, m.Emph):
                self.inlines(self.el(parent, "em"), n.children)
            elif isinstance(n, m.Strong):
                self.inlines(self.el(parent, "strong"), n.children)
            elif isinstance(n, m.Link):
                href = safe_href(n.url)
                bare = href is not None and m.inline_text(n.children).strip() == href  # (a link that shows its URL)
                self.inlines(self.el(parent, "a", {"href": href, "class": "url" if bare else None}) if href else parent,
                             n.children)
            elif isinstance(n, m.Cite):
                cite = self.el(parent, "span", {"class": "cite"})
                self.append_text(cite, "[")
                for i, num in enumerate(n.numbers):
                    if i:
                        self.append_text(cite, cite_separator(self.t.cite_sep, len(n.numbers)))
                    self.el(cite, "a", {"href": f"#ref-{num}"}, str(num))
                self.append_text(cite, "]")
            elif isinstance(n, m.SoftBreak):
                self.append_text(parent, " ")
            elif isinstance(n, m.LineBreak):
                self.el(parent, "br")
            else:
                raise TypeError(f"HTML writer cannot render inline {type(n).__name__}")
            prev = n

    # ---- blocks ----------------------------------------------------------------------------
    def blocks(self, parent, nodes, stack: tuple[str, ...] = ()) -> None:
        for b in nodes:
            handler = getattr(self, "b_" + type(b).__name__, None)
            if handler is None:
                raise TypeError(f"HTML writer cannot render block {type(b).__name__}")
            handler(parent, b, stack)

    def b_Heading(self, parent, b: m.Heading, stack):
        level = min(max(b.level, 1), 6)
        ident = self.heading_ids.get(id(b)) or self.unique_id(b.anchor or m.inline_text(b.children), "h")
        h = self.el(parent, f"h{level}", {"id": ident})
        self.last_heading = ident
        self.inlines(h, b.children)

    def b_Para(self, parent, b: m.Para, stack):
        self.inlines(self.el(parent, "p"), b.children)

    def b_BlockQuote(self, parent, b: m.BlockQuote, stack):
        self.blocks(self.el(parent, "blockquote"), b.blocks, stack + ("quote",))

    def _items(self, lst, items, stack) -> None:
        for item in items:
            li = self.el(lst, "li")
            rest = item
            if item and isinstance(item[0], m.Para):  # (a list item's first paragraph is its text)
                self.inlines(li, item[0].children)
                rest = item[1:]
            self.blocks(li, rest, stack)

    def b_BulletList(self, parent, b: m.BulletList, stack):
        self._items(self.el(parent, "ul"), b.items, stack)

    def b_OrderedList(self, parent, b: m.OrderedList, stack):
        self._items(self.el(parent, "ol", {"start": str(b.start) if b.start != 1 else None}), b.items, stack)

    def b_Div(self, parent, b: m.Div, stack):
        tag = self.sheet.style.elements.get(b.role, "div")
        cls = _ID_CHARS.sub("-", b.role).strip("-") or None
        self.blocks(self.el(parent, tag, {"class": cls}), b.blocks, stack + (b.role,))

    def b_Rule(self, parent, b, stack):
        self.el(parent, "hr")

    def b_Table(self, parent, b: m.Table, stack):
        rows = ([b.header] if b.header else []) + list(b.rows)
        if not rows:
            return
        cols = max(len(r) for r in rows)
        aligns = [(b.align[i] if i < len(b.align) else "") for i in range(cols)]
        cls = [f"align-{a}" if a in ("right", "center") else None for a in aligns]
        # A wide table scrolls sideways on a phone: its box can take the keyboard focus, and is
        # named by the heading of its section.
        wrap = self.el(parent, "div", {"class": "table-wrap", "role": "region", "tabindex": "0",
                                       "aria-labelledby": self.last_heading,
                                       "aria-label": None if self.last_heading else self.t.value})
        table = self.el(wrap, "table")
        if b.header:
            tr = self.el(self.el(table, "thead"), "tr")
            for i, cell in enumerate(b.header):
                self.inlines(self.el(tr, "th", {"scope": "col", "class": cls[i]}), cell)
        body = self.el(table, "tbody")
        for row in b.rows:
            tr = self.el(body, "tr")
            for i, cell in enumerate(row):
                self.inlines(self.el(tr, "td", {"class": cls[i] if i < cols else None}), cell)

    def b_References(self, parent, b: m.References, stack):
        anchor = b.kind == "references"
        ol = self.el(parent, "ol", {"class": "references" if anchor else "references source-notes"})
        for e in b.entries:
            li = self.el(ol, "li", {"id": f"ref-{e.number}" if anchor else None})  # (reserved in __init__)
            self.el(li, "span", {"class": "ref-number"}, f"[{e.number}]")
            self.append_text(li, " ")
            self.inlines(li, e.children)

    def b_Toc(self, parent, b: m.Toc, stack):
        """The contents: a <nav> of links to the level-2 headings, each with its level-3 ones."""
        title_id = self.unique_id("toc-title")
        nav = self.el(parent, "nav", {"class": "toc", "aria-labelledby": title_id if b.title else None,
                                      "aria-label": None if b.title else self.t.contents})
        if b.title:
            self.el(nav, "p", {"class": "toc-title", "id": title_id}, b.title)
        top = self.el(nav, "ol")
        last_li, sub = None, None
        for h in (h for h in m.walk(self.doc.blocks) if isinstance(h, m.Heading) and 2 <= h.level <= 3):
            if h.level == 3 and last_li is not None:
                sub = sub if sub is not None else self.el(last_li, "ol")
                li = self.el(sub, "li")
            else:
                li = last_li = self.el(top, "li")
                sub = None
            a = self.el(li, "a", {"href": "#" + self.heading_ids[id(h)]})
            self.text(a, m.inline_text(h.children))

    def b_Chart(self, parent, b: m.Chart, stack):
        """A horizontal bar chart as inline SVG (geometry from html.yaml, looks from the CSS): each
        label above its bar, the value after the bar, the model's value axis below; then a data
        table for screen readers, and the caption."""
        g = self.sheet.style.chart
        cid = self.unique_id("chart-" + b.id)
        fig = self.el(parent, "figure", {"class": "chart", "id": cid})
        n = len(b.values)
        row = g.label_height + g.bar_height + g.row_gap
        base = g.top + n * row
        height = base + g.axis_room
        vmax = b.axis_max or max(b.values, default=0) or 1
        share = g.plot_share * 100

        def pct(v: float) -> str:
            return f"{share * max(0.0, min(v, vmax)) / vmax:.2f}%"

        svg = self.el(fig, "svg", {"role": "img", "aria-labelledby": f"{cid}-alt",
                                   "width": "100%", "height": _num(height), "focusable": "false"})
        self.el(svg, "title", {"id": f"{cid}-alt"}).text = chart_alt(b, self.t)
        if b.unit:
            self.text(self.el(svg, "text", {"class": "unit", "x": "100%", "y": _num(g.top - 8),
                                            "text-anchor": "end", "aria-hidden": "true"}), b.unit, "tspan")
        for i, (label, value) in enumerate(zip(b.labels, b.values)):
            y = g.top + i * row
            self.text(self.el(svg, "text", {"class": "label", "x": "0", "y": _num(y + g.label_height - 6),
                                            "aria-hidden": "true"}), str(label), "tspan")
            self.el(svg, "rect", {"class": "bar", "x": "0", "y": _num(y + g.label_height), "width": pct(value),
                                  "height": _num(g.bar_height)})
            self.el(svg, "text", {"class": "value", "x": pct(value), "dx": _num(g.value_gap),
                                  "y": _num(y + g.label_height + g.bar_height / 2), "dominant-baseline": "central",
                                  "aria-hidden": "true"}, format_number(value))
        self.el(svg, "line", {"class": "axis", "x1": "0", "x2": "0", "y1": _num(g.top), "y2": _num(base)})
        self.el(svg, "line", {"class": "axis", "x1": "0", "x2": f"{share:.2f}%", "y1": _num(base), "y2": _num(base)})
        for value, label in zip(b.ticks, b.tick_labels):
            self.el(svg, "line", {"class": "axis", "x1": pct(value), "x2": pct(value), "y1": _num(base),
                                  "y2": _num(base + g.tick_length)})
            self.el(svg, "text", {"class": "tick-label", "x": pct(value), "y": _num(base + g.tick_length + 12),
                                  "text-anchor": "start" if value <= 0 else "middle", "aria-hidden": "true"}, label)
        table = self.el(fig, "table", {"class": "visually-hidden"})
        self.el(table, "caption", None, b.title)
        tr = self.el(self.el(table, "thead"), "tr")
        self.el(tr, "th", {"scope": "col"}, self.t.entity)
        self.el(tr, "th", {"scope": "col"}, b.unit or self.t.value)
        body = self.el(table, "tbody")
        for label, value in zip(b.labels, b.values):
            tr = self.el(body, "tr")
            self.el(tr, "th", {"scope": "row"}, str(label))
            self.el(tr, "td", None, format_number(value))
        if b.caption:
            self.inlines(self.el(fig, "figcaption"), b.caption)

    # ---- the page --------------------------------------------------------------------------
    def head(self, html) -> None:
        meta = self.doc.meta
        head = self.el(html, "head")
        self.el(head, "meta", {"charset": "utf-8"})
        self.el(head, "meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"})
        self.el(head, "meta", {"http-equiv": "Content-Security-Policy",
                               "content": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"})
        self.el(head, "meta", {"name": "referrer", "content": "no-referrer"})
        self.el(head, "title").text = clean_text(meta.title)  # (a title holds text only: no lang span)
        named = {"description": meta.subtitle,
                 "author": " / ".join(x for x in (meta.organisation, meta.author) if x),
                 "keywords": ", ".join(meta.keywords),
                 "generator": f"brief {meta.tool_version}".strip(),
                 "dcterms.date": meta.date,
                 "brief.tlp": meta.tlp,
                 "brief.date": meta.date,
                 **meta.provenance()}
        for name, content in named.items():
            if content:
                self.el(head, "meta", {"name": name, "content": content})
        style = self.el(head, "style")
        style.text = self.sheet.css
        self.el(head, "style", {"id": "page-margins"}).text = page_margins(meta.title, meta.tlp, self.t.page_of)

    def marking(self, body, tag: str) -> None:
        """The page furniture: the running title (top) and the TLP label, as a landmark."""
        meta = self.doc.meta
        bar = self.el(body, tag, {"class": "marking"})
        if tag == "header":
            self.el(bar, "span", {"class": "running-title"}, meta.title)
        else:
            self.el(bar, "span", {"class": "running-title"},
                    " · ".join(x for x in (meta.organisation, meta.date) if x))
        self.el(bar, "span", {"class": f"tlp {_tlp_class(meta.tlp)}", "aria-label": f"{self.t.marking}: {meta.tlp}"},
                meta.tlp)

    def build(self) -> bytes:
        etree = self.etree
        html = etree.Element("html", {"lang": self.lang})
        self.head(html)
        body = self.el(html, "body", {"class": _tlp_class(self.doc.meta.tlp)})
        self.marking(body, "header")
        main = self.el(body, "main", {"id": "main"})
        self.blocks(main, self.doc.blocks)
        self.marking(body, "footer")
        text = etree.tostring(html, method="html", encoding="unicode", doctype="<!DOCTYPE html>")
        return (text + "\n").encode("utf-8")


def _num(v: float) -> str:
    """A length for an SVG attribute: no trailing '.0'."""
    return f"{v:.2f}".rstrip("0").rstrip(".")


def write(doc: m.Document, options) -> bytes:
    """Render a document to one self-contained HTML page (UTF-8 bytes). `options`
    (writers.Options) carry the UI strings and the HTML style (html.yaml and its CSS)."""
    return _Writer(doc, options).build()
