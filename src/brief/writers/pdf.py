"""PDF writer: the document model -> PDF bytes, with reportlab platypus.

Looks come from templates/styles/pdf.yaml. All text is escaped for reportlab's paragraph
markup and split into Latin/CJK font runs; links are http(s)/mailto only. Page furniture (the TLP
marking in header and footer, page X of Y) is drawn in onPage callbacks, not in the story.
"""

from __future__ import annotations

import io
from functools import lru_cache

from brief import fonts as F
from brief import model as m
from brief.i18n import clean_text, format_number
from brief.writers import xml_attr, xml_text
from brief.writers.alt import cite_link
from brief.writers.keeping import keep_rules
from brief.writers.linebreak import NBSP, WJ, cite_separator, split_grade
from brief.writers.styles import role_layout, role_style

_TOTAL_FORM = "BriefPageTotal"


@lru_cache(maxsize=4)
def _text_class(strokes: tuple[tuple[str, float], ...]):
    """The reportlab text object of the writer's paragraphs. It draws a no-break space (which
    only joins words for the line breaker, see writers.linebreak) as a space, and the fonts named
    in `strokes` (font name -> outline width as a fraction of the size) filled and stroked in the
    text colour: a synthetic bold for a font with no bold face. The text stays text (PDF text
    render mode 2)."""
    from reportlab.lib.rl_accel import fp_str
    from reportlab.pdfgen.textobject import PDFTextObject

    widths = dict(strokes)

    class Text(PDFTextObject):
        def _formatText(self, text):
            return super()._formatText(text.replace(NBSP, " "))

        def _setFont(self, psfontname, size):
            super()._setFont(psfontname, size)
            self._embolden(psfontname, size)

        def setFont(self, psfontname, size, leading=None):
            super().setFont(psfontname, size, leading)
            self._embolden(psfontname, size)

        def _embolden(self, name, size):
            ratio = widths.get(name)
            if ratio:
                self.setTextRenderMode(2)
                self._code.append(f"{fp_str(size * ratio)} w")
                self.setStrokeColor(getattr(self, "_fillColorObj", None) or self._canvas._fillColorObj)
            elif self._textRenderMode:
                self.setTextRenderMode(0)

        def setFillColor(self, aColor, alpha=None):
            super().setFillColor(aColor, alpha)
            if self._textRenderMode:
                self.setStrokeColor(aColor)

    return Text


@lru_cache(maxsize=4)
def _cached_paragraph_class(strokes: tuple[tuple[str, float], ...] = ()):
    """Paragraph that reuses its line breaks when wrapped again at the same width (the class is
    made once, on first use, so that importing this module does not import reportlab), and that
    draws the fonts named in `strokes` with a synthetic bold (see _text_class).

    KeepTogether and tables measure a paragraph before it is laid out, and CJK line breaking is
    the costliest step of a build; the result depends only on the available width.
    """
    from reportlab.platypus import Paragraph

    text_class = _text_class(strokes)

    class CachedParagraph(Paragraph):
        def beginText(self, x, y):
            return text_class(self.canv, x, y)

        def breakLinesCJK(self, maxWidths):
            """reportlab's CJK line breaking, with our kinsoku splitter for mixed runs
            (a method of this class, not a patch of reportlab's module)."""
            from reportlab.platypus.paragraph import _handleBulletWidth

            from brief.writers.linebreak import cjk_frag_split

            frags = self.frags
            if len(frags) <= 1 and not (frags and (hasattr(frags[0], "cbDefn") or self.style.endDots
                                                   or WJ in frags[0].text or NBSP in frags[0].text)):
                return super().breakLinesCJK(maxWidths)
            if not isinstance(maxWidths, (list, tuple)):
                maxWidths = [maxWidths]
            self.height = 0
            _handleBulletWidth(self.bulletText, self.style, maxWidths)
            if hasattr(self, "blPara") and getattr(self, "_splitpara", 0):
                return self.blPara
            auto = getattr(self, "autoLeading", getattr(self.style, "autoLeading", ""))
            return cjk_frag_split(frags, maxWidths, auto not in ("", "off"))

        def wrap(self, availWidth, availHeight):
            if getattr(self, "_wrapped_at", None) == availWidth and "blPara" in self.__dict__:
                return self.width, self.height
            result = super().wrap(availWidth, availHeight)
            self._wrapped_at = availWidth
            return result

    return CachedParagraph


def _Bar(flowables, colour, width, gap):
    """Flowables with a vertical rule (`width` wide) at their left, and `gap` from its left edge to
    them, like a block quote (one layout pass)."""
    from reportlab.platypus.flowables import Flowable

    class Bar(Flowable):
        def __init__(self):
            super().__init__()
            self.items = flowables
            self.sizes = []

        def wrap(self, aw, ah):
            self.sizes = [f.wrap(aw - gap, ah) for f in self.items]
            self.width = aw
            self.height = sum(h for _, h in self.sizes) + sum(
                f.getSpaceAfter() for f in self.items[:-1]) + sum(f.getSpaceBefore() for f in self.items[1:])
            return self.width, self.height

        def getSpaceAfter(self):
            return self.items[-1].getSpaceAfter() if self.items else 0

        def getSpaceBefore(self):
            return self.items[0].getSpaceBefore() if self.items else 0

        def split(self, aw, ah):
            if len(self.items) == 1:
                parts = self.items[0].split(aw - gap, ah)
                return [_Bar([p], colour, width, gap) for p in parts] if len(parts) > 1 else []
            return []

        def draw(self):
            c = self.canv
            c.saveState()
            c.setStrokeColor(colour)
            c.setLineWidth(width)
            c.line(width / 2, 0, width / 2, self.height)
            c.restoreState()
            y = self.height
            for i, (f, (_, h)) in enumerate(zip(self.items, self.sizes)):
                if i:
                    y -= self.items[i - 1].getSpaceAfter() + f.getSpaceBefore()
                y -= h
                f.drawOn(c, gap, y)

    return Bar()


