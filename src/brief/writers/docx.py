"""DOCX writer: the document model -> DOCX bytes, with python-docx.

Looks come from templates/styles/reference.docx; this writer only names styles (mapped by
templates/styles/docx.yaml) and sets what follows from the content: table column widths and
alignment, what keeps together across a page end (table rows, a finding, a trailing line), the
table of contents' entries. Text is cleaned of characters XML cannot hold. Hyperlinks are real
w:hyperlink elements; citations link to bookmarks on their reference entries. Output is
reproducible: fixed zip timestamps, and core and application properties from the document's
metadata (none of the reference document's own: no template name, thumbnail or customXml).

Accessibility, by the rules of Word's accessibility checker: every chart has alternative text
built from its data (writers.alt), a table's header row is marked and repeats, the title is in
the core and application properties, the language is set on the styles and the theme, links
say where they lead (a citation's link has a ScreenTip naming its reference), pictures are
inline, and no empty paragraph makes space: the space between side-by-side blocks is the
cells' bottom margin, and consecutive side-by-side blocks are rows of one table.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
import zipfile

from brief import model as m
from brief.errors import InputError
from brief.i18n import clean_text
from brief.writers import xml_attr, xml_text
from brief.writers.alt import chart_alt, cite_link
from brief.writers.styles import DOCX_MAP, missing_docx_styles, missing_docx_styles_problem, role_layout, role_style
from brief.writers.linebreak import NBSP, cite_separator, joined_grade, split_grade


def _xml_safe(text: str) -> str:
    return clean_text(text)


class _Writer:
    def __init__(self, doc: m.Document, options):
        from docx import Document

        self.map = options.style  # a styles.DocxSheet, validated
        self.doc = doc
        self.t = options.strings
        self.d = Document(io.BytesIO(options.reference))
        self.bookmark_id = 0
        self.container = self.d  # where paragraphs go: the body, or a table cell
        self.written: list = []  # every paragraph `para` made, in order
        self._style_ids: dict[str, str] = {}
        self.columns_table = None  # the last table of side-by-side blocks, which the next may extend
        missing = missing_docx_styles(self.map, self.d)
        if missing:
            raise InputError(missing_docx_styles_problem(missing))

    # ---- inlines ------------------------------------------------------------------------
    def inlines(self, p, nodes, bold=False, italic=False):
        prev = None
        for n in nodes:
            if isinstance(n, m.Str) and isinstance(prev, m.Cite):
                self.run(p, _grade_joined(n.text), bold, italic)
            elif isinstance(n, (m.Str, m.Code)):
                self.run(p, n.text, bold, italic)
            elif isinstance(n, m.Emph):
                self.inlines(p, n.children, bold, True)
            elif isinstance(n, m.Strong):
                self.inlines(p, n.children, True, italic)
            elif isinstance(n, m.Link):
                self.hyperlink(p, m.inline_text(n.children), url=n.url)
            elif isinstance(n, m.Cite):
                self.run(p, "[", bold, italic)
                for i, num in enumerate(n.numbers):
                    if i:  # a short list never breaks inside ("[1, 2]")
                        self.run(p, cite_separator(self.t.cite_sep, len(n.numbers)), bold, italic)
                    self.hyperlink(p, str(num), anchor=f"ref-{num}", tooltip=cite_link(num, self.t))
                self.run(p, "]", bold, italic)
            elif isinstance(n, m.SoftBreak):
                self.run(p, " ", bold, italic)
            elif isinstance(n, m.LineBreak):
                p.add_run().add_break()
            else:
                raise TypeError(f"DOCX writer cannot render inline {type(n).__name__}")
            prev = n

    def run(self, p, text, bold=False, italic=False):
        # The run's w:t made directly: python-docx's `add_run(text)` looks for content to clear
        # and reads the text character by character (for tabs and newlines, which clean text
        # never holds); the XML is the same.
        from docx.text.run import Run

        text = _xml_safe(text)
        el = p._p.add_r()
        r = Run(el, p)
        if text:
            if "\t" in text or "\n" in text or "\r" in text:
                r.text = text
            else:
                el.add_t(text)
        if bold:
            r.bold = True
        if italic:
            r.italic = True
        return r

    def hyperlink(self, p, text, url=None, anchor=None, char_style="", tooltip=""):
        """A link run: to `url`, or to the bookmark `anchor`; in `char_style` (the style map's
        hyperlink style when left out; None: no character style); `tooltip`, its ScreenTip (what
        a screen reader says for a link whose text is only a number)."""
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        h = OxmlElement("w:hyperlink")
        if url:
            rid = p.part.relate_to(url, RT.HYPERLINK, is_external=True)
            h.set(qn("r:id"), rid)
        else:
            h.set(qn("w:anchor"), _bookmark_name(anchor))
        if tooltip:
            h.set(qn("w:tooltip"), _xml_safe(tooltip))
        r = OxmlElement("w:r")
        if char_style is not None:
            rpr = OxmlElement("w:rPr")
            rs = OxmlElement("w:rStyle")
            rs.set(qn("w:val"), char_style or self.map.hyperlink)
            rpr.append(rs)
            r.append(rpr)
        t = OxmlElement("w:t")
        t.text = _xml_safe(text)
        t.set(qn("xml:space"), "preserve")
        r.append(t)
        h.append(r)
        p._p.append(h)

    def bookmark(self, p, name):
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        self.bookmark_id += 1
        start = OxmlElement("w:bookmarkStart")
        start.set(qn("w:id"), str(self.bookmark_id))
        start.set(qn("w:name"), _bookmark_name(name))
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(self.bookmark_id))
        ppr = p._p.pPr  # (the schema puts a paragraph's properties first)
        p._p.insert(1 if ppr is not None else 0, start)
        p._p.append(end)

    # ---- blocks -------------------------------------------------------------------------
    def blocks(self, nodes, stack=()):
        for b in nodes:
            handler = getattr(self, "b_" + type(b).__name__, None)
            if handler is None:
                raise TypeError(f"DOCX writer cannot render block {type(b).__name__}")
            handler(b, stack)

    def para(self, style):
        # Set the style id directly: python-docx's look-up by name is slow on every call.
        p = self.container.add_paragraph()
        p._p.style = self.style_id(style)
        self.written.append(p)
        return p

    def in_body(self) -> bool:
        return self.container is self.d

    def style_id(self, name: str) -> str:
        if name not in self._style_ids:
            self._style_ids[name] = self.d.styles[name].style_id
        return self._style_ids[name]

    def b_Heading(self, b, stack):
        style = role_style(self.map.roles, stack, "heading", self.map.headings.get(b.level, "Heading 3"))
        p = self.para(style)
        self.inlines(p, b.children)
        if b.anchor:
            self.bookmark(p, b.anchor[:40])

    def b_Para(self, b, stack):
        p = self.para(role_style(self.map.roles, stack, "para", self.map.body))
        self.inlines(p, b.children)

    def b_BlockQuote(self, b, stack):
        self.blocks(b.blocks, stack + ("quote",))

    def b_Div(self, b, stack):
        if role_layout(self.map.roles, b.role) == "columns" and b.blocks:
            return self._columns(b, stack + (b.role,))
        look = self.map.roles.get(b.role)
        start = len(self.written)
        self.blocks(b.blocks, stack + (b.role,))
        if look is None or not self.in_body():  # (in a table cell, the row keeps together)
            return
        mine = [p for p in self.written[start:] if p._p.getparent() is self.d.element.body]
        if look.keep_together and mine:
            for p in mine:
                p.paragraph_format.keep_together = True
            for p in mine[:-1]:
                p.paragraph_format.keep_with_next = True
        if look.keep_with_previous and mine:
            _keep_previous_with(mine[0]._p)

    def _columns(self, b, stack):
        """Child blocks side by side: a row of a table, one cell per child; the row does not split
        across pages (so the heading above, kept with the table, stays with it). Side-by-side
        blocks that follow one another are rows of one table (two tables in a row would need an
        empty paragraph between them), and the space below each row, what an empty body
        paragraph took, is its cells' bottom margin."""
        body = self.d.element.body
        last = self.d.tables[-1] if self.in_body() and self.d.tables else None
        if last is not None and _last_block(body) is last._tbl and self.columns_table is last._tbl \
                and len(last.columns) == len(b.blocks):
            row = last.add_row()
        else:
            table = self.d.add_table(rows=1, cols=len(b.blocks))
            self.columns_table = table._tbl
            row = table.rows[0]
        _cant_split(row)
        saved = self.container
        gap = self.empty_paragraph_height()
        for cell, child in zip(row.cells, b.blocks):
            _bottom_margin(cell, gap)
            self.container = cell
            first = cell.paragraphs[0]
            self.blocks((child,), stack)
            if not first.text and len(cell.paragraphs) > 1:
                first._p.getparent().remove(first._p)
        self.container = saved

    def empty_paragraph_height(self) -> int:
        """The height (twips) an empty body paragraph takes, by its style in the reference
        document: space before and after, and one line (at least the font's, 1.2 times its size)."""
        style = self.d.styles[self.map.body]
        pf, size = style.paragraph_format, None
        s = style
        while s is not None and size is None:
            size = s.font.size
            s = s.base_style
        font = (size.pt if size is not None else 11) * 1.2 * 20
        spacing = style.element.pPr.find(_qn("w:spacing")) if style.element.pPr is not None else None
        line, rule = font, "auto"
        if spacing is not None and spacing.get(_qn("w:line")):
            rule = spacing.get(_qn("w:lineRule"), "auto")
            value = int(spacing.get(_qn("w:line")))
            line = value if rule == "exact" else max(value, font) if rule == "atLeast" else font * value / 240
        before = pf.space_before.twips if pf.space_before is not None else 0
        after = pf.space_after.twips if pf.space_after is not None else 0
        return round(before + line + after)

    def _list(self, items, stack, style):
        for item in items:
            first = True
            start = len(self.written)
            for blk in item:
                if isinstance(blk, m.Para) and first:
                    p = self.para(style)
                    self.inlines(p, blk.children)
                else:
                    # The item's later blocks (a quote) line up with its text.
                    later = len(self.written)
                    self.blocks((blk,), stack)
                    for p in self.written[later:]:
                        self.indent(p, self.map.list_indent)
                first = False
            self.item_end(start)

    def item_end(self, start: int) -> None:
        """The space below a list item's last paragraph (the items' paragraphs are written[start:])."""
        from docx.shared import Pt

        if self.map.list_item_space_after is not None and len(self.written) > start:
            self.written[-1].paragraph_format.space_after = Pt(self.map.list_item_space_after)

    def indent(self, p, points: float) -> None:
        """Add `points` to a paragraph's left indent (its own, or its style's)."""
        from docx.shared import Pt

        pf = p.paragraph_format
        current = pf.left_indent
        if current is None:
            current = self.style_indent(p.style)
        pf.left_indent = Pt(points) + (current or 0)

    def style_indent(self, style):
        while style is not None:
            if style.paragraph_format.left_indent is not None:
                return style.paragraph_format.left_indent
            style = style.base_style
        return None

    def b_BulletList(self, b, stack):
        self._list(b.items, stack, role_style(self.map.roles, stack, "list_item", self.map.bullet))

    def b_OrderedList(self, b, stack):
        # Numbers are written as text so that they match the PDF and survive any numbering scheme.
        for i, item in enumerate(b.items, b.start):
            first = True
            begin = len(self.written)
            for blk in item:
                if isinstance(blk, m.Para) and first:
                    p = self.para(role_style(self.map.roles, stack, "para", self.map.body))
                    p.paragraph_format.left_indent = None
                    self.run(p, f"{i}. ")
                    self.inlines(p, blk.children)
                    first = False
                else:
                    self.blocks((blk,), stack)
            self.item_end(begin)

    def b_Chart(self, b, stack):
        """The chart as an inline PNG at the style's dpi (Pillow, imported only here), with
        alternative text from its data (writers.alt.chart_alt), and its caption."""
        import io

        from docx.oxml.ns import qn
        from docx.shared import Inches

        cs = self.map.chart
        png = _chart_png(b, cs, self.map.colour)
        p = self.para(self.map.body)
        shape = p.add_run().add_picture(io.BytesIO(png), width=Inches(cs.width_in))
        alt = chart_alt(b, self.t)
        name = _xml_safe(b.title or b.id)[:255]
        for el in (shape._inline.docPr, *shape._inline.iter(qn("pic:cNvPr"))):
            el.set("descr", alt)
            el.set("name", name)
        p.paragraph_format.keep_with_next = True  # the chart stays with its caption
        cap = self.para(cs.caption_style)
        self.inlines(cap, b.caption)

    def b_Toc(self, b, stack):
        """A TOC field over the Word heading levels of the brief's sections and subsections, its
        result already filled with their headings (each a link to its heading, without a page
        number): the TOC reads before fields are updated. Word and LibreOffice rebuild it, page
        numbers included, when fields are updated; the file asks for that on opening."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        look = self.map.toc
        if b.title:
            t = self.para(look.title_style)
            self.run(t, b.title)
        entries = [h for h in m.walk(self.doc.blocks) if isinstance(h, m.Heading) and h.level in look.entry_styles]
        levels = sorted(self.outline_level(self.map.headings.get(lv, "Heading 3")) for lv in look.entry_styles)
        instr = f'TOC \\o "{levels[0]}-{levels[-1]}" \\h \\z \\u'
        if not entries:
            p = self.para(self.map.body)
            _field(p, instr, self.t.get("toc_placeholder", ""))
        for i, h in enumerate(entries):
            p = self.para(look.entry_styles[h.level])
            if i == 0:
                _field_start(p, instr)
            if h.anchor:  # (an entry links to its heading, in the entry's own look)
                self.hyperlink(p, m.inline_text(h.children), anchor=h.anchor[:40], char_style=None)
            else:
                self.run(p, m.inline_text(h.children))
            if i == len(entries) - 1:
                _field_end(p)
        settings = self.d.settings.element
        if settings.find(qn("w:updateFields")) is None:
            uf = OxmlElement("w:updateFields")
            uf.set(qn("w:val"), "true")
            settings.append(uf)

    def outline_level(self, style_name: str) -> int:
        """The Word outline level (1-9) of a heading style, through its base styles."""
        from docx.oxml.ns import qn

        style = self.d.styles[style_name]
        while style is not None:
            ppr = style.element.pPr
            lvl = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
            if lvl is not None:
                return int(lvl.get(qn("w:val"))) + 1
            style = style.base_style
        return 9

    def b_Rule(self, b, stack):
        """A thematic break: a line under the paragraph before it (an empty paragraph, if the
        break comes first, holds the line)."""
        before = [p for p in self.written if p._p.getparent() is self.container_element()]
        _border_below(before[-1] if before else self.para(self.map.body))

    def container_element(self):
        return self.d.element.body if self.in_body() else self.container._tc

    def b_Table(self, b, stack):
        """A table with sized columns: the header row repeats on every page and is kept with the
        first body row; no row splits across pages. A column of figures, or one the model aligns
        right, is right-aligned and does not wrap."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        rows = ([b.header] if b.header else []) + list(b.rows)
        if not rows:
            return
        look = self.map.table
        cols = max(len(r) for r in rows)
        table = self.d.add_table(rows=len(rows), cols=cols)
        table.style = self.d.styles[look.style]
        aligns = _column_aligns(b, cols)
        _set_widths(table, self.column_widths(b, rows, cols, aligns, table.style))
        para_style = self.style_id(look.para)
        jc = {"right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER}
        for r, row in enumerate(rows):
            header = bool(b.header) and r == 0
            _cant_split(table.rows[r], header=header)
            for c in range(cols):
                cell = table.cell(r, c)
                p = cell.paragraphs[0]
                p._p.style = para_style
                if aligns[c] in jc:
                    p.alignment = jc[aligns[c]]
                if aligns[c] == "right":
                    _no_wrap(cell)
                if header:
                    p.paragraph_format.keep_with_next = True  # the header stays with the first row
                if c < len(row):
                    self.inlines(p, row[c], bold=header)

    def column_widths(self, b, rows, cols: int, aligns, table_style) -> list[int]:
        """Column widths in twips, summing to the text width. A right-aligned column is as wide
        as its widest cell; the others share the rest by their weight (display width of their
        longest text, capped, plus a minimum), none narrower than its longest word."""
        look = self.map.table
        sec = self.d.sections[-1]
        text = round((sec.page_width - sec.left_margin - sec.right_margin) / 635)  # EMU -> twips
        pad = _cell_padding(table_style)
        char = look.char_width * 20  # twips

        def widest(i, measure):
            return max((measure(m.inline_text(r[i])) for r in rows if i < len(r)), default=0)

        longest = [widest(i, _display_width) for i in range(cols)]
        word = [round(widest(i, _longest_word) * char) + pad for i in range(cols)]
        fixed = {i: round(longest[i] * char) + pad for i in range(cols) if aligns[i] == "right"}
        weights = {i: look.column_weight_min + (min(look.column_weight_cap, longest[i]) if longest[i]
                                                else look.empty_column_weight)
                   for i in range(cols) if i not in fixed}
        if text - sum(fixed.values()) < sum(word[i] for i in weights):  # figures too wide: share all
            fixed, weights = {}, {i: look.column_weight_min + min(look.column_weight_cap, longest[i]) for i in range(cols)}
        # Share the rest by weight; a column that would be narrower than its longest word gets that
        # width, and the others share what remains.
        share = dict(weights)
        while True:
            free = text - sum(fixed.values())
            total = sum(share.values()) or 1
            short = [i for i in share if free * share[i] / total < word[i]]
            if not short or len(short) == len(share) or sum(word[i] for i in short) >= free:
                break
            for i in short:
                fixed[i] = word[i]
                del share[i]
        widths = [fixed[i] if i in fixed else int(free * share[i] / total) for i in range(cols)]
        rest = [i for i in range(cols) if i in share] or [max(range(cols), key=lambda i: widths[i])]
        widths[rest[-1]] += text - sum(widths)
        return widths

    def b_References(self, b, stack):
        style = role_style(self.map.roles, stack, "reference", self.map.reference)
        for e in b.entries:
            p = self.para(style)
            self.run(p, f"[{e.number}] ")
            self.inlines(p, e.children)
            if b.kind == "references":
                self.bookmark(p, f"ref-{e.number}")

    # ---- furniture and metadata ---------------------------------------------------------
    def furniture(self):
        for section in self.d.sections:
            header = section.header
            hp = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
            hp.style = self.d.styles[self.map.marking]
            hp.add_run(self.doc.meta.tlp)
            footer = section.footer
            fp = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
            fp.style = self.d.styles[self.map.marking]
            fp.add_run(self.doc.meta.tlp)
            pp = footer.add_paragraph(style=self.d.styles[self.map.furniture])
            label = self.t.page_of
            before, _, rest = label.partition("{page}")
            middle, _, after = rest.partition("{pages}")
            pp.add_run(before)
            _field(pp, "PAGE", "1")
            pp.add_run(middle)
            _field(pp, "NUMPAGES", "1")
            pp.add_run(after)

    def properties(self):
        meta = self.doc.meta
        cp = self.d.core_properties
        when = datetime.datetime.combine(datetime.date.fromisoformat(meta.date), datetime.time(0, 0))
        cp.title = _xml_safe(meta.title)[:255]
        cp.subject = _xml_safe(meta.subtitle)[:255]
        cp.author = _xml_safe(" / ".join(x for x in (meta.organisation, meta.author) if x) or "brief")[:255]
        cp.last_modified_by = cp.author
        cp.keywords = ", ".join(meta.keywords)[:255]
        cp.comments = ""
        cp.category = meta.tlp
        cp.language = _lang_tag(meta.lang)
        cp.created = when
        cp.modified = when
        cp.revision = 1

    def language(self):
        """The brief's language on every style (and the document defaults) and in the settings'
        theme font language, so that Word, LibreOffice and screen readers read it in the right
        language. Word gives a run two languages, one for Latin-script text (w:val) and one for
        East Asian text (w:eastAsia): East Asian text is Chinese in every brief; Latin-script text
        is in the brief's language (the reference document's region kept when it names the same
        language, en-GB), and in a Chinese brief stays the reference document's (English quotes
        and names: marked Chinese, LibreOffice would break their words anywhere)."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        tag = _lang_tag(self.doc.meta.lang)
        latin = tag.split("-")[0] != _EAST_ASIAN.split("-")[0]
        styles = self.d.styles.element
        default = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
        targets = list(styles.iter(qn("w:lang")))
        if default is not None and default.find(qn("w:lang")) is None:
            el = OxmlElement("w:lang")
            default.append(el)
            targets.append(el)
        settings = self.d.settings.element
        theme = settings.find(qn("w:themeFontLang"))
        if theme is None:
            theme = OxmlElement("w:themeFontLang")
            settings.append(theme)
        for el in (*targets, theme):
            given = el.get(qn("w:val"), "")
            if latin and given.split("-")[0].lower() != tag.split("-")[0]:
                el.set(qn("w:val"), tag)
            elif not given:
                el.set(qn("w:val"), "en-US")  # (Word's default, for Latin-script text of a Chinese brief)
            el.set(qn("w:eastAsia"), _EAST_ASIAN)

    def custom_properties(self):
        """Provenance as DOCX custom properties (docProps/custom.xml)."""

        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        props = "".join(
            f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" name={xml_attr(k)}>'
            f"<vt:lpwstr>{xml_text(_xml_safe(v))}</vt:lpwstr></property>"
            for i, (k, v) in enumerate(self.doc.meta.provenance().items(), start=2))
        xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
               'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
               f"{props}</Properties>")
        package = self.d.part.package
        part = Part(PackURI("/docProps/custom.xml"),
                    "application/vnd.openxmlformats-officedocument.custom-properties+xml", xml.encode(), package)
        package.relate_to(part, RT.CUSTOM_PROPERTIES)

    def application_properties(self):
        """docProps/app.xml naming this tool (and its version) as the application, and nothing
        it cannot know (pages, words, a template); the reference document's thumbnail and
        customXml parts (python-docx's or Word's leftovers) are dropped."""

        from docx.opc.constants import CONTENT_TYPE as CT
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        package = self.d.part.package
        for rels, kinds in ((package.rels, (RT.THUMBNAIL, RT.EXTENDED_PROPERTIES)), (self.d.part.rels, (RT.CUSTOM_XML,))):
            for rid in [rid for rid, rel in rels.items() if rel.reltype in kinds]:
                del rels[rid]
        version = self.doc.meta.tool_version
        app = f"brief/{version}" if version else "brief"
        title = xml_text(_xml_safe(self.doc.meta.title))
        # The document's title as its one part, as Word writes it (HeadingPairs counts the parts).
        parts = ('<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Title</vt:lpstr>'
                 '</vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs>'
                 f'<TitlesOfParts><vt:vector size="1" baseType="lpstr"><vt:lpstr>{title}</vt:lpstr></vt:vector>'
                 '</TitlesOfParts>')
        xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
               'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
               f"<Application>{xml_text(_xml_safe(app))}</Application><DocSecurity>0</DocSecurity>{parts}</Properties>")
        part = Part(PackURI("/docProps/app.xml"), CT.OFC_EXTENDED_PROPERTIES, xml.encode(), package)
        package.relate_to(part, RT.EXTENDED_PROPERTIES)

    def build(self) -> bytes:
        self.blocks(self.doc.blocks)
        self.furniture()
        self.properties()
        self.language()
        self.custom_properties()
        self.application_properties()
        buf = io.BytesIO()
        self.d.save(buf)
        return _normalise_zip(buf.getvalue())


_EAST_ASIAN = "zh-CN"  # the language of a brief's East Asian text, in either language


def _lang_tag(lang: str) -> str:
    """The BCP 47 tag of a brief's language in the DOCX: Chinese is zh-CN."""
    return "zh-CN" if lang == "zh" else lang


def _qn(tag: str) -> str:
    from docx.oxml.ns import qn

    return qn(tag)


def _last_block(body):
    """The last block of the body (a paragraph or a table), before the section properties."""
    for el in reversed(body):
        if el.tag in (_qn("w:p"), _qn("w:tbl")):
            return el
    return None


def _bottom_margin(cell, twips: int) -> None:
    """A cell's bottom margin (tcMar, after tcW in schema order)."""
    from docx.oxml import OxmlElement

    tcpr = cell._tc.get_or_add_tcPr()
    mar = tcpr.find(_qn("w:tcMar"))
    if mar is None:
        mar = OxmlElement("w:tcMar")
        later = [tcpr.find(_qn(t)) for t in ("w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark")]
        anchor = next((a for a in later if a is not None), None)
        if anchor is None:
            tcpr.append(mar)
        else:
            anchor.addprevious(mar)
    bottom = OxmlElement("w:bottom")
    bottom.set(_qn("w:w"), str(twips))
    bottom.set(_qn("w:type"), "dxa")
    mar.append(bottom)


def _border_below(p) -> None:
    """A single line under a paragraph (its bottom border, in the text colour)."""
    from docx.oxml import OxmlElement

    ppr = p._p.get_or_add_pPr()
    bdr = ppr.find(_qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        # pBdr comes after these in schema order; before shd, tabs, spacing, ind, jc, ...
        earlier = [ppr.find(_qn(t)) for t in ("w:suppressLineNumbers", "w:numPr", "w:widowControl", "w:framePr",
                                                 "w:pageBreakBefore", "w:keepLines", "w:keepNext", "w:pStyle")]
        anchor = next((a for a in earlier if a is not None), None)
        if anchor is None:
            ppr.insert(0, bdr)
        else:
            anchor.addnext(bdr)
    line = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "4"), ("w:space", "4"), ("w:color", "auto")):
        line.set(_qn(k), v)
    bdr.append(line)


