"""DOCX writer: the document model -> DOCX bytes, with python-docx.

Looks come from templates/styles/reference.docx; this writer only names styles (mapped by
templates/styles/docx.yaml). Text is cleaned of characters XML cannot hold. Hyperlinks are real
w:hyperlink elements; citations link to bookmarks on their reference entries. Output is
reproducible: fixed zip timestamps and core properties from the document's metadata.
"""

from __future__ import annotations

import datetime
import io
import zipfile

from brief import model as m
from brief.errors import InputError
from brief.i18n import clean_text
from brief.writers.styles import DOCX_MAP, missing_docx_styles, missing_docx_styles_problem, role_layout, role_style


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
        self._style_ids: dict[str, str] = {}
        missing = missing_docx_styles(self.map, self.d)
        if missing:
            raise InputError(missing_docx_styles_problem(missing))

    # ---- inlines ------------------------------------------------------------------------
    def inlines(self, p, nodes, bold=False, italic=False):
        for n in nodes:
            if isinstance(n, (m.Str, m.Code)):
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
                    if i:
                        self.run(p, ", ", bold, italic)
                    self.hyperlink(p, str(num), anchor=f"ref-{num}")
                self.run(p, "]", bold, italic)
            elif isinstance(n, m.SoftBreak):
                self.run(p, " ", bold, italic)
            elif isinstance(n, m.LineBreak):
                p.add_run().add_break()
            else:
                raise TypeError(f"DOCX writer cannot render inline {type(n).__name__}")

    def run(self, p, text, bold=False, italic=False):
        r = p.add_run(_xml_safe(text))
        if bold:
            r.bold = True
        if italic:
            r.italic = True
        return r

    def hyperlink(self, p, text, url=None, anchor=None):
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        h = OxmlElement("w:hyperlink")
        if url:
            rid = p.part.relate_to(url, RT.HYPERLINK, is_external=True)
            h.set(qn("r:id"), rid)
        else:
            h.set(qn("w:anchor"), anchor)
        r = OxmlElement("w:r")
        rpr = OxmlElement("w:rPr")
        rs = OxmlElement("w:rStyle")
        rs.set(qn("w:val"), self.map.hyperlink)
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
        start.set(qn("w:name"), name)
        end = OxmlElement("w:bookmarkEnd")
        end.set(qn("w:id"), str(self.bookmark_id))
        p._p.insert(0, start)
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
        return p

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
        self.blocks(b.blocks, stack + (b.role,))

    def _columns(self, b, stack):
        """Child blocks side by side: a one-row table, one cell per child."""
        table = self.d.add_table(rows=1, cols=len(b.blocks))
        saved = self.container
        for cell, child in zip(table.rows[0].cells, b.blocks):
            self.container = cell
            first = cell.paragraphs[0]
            self.blocks((child,), stack)
            if not first.text and len(cell.paragraphs) > 1:
                first._p.getparent().remove(first._p)
        self.container = saved
        self.para(self.map.body)  # keep consecutive tables apart

    def _list(self, items, stack, style):
        for item in items:
            for blk in item:
                if isinstance(blk, m.Para):
                    p = self.para(style)
                    self.inlines(p, blk.children)
                else:
                    self.blocks((blk,), stack)

    def b_BulletList(self, b, stack):
        self._list(b.items, stack, self.map.bullet)

    def b_OrderedList(self, b, stack):
        # Numbers are written as text so that they match the PDF and survive any numbering scheme.
        for i, item in enumerate(b.items, b.start):
            first = True
            for blk in item:
                if isinstance(blk, m.Para) and first:
                    p = self.para(role_style(self.map.roles, stack, "para", self.map.body))
                    p.paragraph_format.left_indent = None
                    self.run(p, f"{i}. ")
                    self.inlines(p, blk.children)
                    first = False
                else:
                    self.blocks((blk,), stack)

    def b_Chart(self, b, stack):
        """The chart as a PNG at the style's dpi (Pillow, imported only here), and its caption."""
        import io

        from docx.shared import Inches

        cs = self.map.chart
        png = _chart_png(b, cs, self.map.colour)
        p = self.para(self.map.body)
        p.add_run().add_picture(io.BytesIO(png), width=Inches(cs.width_in))
        cap = self.para(cs.caption_style)
        self.inlines(cap, b.caption)

    def b_Toc(self, b, stack):
        """A TOC field over Word heading levels 1-2 (the brief's sections and subsections).
        Word and LibreOffice fill it when fields are updated; the file asks for that on opening."""
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        if b.title:
            t = self.para(self.map.body)
            self.run(t, b.title, bold=True)
        p = self.para(self.map.body)
        _field(p, 'TOC \\o "1-2" \\h \\z \\u', self.t.get("toc_placeholder", ""))
        settings = self.d.settings.element
        if settings.find(qn("w:updateFields")) is None:
            uf = OxmlElement("w:updateFields")
            uf.set(qn("w:val"), "true")
            settings.append(uf)

    def b_Rule(self, b, stack):
        self.para(self.map.body)

    def b_Table(self, b, stack):
        rows = ([b.header] if b.header else []) + list(b.rows)
        if not rows:
            return
        table = self.d.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        try:
            table.style = self.d.styles["Table Grid"]
        except KeyError:
            pass
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                p = table.cell(r, c).paragraphs[0]
                self.inlines(p, cell, bold=bool(b.header) and r == 0)

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
        cp.language = "zh-CN" if meta.lang == "zh" else meta.lang
        cp.created = when
        cp.modified = when
        cp.revision = 1

    def custom_properties(self):
        """Provenance as DOCX custom properties (docProps/custom.xml)."""
        from xml.sax.saxutils import escape, quoteattr

        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        props = "".join(
            f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" name={quoteattr(k)}>'
            f"<vt:lpwstr>{escape(_xml_safe(v))}</vt:lpwstr></property>"
            for i, (k, v) in enumerate(self.doc.meta.provenance().items(), start=2))
        xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
               'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
               f"{props}</Properties>")
        package = self.d.part.package
        part = Part(PackURI("/docProps/custom.xml"),
                    "application/vnd.openxmlformats-officedocument.custom-properties+xml", xml.encode(), package)
        package.relate_to(part, RT.CUSTOM_PROPERTIES)

    def build(self) -> bytes:
        self.blocks(self.doc.blocks)
        self.furniture()
        self.properties()
        self.custom_properties()
        buf = io.BytesIO()
        self.d.save(buf)
        return _normalise_zip(buf.getvalue())


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