class _Writer:
    def __init__(self, doc: m.Document, options):
        from reportlab.lib import colors
        from reportlab.lib.enums import TA_LEFT
        from reportlab.lib.styles import ParagraphStyle

        self.doc = doc
        self.sheet = options.style  # a styles.PdfStyle, validated
        self.fs = F.load(self.sheet.fonts, italic=_has_emphasis(doc.blocks), root=options.cache_root)
        self.cjk_bold = F.CJK_BOLD if self.fs.strokes else F.CJK  # the face bold CJK runs name
        self.t = options.strings
        self.colours = {k: colors.HexColor(v) for k, v in self.sheet.colours.items()}
        self.styles = {}
        for name, s in self.sheet.styles.items():
            self.styles[name] = ParagraphStyle(
                name,
                fontName=F.LATIN,
                fontSize=s.size,
                leading=s.line_height,
                textColor=self.colours[s.colour],
                spaceBefore=s.space_before,
                spaceAfter=s.space_after,
                leftIndent=s.left_indent,
                firstLineIndent=s.first_line_indent,
                alignment=TA_LEFT,
                wordWrap="CJK",
                keepWithNext=int(s.keep_with_next),
                allowWidows=0,
                allowOrphans=0,
            )
            self.styles[name].bold = s.bold
        self.latin_styles = {}
        for name, st in self.styles.items():
            self.latin_styles[name] = ParagraphStyle(name + "-latin", parent=st, wordWrap=None)
            self.latin_styles[name].bold = st.bold
        self.aligned = {}  # (style name, Latin-only, alignment) -> a style so aligned
        self.roles = self.sheet.roles
        self.link_colour = self.sheet.colour(self.sheet.links.colour)
        self.toc = None  # a TableOfContents, when the document asks for one
        self.outline: list[str] = []  # the headings' anchors, in order
        self.outline_depth = -1  # the level of the last outline entry (-1: none yet)
        self.link_texts: dict[str, str] = {}  # a URL -> the text of its first link (its /Contents)
        self.anchor_texts: dict[str, str] = {}  # a heading's anchor -> its text

    # ---- text ---------------------------------------------------------------------------
    def runs(self, text: str, bold: bool = False, italic: bool = False) -> str:
        """Escaped reportlab markup for plain text, with per-script font runs."""
        text = clean_text(text)
        out = []
        cjk = self.cjk_bold if bold else F.CJK
        for font, chunk in F.runs(text, self.fs):
            esc = xml_text(chunk)
            if font == F.CJK:
                out.append(f'<font name="{cjk}">{esc}</font>')
            else:
                out.append(esc)
        s = "".join(out)
        if bold:
            s = f"<b>{s}</b>"
        if italic:
            s = f"<i>{s}</i>"
        return s

    def inlines(self, nodes, bold=False, italic=False) -> str:
        out = []
        for n in _join_citations(nodes):
            if isinstance(n, m.Str):
                out.append(self.runs(n.text, bold, italic))
            elif isinstance(n, m.Code):
                out.append(self.runs(n.text, bold, italic))
            elif isinstance(n, m.Emph):
                out.append(self.inlines(n.children, bold, True))
            elif isinstance(n, m.Strong):
                out.append(self.inlines(n.children, True, italic))
            elif isinstance(n, m.Link):
                href = xml_attr(n.url)
                self.link_texts.setdefault(n.url, " ".join(m.inline_text(n.children).split()))
                out.append(f'<a href={href} color="{self.link_colour}">{self.inlines(n.children, bold, italic)}</a>')
            elif isinstance(n, m.Cite):
                # A short citation never breaks inside: "[1, 2]" (a longer list may break after a comma).
                comma = xml_text(cite_separator(self.t.cite_sep, len(n.numbers)))  # (the strings are data too)
                links = comma.join(f'<a href="#ref-{k}" color="{self.link_colour}">{k}</a>' for k in n.numbers)
                out.append(f"[{links}]")
            elif isinstance(n, m.SoftBreak):
                out.append(" ")
            elif isinstance(n, m.LineBreak):
                out.append("<br/>")
            else:
                raise TypeError(f"PDF writer cannot render inline {type(n).__name__}")
        return "".join(out)

    def para(self, markup: str, style_name: str, anchor: str | None = None, align: str = ""):
        """A paragraph of markup in a style; `align` "right" or "center" sets it so (a table
        column's alignment)."""
        Paragraph = _cached_paragraph_class(self.fs.strokes)
        style = self.styles[style_name]
        latin = F.CJK not in markup
        if latin:
            # Latin-only text breaks at spaces (a no-break space joins); CJK wrapping (per
            # character, with word joiners) is for Chinese runs.
            style = self.latin_styles[style_name]
            markup = markup.replace(WJ, "")
        if align in _ALIGNMENTS:
            key = (style_name, latin, align)
            if key not in self.aligned:
                self.aligned[key] = style.clone(f"{style.name}-{align}", alignment=_ALIGNMENTS[align])
                self.aligned[key].bold = style.bold
            style = self.aligned[key]
        if style.bold:
            # (A font tag sets its face whatever <b> surrounds it: CJK runs name the bold one.)
            markup = "<b>" + markup.replace(f'<font name="{F.CJK}">', f'<font name="{self.cjk_bold}">') + "</b>"
        if anchor:
            markup = f'<a name="{anchor}"/>' + markup
        return Paragraph(markup, style)

    # ---- blocks -------------------------------------------------------------------------
    def blocks(self, nodes, stack: tuple[str, ...] = ()) -> list:
        out: list = []
        for b in nodes:
            handler = getattr(self, "b_" + type(b).__name__, None)
            if handler is None:
                raise TypeError(f"PDF writer cannot render block {type(b).__name__}")
            out.extend(handler(b, stack))
        return out

    def b_Heading(self, b: m.Heading, stack):
        default = self.sheet.headings.get(b.level, self.sheet.defaults.heading)
        style = role_style(self.roles, stack, "heading", default)
        # The anchor is a destination at the top of the heading's first line: bookmarks, the
        # contents and links lead there, not to the top of the page.
        anchor = b.anchor or f"heading-{len(self.outline) + 1}"
        self.outline.append(anchor)
        self.anchor_texts[anchor] = m.inline_text(b.children)
        p = self.para(self.inlines(b.children), style, anchor)
        p._bookmark = (b.level, m.inline_text(b.children), anchor)
        return [p]

    def b_Para(self, b: m.Para, stack):
        return [self.para(self.inlines(b.children), role_style(self.roles, stack, "para", self.sheet.defaults.para))]

    def b_BlockQuote(self, b: m.BlockQuote, stack):
        return self.blocks(b.blocks, stack + ("quote",))

    def _list(self, items, stack, start=None):
        from reportlab.platypus import ListFlowable, ListItem

        style = role_style(self.roles, stack, "list_item", self.sheet.defaults.list_item)
        flow_items = []
        for item in items:
            inner = []
            for blk in item:
                if isinstance(blk, m.Para):
                    inner.append(self.para(self.inlines(blk.children), style))
                else:
                    inner.extend(self.blocks((blk,), stack))
            flow_items.append(ListItem(inner))
        kw = dict(bulletFontName=F.LATIN, bulletFontSize=self.styles[style].fontSize,
                  leftIndent=self.sheet.list_indent + self.sheet.bullets.gap,
                  bulletColor=self.colours[self.sheet.bullets.colour])
        if start is None:
            return [ListFlowable(flow_items, bulletType="bullet", start="•", **kw)]
        return [ListFlowable(flow_items, bulletType="1", start=start, bulletFormat="%s.", **kw)]

    def b_BulletList(self, b: m.BulletList, stack):
        return self._list(b.items, stack)

    def b_OrderedList(self, b: m.OrderedList, stack):
        return self._list(b.items, stack, b.start)

    def b_Div(self, b: m.Div, stack):
        from reportlab.platypus import KeepTogether

        if role_layout(self.roles, b.role) == "columns" and b.blocks:
            return self._columns(b, stack + (b.role,))
        inner = self.blocks(b.blocks, stack + (b.role,))
        look = self.roles.get(b.role)
        if inner and look is not None and look.keep_with_previous:
            inner[0]._keep_with_previous = True  # (see writers.keeping)
        if b.role == "quote":
            bar = self.sheet.quote_bar
            return [_Bar(inner, self.colours[bar.colour], bar.width, bar.gap)]
        if b.role == "finding" and not any(role_layout(self.roles, r) == "columns" for r in stack):
            return [KeepTogether(inner)]  # (inside columns, the table splits rows itself)
        if b.role == "title-block" and self.sheet.rule_after_title:
            return inner + [self._rule(self.sheet.rules.title)]
        return inner

    def _rule(self, look):
        from reportlab.platypus import HRFlowable

        return HRFlowable(width="100%", thickness=look.thickness, color=self.colours[look.colour],
                          spaceBefore=look.space_before, spaceAfter=look.space_after)

    def _columns(self, b: m.Div, stack):
        """Child blocks side by side, in equal columns, with no ranking between them.

        Each column is flattened into small pieces (paragraphs, single list items) and the
        pieces are laid out row by row, so the table can break between rows at a page end.
        """
        from itertools import zip_longest

        from reportlab.platypus import Table, TableStyle

        n = len(b.blocks)
        look = self.sheet.columns
        gap = look.gap
        width = (self.frame_width - gap * (n - 1)) / n
        saved = self.frame_width
        self.frame_width = width
        columns = [self._pieces(child, stack) for child in b.blocks]
        self.frame_width = saved
        rows = [[cell if cell is not None else "" for cell in row] for row in zip_longest(*columns)]
        t = Table(rows, colWidths=[width + (gap if i < n - 1 else 0) for i in range(n)], splitByRow=1)
        # The first row (the columns' headings) stays with the second, and the last row (such as
        # an "N more findings" line) with the one before it: a page never ends or starts on one.
        keep = [("NOSPLIT", (0, 0), (-1, min(1, len(rows) - 1))), ("NOSPLIT", (0, max(0, len(rows) - 2)), (-1, -1))]
        t.setStyle(TableStyle(keep + [
            ("FONTNAME", (0, 0), (-1, -1), F.LATIN),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), gap),
            ("TOPPADDING", (0, 0), (-1, -1), look.padding_top), ("BOTTOMPADDING", (0, 0), (-1, -1), look.padding_bottom),
            ("LINEABOVE", (0, 0), (-1, 0), look.rule_width, self.colours[look.rule_colour]),
            ("LINEBELOW", (0, -1), (-1, -1), look.rule_width, self.colours[look.rule_colour]),
        ]))
        return [t]

    def _pieces(self, block, stack) -> list:
        """A block as a list of small flowables (divs and lists opened up), for one column."""
        if isinstance(block, m.Div) and role_layout(self.roles, block.role) != "columns":
            if block.role == "quote":
                return self.blocks((block,), stack)
            out = []
            for child in block.blocks:
                out.extend(self._pieces(child, stack + (block.role,)))
            return out
        if isinstance(block, m.BulletList):
            return [f for item in block.items for f in self.blocks((m.BulletList((item,)),), stack)]
        return self.blocks((block,), stack)

    def b_Chart(self, b: m.Chart, stack):
        """A horizontal bar chart as vector graphics: labels left, bars scaled to the model's
        value axis (0 to `axis_max`), the axis under the bars with its marks and their labels,
        each bar's value right of it, the unit on top; then its caption."""
        from reportlab.graphics import shapes
        from reportlab.graphics.charts.barcharts import HorizontalBarChart
        from reportlab.graphics.shapes import Drawing, Line, String

        # The graphics renderer starts every drawing in its default font (Helvetica, which would
        # be referenced but not embedded): make the default one of ours.
        shapes.STATE_DEFAULTS["fontName"] = F.CJK
        from reportlab.lib.units import mm
        from reportlab.platypus import KeepTogether

        cs = self.sheet.chart
        size = cs.font_size
        bar_h = cs.bar_height
        label_w = cs.label_width_mm * mm
        text = self.colours[cs.text_colour]
        n = max(1, len(b.values))
        width = self.frame_width
        height = n * bar_h + size + cs.headroom + cs.axis_room
        vmax = b.axis_max or max(b.values, default=0) or 1
        d = Drawing(width, height)  # the title is in the caption below
        c = HorizontalBarChart()
        c.x, c.y = label_w, cs.plot_bottom + cs.axis_room
        c.width, c.height = width - label_w - cs.value_room, n * bar_h
        c.data = [list(reversed(b.values))]
        c.categoryAxis.categoryNames = [clean_text(x) for x in reversed(b.labels)]
        c.categoryAxis.labels.fontName = F.CJK
        c.categoryAxis.labels.fontSize = size
        c.categoryAxis.labels.fillColor = text
        c.categoryAxis.labels.boxAnchor = "e"
        c.categoryAxis.labels.dx = -cs.label_gap
        c.categoryAxis.strokeColor = self.colours[cs.axis_colour]
        c.categoryAxis.strokeWidth = cs.axis_width
        c.valueAxis.valueMin = 0
        c.valueAxis.valueMax = vmax
        c.valueAxis.visible = 0  # drawn below, with the model's marks
        c.valueAxis.labels.fontName = F.CJK
        c.bars[0].fillColor = self.colours[cs.bar_colour]
        c.bars[0].strokeColor = None
        c.barLabelFormat = format_number
        c.barLabels.fontName = F.CJK
        c.barLabels.fontSize = size
        c.barLabels.fillColor = text
        c.barLabels.boxAnchor = "w"
        c.barLabels.dx = cs.value_gap
        d.add(c)
        axis = dict(strokeColor=self.colours[cs.axis_colour], strokeWidth=cs.axis_width)
        d.add(Line(c.x, c.y, c.x + c.width, c.y, **axis))
        for value, label in zip(b.ticks, b.tick_labels):
            x = c.x + c.width * value / vmax
            d.add(Line(x, c.y, x, c.y - cs.tick_length, **axis))
            d.add(String(x, c.y - cs.tick_length - size + cs.tick_size_step, clean_text(label), fontName=F.CJK,
                         fontSize=size - cs.tick_size_step, fillColor=text, textAnchor="middle"))
        d.add(String(width - cs.unit_inset, c.y + n * bar_h + cs.unit_raise, clean_text(b.unit)[:cs.unit_max_chars],
                     fontName=F.CJK, fontSize=size - cs.unit_size_step, fillColor=self.colours[cs.unit_colour], textAnchor="end"))
        caption = self.para(self.inlines(b.caption), cs.caption_style)
        return [KeepTogether([d, caption])]

    def b_Toc(self, b: m.Toc, stack):
        """Table of contents (levels 2-3), filled by a multi-pass build."""
        from reportlab.platypus.tableofcontents import TableOfContents

        from reportlab.platypus import TableStyle

        look = self.sheet.toc
        pad = look.cell_padding
        toc = _one_pass_toc_class()(dotsMinLevel=look.dots_min_level)
        toc.tableStyle = TableStyle([("FONTNAME", (0, 0), (-1, -1), F.LATIN), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                     ("LEFTPADDING", (0, 0), (-1, -1), pad), ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                                     ("TOPPADDING", (0, 0), (-1, -1), pad), ("BOTTOMPADDING", (0, 0), (-1, -1), pad)])
        toc.levelStyles = [self.styles[look.section_style], self.styles[look.subsection_style]]
        # Pre-fill the entries (page numbers unknown yet) so that the first pass already gives the
        # table its final size: the build then needs two passes instead of three.
        toc._entries = [(h.level - 2, self.runs(m.inline_text(h.children)), 0, h.anchor)
                        for h in m.walk(self.doc.blocks) if isinstance(h, m.Heading) and 2 <= h.level <= 3]
        toc._lastEntries = list(toc._entries)  # (what reportlab lays out; a multi-pass build copied it)
        toc.forms = {key: f"BriefTocPage{i}" for i, (_, _, _, key) in enumerate(toc._entries)}
        toc.levels = {key: level for level, _, _, key in toc._entries}
        toc.defined = set()
        toc.ends = {}  # key -> (where the entry's text ends, the width), set when the contents are drawn
        self.toc = toc
        out = []
        if b.title:
            out.append(self.para(self.runs(b.title), look.title_style))
        return out + [toc]

    def b_Rule(self, b, stack):
        return [self._rule(self.sheet.rules.thematic)]

    def b_Table(self, b: m.Table, stack):
        """A table with a grid. Each column takes the model's alignment (`---:`: right). A column
        of figures (every body cell a short text with a digit, `table.figure_max_chars`) is as
        wide as its widest cell and never wraps; the other columns share the rest of the width
        by the length of their texts (capped)."""
        from reportlab.platypus import Table, TableStyle

        look = self.sheet.table
        st = look.style
        rows = ([b.header] if b.header else []) + list(b.rows)
        cols = max(len(r) for r in rows)
        align = [b.align[i] if i < len(b.align) else "" for i in range(cols)]
        data = []
        if b.header:
            data.append([self.para(self.inlines(c, bold=True), st, align=align[i]) for i, c in enumerate(b.header)])
        for row in b.rows:
            data.append([self.para(self.inlines(c), st, align=align[i]) for i, c in enumerate(row)])
        pad = look.padding.left + look.padding.right
        fixed: dict[int, float] = {}
        for i in range(cols):
            body = [m.inline_text(r[i]).strip() for r in b.rows if i < len(r)]
            if body and all(_is_figure(t, look.figure_max_chars) for t in body):
                fixed[i] = max(_natural_width(r[i]) for r in data if i < len(r)) + pad + 1
        if sum(fixed.values()) > self.frame_width * look.figure_share_max:
            fixed = {}  # too wide to keep on one line each: every column shares the width
        weights = {i: look.column_weight_min + min(look.column_weight_cap, max(
                   (_display_width(m.inline_text(r[i])) for r in rows if i < len(r)), default=look.empty_column_weight))
                   for i in range(cols) if i not in fixed}
        rest = self.frame_width - sum(fixed.values())
        total = sum(weights.values()) or 1
        widths = [fixed[i] if i in fixed else rest * weights[i] / total for i in range(cols)]
        t = Table(data, repeatRows=1 if b.header else 0, colWidths=widths)
        t.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), F.LATIN),
            ("GRID", (0, 0), (-1, -1), look.grid_width, self.colours[look.grid_colour]),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), look.padding.left), ("RIGHTPADDING", (0, 0), (-1, -1), look.padding.right),
            ("TOPPADDING", (0, 0), (-1, -1), look.padding.top), ("BOTTOMPADDING", (0, 0), (-1, -1), look.padding.bottom),
        ]))
        return [t]

    def b_References(self, b: m.References, stack):
        anchor = b.kind == "references"
        style = role_style(self.roles, stack, "reference", self.sheet.defaults.reference)
        return [self.para(f"[{e.number}] " + self.inlines(e.children), style, f"ref-{e.number}" if anchor else None)
                for e in b.entries]

    # ---- page furniture -----------------------------------------------------------------
    def furniture(self, canv, doc):
        canv.saveState()
        w, h = doc.pagesize
        lm, rm = doc.leftMargin, doc.rightMargin
        look = self.sheet.furniture
        mark = self.styles[look.marking_style]
        fur = self.styles[look.text_style]
        canv.setFillColor(mark.textColor)
        canv.setFont(f"{F.LATIN}-bold" if mark.bold else F.LATIN, mark.fontSize)
        top_y = h - doc.topMargin + look.header_above_frame
        bottom_y = doc.bottomMargin - look.footer_below_frame
        canv.drawRightString(w - rm, top_y, self.doc.meta.tlp)
        canv.drawRightString(w - rm, bottom_y, self.doc.meta.tlp)
        canv.setFillColor(fur.textColor)
        self._draw_runs(canv, lm, top_y, self.doc.meta.title, fur.fontSize, max_width=w - lm - rm - look.title_reserve)
        page = canv.getPageNumber()
        self.last_page = max(self.last_page, page)
        # "Page X of Y": Y is a form XObject defined once the page count is known (see build),
        # which keeps a single layout pass and intact outline destinations.
        before, _, after = self.t.page_of.partition("{pages}")
        x = self._draw_runs(canv, lm, bottom_y, before.format(page=page), fur.fontSize)
        canv.saveState()
        canv.translate(x, bottom_y)
        canv.doForm(_TOTAL_FORM)
        canv.restoreState()
        self.page_tail = after
        canv.setStrokeColor(self.colours[look.rule_colour])
        canv.setLineWidth(look.rule_width)
        canv.line(lm, top_y - look.header_rule_below, w - rm, top_y - look.header_rule_below)
        canv.line(lm, bottom_y + look.footer_rule_above, w - rm, bottom_y + look.footer_rule_above)
        canv.restoreState()

    def _draw_runs(self, canv, x, y, text, size, max_width=None):
        from reportlab.pdfbase.pdfmetrics import stringWidth

        text = clean_text(text)
        if max_width is not None:
            while text and sum(stringWidth(c, f, size) for f, c in F.runs(text, self.fs)) > max_width:
                text = text[:-2] + "…"
        for font, chunk in F.runs(text, self.fs):
            canv.setFont(font, size)
            canv.drawString(x, y, chunk)
            x += stringWidth(chunk, font, size)
        return x

    def link_description(self, destination: str) -> str:
        """What a link to a destination of this document says (its /Contents): the reference it
        leads to ("Reference 3"), or the heading's text."""
        if destination.startswith("ref-") and destination[4:].isdigit():
            return cite_link(int(destination[4:]), self.t)
        return clean_text(self.anchor_texts.get(destination, destination))

    # ---- build --------------------------------------------------------------------------
    def build(self) -> bytes:
        from reportlab.lib.pagesizes import A4, LETTER
        from reportlab.pdfgen import canvas as canvas_mod
        from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

        F.check(m.labelled_texts(self.doc), self.fs)
        pg = self.sheet.page
        size = {"A4": A4, "LETTER": LETTER}[pg.size.upper()]
        top, bottom, left, right = pg.margins_pt
        margins = dict(topMargin=top, bottomMargin=bottom, leftMargin=left, rightMargin=right)
        self.frame_width = size[0] - margins["leftMargin"] - margins["rightMargin"]
        meta = self.doc.meta
        writer = self

        class Doc(BaseDocTemplate):
            def build(self, flowables, **kw):
                buf.seek(0)
                buf.truncate()
                writer.last_page = 0
                writer.outline_depth = -1
                super().build(flowables, **kw)

            def afterFlowable(self, flowable):
                bm = getattr(flowable, "_bookmark", None)
                if bm:
                    level, title, key = bm
                    # The destination is the heading's own anchor (drawn with it). An outline
                    # level never jumps by more than one (a document may start at level 2).
                    depth = min(max(0, level - 1), writer.outline_depth + 1)
                    writer.outline_depth = depth
                    self.canv.addOutlineEntry(title, key, level=depth, closed=False)
                    if writer.toc is not None and key in writer.toc.forms:
                        writer.toc.define(self.canv, key, self.page)

        fur = self.styles[self.sheet.furniture.text_style]

        provenance = meta.provenance()

        stamp = _TimeStamp(meta.date)

        class Canvas(canvas_mod.Canvas):
            """reportlab's canvas, with what an untagged PDF can do for assistive technology: a
            description (/Contents) and the Print flag on every link, the tab order of the page's
            structure (/Tabs /S), the title shown in the window, XMP metadata (see _accessible)."""

            def __init__(canv, *a, **kw):
                super().__init__(*a, **kw)
                stamp.apply(canv._doc)

            def linkURL(canv, url, rect, *a, **kw):
                from reportlab.pdfbase.pdfdoc import PDFString

                kw.setdefault("Contents", PDFString(clean_text(writer.link_texts.get(url) or url)))
                kw.setdefault("F", _PRINT)
                return super().linkURL(url, rect, *a, **kw)

            def linkRect(canv, contents, destinationname, *a, **kw):
                kw.setdefault("F", _PRINT)
                return super().linkRect(contents or writer.link_description(destinationname), destinationname, *a, **kw)

            def _setAnnotations(canv, page):
                super()._setAnnotations(page)
                _tab_order(page)

            def save(canv):
                _add_info(canv, provenance)
                _accessible(canv, meta)
                if writer.toc is not None:
                    writer.toc.define_missing(canv)
                canv.beginForm(_TOTAL_FORM)
                canv.setFillColor(fur.textColor)
                writer._draw_runs(canv, 0, 0, f"{writer.last_page}{writer.page_tail}", fur.fontSize)
                canv.endForm()
                super().save()

        self.last_page = 0
        self.page_tail = ""
        buf = io.BytesIO()
        author = " / ".join(x for x in (meta.organisation, meta.author) if x) or "brief"
        d = Doc(buf, pagesize=size, title=meta.title, author=author,
                subject=meta.subtitle, keywords=", ".join(meta.keywords), creator="brief",
                lang=_lang_tag(meta.lang),
                initialFontName=F.LATIN, initialFontSize=10, invariant=1, **margins)
        frame = Frame(d.leftMargin, d.bottomMargin, d.width, d.height, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        d.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=writer.furniture)])
        story = keep_rules(self.blocks(self.doc.blocks))
        d.build(story, canvasmaker=Canvas)  # one pass: the contents' page numbers are forms (_one_pass_toc_class)
        return buf.getvalue()