def _field_start(p, instr: str) -> None:
    """Open a complex field that spans paragraphs: begin, instruction, separate (its result follows)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind in ("begin", "instr", "separate"):
        r = OxmlElement("w:r")
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        r.append(el)
        p._p.append(r)


def _field_end(p) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r = OxmlElement("w:r")
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), "end")
    r.append(el)
    p._p.append(r)


def _display_width(text: str) -> int:
    """Columns a text takes: CJK (wide) characters count twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _longest_word(text: str) -> int:
    """Display width of the longest piece of a text that a line cannot break: a run of other
    characters between spaces; a line may break after any CJK (wide) character."""
    longest = run = 0
    for ch in text:
        if ch.isspace() and ch != NBSP:  # (a no-break space joins)
            run = 0
        elif unicodedata.east_asian_width(ch) in "WF":
            run = 0
            longest = max(longest, 2)
        else:
            run += 1
            longest = max(longest, run)
    return longest


# A cell that holds a figure: a number with separators, perhaps a sign, a comparison or a % / +.
_FIGURE = re.compile(r"[<>~≈≤≥±+\-−]?\s?\d[\d.,\u00a0\u202f ]*\s?[%％+]?")


def _grade_joined(text: str) -> str:
    """The text after a citation with its grade (" · Grade C1") joined by no-break spaces, so
    that a line does not break inside it. (LibreOffice breaks Chinese text at any character,
    no-break space or word joiner or not: the Chinese strings write the grade with no space and
    no Chinese character, "[1]·C1".)"""
    graded = split_grade(text)
    if graded is None:
        return text
    lead, grade, rest = graded
    return joined_grade(lead, grade) + rest