def _lang_tag(lang: str) -> str:
    """The BCP 47 tag of a brief's language in the PDF (/Lang and XMP): Chinese is zh-CN."""
    return "zh-CN" if lang == "zh" else lang


_PRINT = 4  # an annotation's flag that prints it (PDF 32000-1, 12.5.3)


def _tab_order(page) -> None:
    """Tab through a page's links in the order of its structure (/Tabs /S): PDF/UA's order, and
    the reading order of an untagged page."""
    from reportlab.pdfbase.pdfdoc import PDFName, PDFPage

    if not isinstance(page, PDFPage):  # (a form XObject has no tab order)
        return
    page.__NoDefault__ = [*page.__NoDefault__, "Tabs"]  # (reportlab's page writes only the keys it lists)
    page.Tabs = PDFName("S")


def _accessible(canv, meta: m.Meta) -> None:
    """The document-level entries an untagged PDF can carry for assistive technology: the window
    shows the title, not the file name (/DisplayDocTitle), and an XMP packet gives the title,
    description, author, keywords, language and dates the Info dictionary gives (readers such as
    screen readers and PDF/UA checkers read XMP, not Info). The file stays untagged: it claims no
    PDF/UA conformance."""
    from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFStream

    canv.setViewerPreference("DisplayDocTitle", "true")
    info = canv._doc.info
    xmp = _xmp(title=info.title, description=info.subject, author=info.author, keywords=tuple(meta.keywords),
               lang=_lang_tag(meta.lang), date=meta.date, producer=info.producer, creator=info.creator)
    canv._doc.Catalog.Metadata = PDFStream(PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
                                           xmp, filters=[])  # (metadata stays uncompressed, readable by any tool)


def _xmp(*, title: str, description: str, author: str, keywords: tuple[str, ...], lang: str, date: str,
         producer: str, creator: str) -> bytes:
    """An XMP packet (UTF-8) of the document's metadata, the same values as its Info dictionary."""
    esc = xml_text

    def alt(text: str) -> str:
        return f'<rdf:Alt><rdf:li xml:lang="x-default">{esc(clean_text(text))}</rdf:li></rdf:Alt>'

    when = f"{date}T00:00:00Z"
    subject = "".join(f"<rdf:li>{esc(clean_text(k))}</rdf:li>" for k in keywords)
    body = (
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">'
        "<dc:format>application/pdf</dc:format>"
        f"<dc:title>{alt(title)}</dc:title>"
        + (f"<dc:description>{alt(description)}</dc:description>" if description else "")
        + f"<dc:creator><rdf:Seq><rdf:li>{esc(clean_text(author))}</rdf:li></rdf:Seq></dc:creator>"
        f"<dc:language><rdf:Bag><rdf:li>{esc(lang)}</rdf:li></rdf:Bag></dc:language>"
        + (f"<dc:subject><rdf:Bag>{subject}</rdf:Bag></dc:subject>" if keywords else "")
        + (f"<pdf:Keywords>{esc(clean_text(', '.join(keywords)))}</pdf:Keywords>" if keywords else "")
        + f"<pdf:Producer>{esc(producer)}</pdf:Producer>"
        f"<xmp:CreatorTool>{esc(creator)}</xmp:CreatorTool>"
        f"<xmp:CreateDate>{when}</xmp:CreateDate><xmp:ModifyDate>{when}</xmp:ModifyDate>"
        f"<xmp:MetadataDate>{when}</xmp:MetadataDate>"
        "</rdf:Description>")
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f"{body}</rdf:RDF></x:xmpmeta>\n"
            '<?xpacket end="w"?>').encode("utf-8")