def _bookmark_name(anchor: str) -> str:
    """A bookmark name Word accepts: a letter first, then letters, digits and underscores, at
    most 40 characters ("ref-3" -> "ref_3")."""
    import re

    name = re.sub(r"[^\w]", "_", anchor)
    if not name[:1].isalpha():
        name = "b_" + name
    return name[:40]


def _column_aligns(b, cols: int) -> list[str | None]:
    """Each column's alignment: the model's where it gives one (a `Table.align` entry: "left",
    "center" or "right"), else "right" for a column whose body cells are all figures."""
    given = tuple(b.align)
    out: list[str | None] = []
    for i in range(cols):
        a = (given[i] if i < len(given) else "") or None  # "" : the Markdown gives no alignment
        if a is None:
            cells = [m.inline_text(r[i]).strip() for r in b.rows if i < len(r)]
            cells = [c for c in cells if c]
            a = "right" if cells and all(_FIGURE.fullmatch(c) for c in cells) else None
        out.append(a)
    return out


def _cell_padding(table_style) -> int:
    """Left plus right cell margin (twips) of a table style; Word's default when it sets none."""
    from docx.oxml.ns import qn

    total = 0
    mar = table_style.element.find(f"{qn('w:tblPr')}/{qn('w:tblCellMar')}") if table_style is not None else None
    for side in ("left", "right"):
        el = mar.find(qn(f"w:{side}")) if mar is not None else None
        total += int(el.get(qn("w:w"))) if el is not None else 115
    return total


def _set_widths(table, widths: list[int]) -> None:
    """A fixed layout with these column widths (twips): grid, table width and every cell."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Twips

    table.autofit = False
    tblpr = table._tbl.tblPr
    tblw = tblpr.find(qn("w:tblW"))
    if tblw is None:
        tblw = OxmlElement("w:tblW")
        tblpr.append(tblw)
    tblw.set(qn("w:w"), str(sum(widths)))
    tblw.set(qn("w:type"), "dxa")
    for col, w in zip(table.columns, widths):
        col.width = Twips(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = Twips(w)


def _cant_split(row, header: bool = False) -> None:
    """The row never splits across pages; a header row repeats at the top of each page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    for tag, wanted in (("w:cantSplit", True), ("w:tblHeader", header)):
        if wanted and trpr.find(qn(tag)) is None:
            el = OxmlElement(tag)
            trpr.append(el)


def _no_wrap(cell) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tcpr = cell._tc.get_or_add_tcPr()
    if tcpr.find(qn("w:noWrap")) is None:
        el = OxmlElement("w:noWrap")
        # noWrap comes after tcW, gridSpan, vMerge, tcBorders, shd (in schema order).
        after = [tcpr.find(qn(t)) for t in ("w:shd", "w:tcBorders", "w:vMerge", "w:gridSpan", "w:tcW")]
        anchor = next((a for a in after if a is not None), None)
        if anchor is None:
            tcpr.insert(0, el)
        else:
            anchor.addnext(el)