class _TimeStamp:
    """A reportlab time stamp for a document date (midnight UTC): the creation date, and the seed
    of the file identifier, come from the document, never from the clock or the environment."""

    def __init__(self, iso_date: str):
        import datetime

        when = datetime.datetime.combine(datetime.date.fromisoformat(iso_date), datetime.time(0),
                                         tzinfo=datetime.timezone.utc)
        self.t = when.timestamp()
        self.lt = when.timetuple()
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh = self.dmm = 0
        self.tzname = "UTC"

    def apply(self, pdfdoc) -> None:
        from hashlib import md5

        pdfdoc._timeStamp = self
        pdfdoc.signature = md5(usedforsecurity=False)
        pdfdoc.signature.update(b"a reportlab document")
        pdfdoc.signature.update(ascii(self.t).encode())


def _add_info(canv, extra: dict[str, str]) -> None:
    """Add custom entries (provenance) to the PDF's document information dictionary."""
    from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFInfo, PDFName, PDFString

    info = canv._doc.info

    class Info(PDFInfo):
        def format(self, document):
            D = {}  # reportlab's standard entries (as in PDFInfo.format), then ours
            D["Title"] = PDFString(self.title)
            D["Author"] = PDFString(self.author)
            from reportlab.pdfbase.pdfdoc import PDFDate

            D["ModDate"] = D["CreationDate"] = PDFDate(ts=document._timeStamp, dateFormatter=self._dateFormatter)
            D["Producer"] = PDFString(self.producer)
            D["Creator"] = PDFString(self.creator)
            D["Subject"] = PDFString(self.subject)
            D["Keywords"] = PDFString(self.keywords)
            D["Trapped"] = PDFName(self.trapped)
            for key, value in extra.items():
                D[key.replace(".", "_").title().replace("_", "")] = PDFString(value)
            return PDFDictionary(D).format(document)

    info.__class__ = Info