def _keep_previous_with(p_el) -> None:
    """Keep what stands before a body paragraph on its page: the previous paragraph (and when
    that is empty, such as a thematic break's line at the start, what stands before it), or the
    last row of a table right before it."""
    from docx.oxml.ns import qn

    prev = p_el.getprevious()
    if prev is not None and prev.tag == qn("w:p"):
        _keep_next(prev)
        if not "".join(prev.itertext()).strip():
            prev = prev.getprevious()
    if prev is not None and prev.tag == qn("w:tbl"):
        rows = prev.findall(qn("w:tr"))
        if rows:
            for p in rows[-1].iter(qn("w:p")):
                _keep_next(p)


def _keep_next(p_el) -> None:
    from docx.text.paragraph import Paragraph

    Paragraph(p_el, None).paragraph_format.keep_with_next = True


def _field(p, instr: str, placeholder: str) -> None:
    """Append a complex field (PAGE, NUMPAGES, TOC, …) with its placeholder result to a paragraph."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind in ("begin", "instr", "separate", "result", "end"):
        r = OxmlElement("w:r")
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
        elif kind == "result":
            el = OxmlElement("w:t")
            el.text = placeholder
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        r.append(el)
        p._p.append(r)


def _chart_png(b, cs, colour) -> bytes:
    """Render a Chart node to a PNG at the style's dpi with Pillow (which reportlab already
    needs): the same horizontal-bar layout as the PDF's vector chart, with the model's value
    axis (bars scaled to 0..`axis_max`, its marks and numbers under the bars) and the unit on
    top. Deterministic output. `cs` is docx.yaml's `chart`; `colour(name)` gives the #RRGGBB of
    a palette colour."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    from brief.fonts import find_font
    from brief.i18n import format_number

    dpi = cs.dpi
    px = dpi / 72.0  # pixels per point
    size = cs.font_size
    font_path = find_font(cs.font_file, cs.font_dirs, cs.font_package, str(DOCX_MAP))
    font = ImageFont.truetype(font_path, max(1, round(size * px)))
    small = ImageFont.truetype(font_path, max(1, round((size - cs.unit_size_step) * px)))
    tick_font = ImageFont.truetype(font_path, max(1, round((size - cs.tick_size_step) * px)))
    n = max(1, len(b.values))
    width = round(cs.width_in * dpi)
    bar_h = round(cs.bar_height_in * dpi)
    top = round(size * px * cs.top_lines)
    axis_room = round(cs.axis_room * px)
    height = top + n * bar_h + axis_room + round(cs.bottom_pad * px)
    img = Image.new("RGB", (width, height), colour(cs.background))
    draw = ImageDraw.Draw(img)
    text_colour = colour(cs.text_colour)
    axis_colour = colour(cs.axis_colour)
    line = max(1, round(cs.axis_width * px))
    labels = [str(x) for x in b.labels]
    label_w = max((draw.textlength(x, font=font) for x in labels), default=0) + round(cs.label_pad * px)
    value_txt = [format_number(v) for v in b.values]
    value_w = max((draw.textlength(x, font=font) for x in value_txt), default=0) + round(cs.value_pad * px)
    plot_w = max(1, width - label_w - value_w)
    vmax = b.axis_max or max(b.values, default=0) or 1
    draw.text((width - cs.unit_inset_px, round(cs.unit_top * px)), b.unit, font=small, fill=colour(cs.unit_colour), anchor="ra")
    for i, (label, value, vt) in enumerate(zip(labels, b.values, value_txt)):
        y = top + i * bar_h
        mid = y + bar_h // 2
        length = round(plot_w * (value / vmax))
        draw.text((label_w - round(cs.label_gap * px), mid), label, font=font, fill=text_colour, anchor="rm")
        draw.rectangle([label_w, y + bar_h * cs.bar_top, label_w + max(1, length), y + bar_h * cs.bar_bottom],
                       fill=colour(cs.colour))
        draw.text((label_w + length + round(cs.value_gap * px), mid), vt, font=font, fill=text_colour, anchor="lm")
    base = top + n * bar_h
    draw.line([label_w, top, label_w, base], fill=axis_colour, width=line)
    draw.line([label_w, base, label_w + plot_w, base], fill=axis_colour, width=line)
    tick = round(cs.tick_length * px)
    for value, label in zip(b.ticks, b.tick_labels):
        x = label_w + round(plot_w * value / vmax)
        draw.line([x, base, x, base + tick], fill=axis_colour, width=line)
        draw.text((x, base + tick), label, font=tick_font, fill=text_colour, anchor="ma")
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(dpi, dpi), optimize=False)
    return buf.getvalue()


def _normalise_zip(data: bytes) -> bytes:
    """Re-zip with fixed timestamps and sorted entries ([Content_Types].xml first)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, src.read(name))
    return out.getvalue()


def write(doc: m.Document, options) -> bytes:
    """Render a document to DOCX bytes. `options` (writers.Options) carry the UI strings, the
    style map and the reference document; the core dates are the document's date."""
    return _Writer(doc, options).build()