_CLOSING_FULL_WIDTH = set("。，、；：！？）」』】》〉”’")


_TOC_CLASS: list = []


def _one_pass_toc_class():
    """reportlab's table of contents, laid out in one pass: its entries are known before the
    build (the document's headings), and each entry's page number is a form XObject that the
    build defines when it places the heading, as "Page X of Y" does for the page count. Without
    it, reportlab lays the whole document out twice to learn the page numbers."""
    if _TOC_CLASS:
        return _TOC_CLASS[0]
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus.tableofcontents import TableOfContents

    class OnePassToc(TableOfContents):
        def isSatisfied(self):
            return True

        def number_width(self, style) -> float:
            return stringWidth("00", style.fontName, style.fontSize)  # (a brief has fewer than 100 pages)

        def wrap(self, availWidth, availHeight):
            out = super().wrap(availWidth, availHeight)
            toc = self

            def entry_end(canvas, kind, label):
                from ast import literal_eval

                _, level, key = label.split(",", 2)
                key = literal_eval(key)
                # The dots and the number are drawn by the form, from where the entry's text ends.
                x, y = canvas._curr_tx_info["cur_x"], canvas._curr_tx_info["cur_y"]
                toc.ends[key] = (x, availWidth)
                canvas.saveState()
                canvas.translate(0, y)
                canvas.doForm(toc.forms[key])
                canvas.restoreState()

            self.canv.setNamedCB("drawTOCEntryEnd", entry_end)
            return out

        def define(self, canv, key, page) -> None:
            """The form of `key`'s entry end: the dot leader from where its text ends, and the page
            number right-aligned in the room kept for it."""
            if key in self.defined:
                return
            level = self.levels[key]
            style = self.getLevelStyle(level)
            x, width = self.ends.get(key, (0, 0))
            room = self.number_width(style)
            canv.saveState()
            canv.beginForm(self.forms[key])
            text = str(page)
            numw = stringWidth(text, style.fontName, style.fontSize)
            dots = ""
            if self.dotsMinLevel >= 0 and level >= self.dotsMinLevel and width:
                dot = " . "
                dotw = stringWidth(dot, style.fontName, style.fontSize)
                dots = max(0, int((width - x - numw) / dotw)) * dot
            tx = canv.beginText(width - numw - stringWidth(dots, style.fontName, style.fontSize), 0)
            tx.setFont(style.fontName, style.fontSize)
            tx.setFillColor(style.textColor)
            tx.textLine(dots + text)
            canv.drawText(tx)
            canv.endForm()
            canv.restoreState()
            self.defined.add(key)

        def define_missing(self, canv) -> None:
            for key in self.forms:
                if key not in self.defined:
                    self.define(canv, key, "")

    _TOC_CLASS.append(OnePassToc)
    return OnePassToc


def _joined(text: str) -> str:
    """`text` that no line breaks inside: no-break spaces, and word joiners between characters."""
    return WJ.join(text.replace(" ", NBSP))


def _join_citations(nodes):
    """Inlines where a citation keeps with what belongs to it, for the line breaker (see
    writers.linebreak), without changing the text: full-width punctuation before a citation
    ("。[1]", and the space a template puts between them is dropped, as Chinese typesetting
    does), and the grade that follows one ("[1] · Grade C1", "[2] · C3")."""
    out = list(nodes)
    for i, n in enumerate(out):
        if not isinstance(n, m.Str):
            continue
        text = n.text
        graded = split_grade(text) if i and isinstance(out[i - 1], m.Cite) else None
        if graded:
            lead, grade, rest = graded
            text = _joined(lead.replace(NBSP, " ") + grade) + rest
        if i + 1 < len(out) and isinstance(out[i + 1], m.Cite):
            core = text.rstrip(" ")
            if core and core[-1] in _CLOSING_FULL_WIDTH:
                text = core + WJ
        if text != n.text:
            out[i] = m.Str(text)
    return out


_ALIGNMENTS = {"right": 2, "center": 1}  # reportlab's TA_RIGHT, TA_CENTER


def _is_figure(text: str, max_chars: int) -> bool:
    """A table cell that holds a figure: empty or a dash, or a short text with a digit
    ("200,000,000,000", "32%", "[1] C2")."""
    return text in ("", "-", "–", "—") or (any(c.isdigit() for c in text) and _display_width(text) <= max_chars)


def _natural_width(paragraph) -> float:
    """The width a paragraph takes on one line."""
    paragraph.wrap(1e6, 1e6)
    return max(paragraph.getActualLineWidths0() or [0])


def _display_width(text: str) -> int:
    """Columns a text takes: CJK (wide) characters count twice."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _has_emphasis(blocks) -> bool:
    def inl(nodes):
        return any(isinstance(n, m.Emph) or (isinstance(n, (m.Strong, m.Link)) and inl(n.children)) for n in nodes)

    for b in m.walk(blocks):
        if isinstance(b, (m.Para, m.Heading)) and inl(b.children):
            return True
        if isinstance(b, m.Table) and any(inl(c) for c in (*b.header, *(c for r in b.rows for c in r))):
            return True
    return False


def write(doc: m.Document, options) -> bytes:
    """Render a document to PDF bytes. `options` (writers.Options) carry the UI strings and the
    style sheet; the creation date is the document's date (midnight UTC), so the same document
    always gives the same bytes."""
    return _Writer(doc, options).build()
