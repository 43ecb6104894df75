"""Build templates/styles/reference.docx: the style data of the DOCX writer.

The Word styles take their sizes, line heights, spacing, indents and colours from
templates/styles/pdf.yaml (the `WORD_STYLES` table below says which PDF style each Word style
copies), and the page its paper and margins, so that a DOCX brief is set like the PDF one and fills
as many pages. Run it (`python tools/make_reference_docx.py`) after changing pdf.yaml's styles, and
commit the result; a Word style can also be edited in Word or LibreOffice afterwards. The writer
only names styles.

The file holds no sample content and none of python-docx's template leftovers (a thumbnail, a
bibliography customXml part, Word's application properties).
"""

import io
import zipfile
from pathlib import Path

import yaml
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
PDF_YAML = ROOT / "templates" / "styles" / "pdf.yaml"
OUT = ROOT / "templates" / "styles" / "reference.docx"

LATIN = "DejaVu Sans"
EAST_ASIA = "WenQuanYi Micro Hei"

# Word style -> (the pdf.yaml style it copies, the Word style it is based on when it is new).
# docx.yaml maps the brief's heading levels 2 and 3 to Heading 1 and Heading 2: they copy h2 and h3.
WORD_STYLES = {
    "Normal": ("body", None),
    "Title": ("title", "Normal"),
    "Subtitle": ("subtitle", "Normal"),
    "Heading 1": ("h2", "Normal"),
    "Heading 2": ("h3", "Normal"),
    "Heading 3": ("h3", "Normal"),
    "Brief Meta": ("meta", "Normal"),
    "Brief Lead": ("lead", "Normal"),
    "Brief Finding": ("finding", "Normal"),
    "Brief Quote": ("quote", "Normal"),
    "Brief Compact": ("compact", "Normal"),
    "Brief Compact Bullet": ("compact", "List Bullet"),
    "Brief Reference": ("reference", "Normal"),
    "Brief Reference Compact": ("reference_compact", "Normal"),
    "Brief Table": ("table", "Normal"),
    "Brief Marking": ("marking", "Normal"),
    "Brief Furniture": ("furniture", "Normal"),
    "List Bullet": ("list_item", "Normal"),
    "List Number": ("list_item", "Normal"),
    "Brief TOC Title": ("toc_title", "Normal"),
    "toc 1": ("toc1", "Normal"),  # Word's names for the entries of a table of contents
    "toc 2": ("toc2", "Normal"),
}
# Kept on the page of the paragraph that follows them (besides the styles pdf.yaml keeps so).
KEEP_WITH_NEXT = {"Title", "Heading 1", "Heading 2", "Heading 3", "Brief TOC Title"}
ALIGN = {"Brief Marking": WD_ALIGN_PARAGRAPH.RIGHT}
HEADER_DISTANCE_MM = 10  # from the page's top edge to the header
FOOTER_DISTANCE_MM = 6   # from the page's bottom edge to the footer


def rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#").upper())


def set_fonts(style, look: dict, colours: dict) -> None:
    f = style.font
    f.name = LATIN
    f.size = Pt(look["size"])
    f.bold = bool(look.get("bold", False))
    f.italic = False
    f.color.rgb = rgb(colours[look.get("colour", "text")])
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), LATIN)
    rfonts.set(qn("w:hAnsi"), LATIN)
    rfonts.set(qn("w:eastAsia"), EAST_ASIA)
    rfonts.set(qn("w:cs"), LATIN)
    sz_cs = rpr.find(qn("w:szCs"))
    if sz_cs is not None:
        sz_cs.set(qn("w:val"), str(round(look["size"] * 2)))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "zh-CN")


def word_style(doc, name: str, base: str | None):
    try:
        return doc.styles[name]
    except KeyError:
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = doc.styles[base]
        return st


def make_style(doc, name: str, look: dict, colours: dict, base: str | None) -> None:
    st = word_style(doc, name, base)
    pf = st.paragraph_format
    pf.space_before = Pt(look.get("space_before", 0))
    pf.space_after = Pt(look.get("space_after", 0))
    # (Indents only where the PDF style sets them: a list style takes its indent from its numbering.)
    if "left_indent" in look:
        pf.left_indent = Pt(look["left_indent"])
    if "first_line_indent" in look:
        pf.first_line_indent = Pt(look["first_line_indent"])
    # The PDF's leading, as a minimum: a line with a taller glyph or an image grows.
    pf.line_spacing = Pt(look.get("leading") or look["size"] * 1.35)
    pf.line_spacing_rule = WD_LINE_SPACING.AT_LEAST
    pf.keep_with_next = bool(look.get("keep_with_next")) or name in KEEP_WITH_NEXT or None
    if name in KEEP_WITH_NEXT:
        pf.keep_together = True
    if name in ALIGN:
        pf.alignment = ALIGN[name]
    ppr = st.element.get_or_add_pPr()
    cs = ppr.find(qn("w:contextualSpacing"))  # (python-docx's lists drop the space between items)
    if cs is not None:
        ppr.remove(cs)
    set_fonts(st, look, colours)


def left_border(style, width_pt: float, text_at_pt: float, colour: str) -> None:
    """A vertical bar at the left indent's origin (the PDF's quote bar), `width_pt` wide, with the
    text `text_at_pt` from the bar's left edge: Word draws a left border outside the text, its
    `space` away."""
    style.paragraph_format.left_indent = Pt(text_at_pt)
    ppr = style.element.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        # pBdr comes after keepNext/keepLines/pageBreakBefore/framePr/widowControl/numPr/suppressLineNumbers.
        anchor = None
        for tag in ("w:suppressLineNumbers", "w:numPr", "w:widowControl", "w:framePr", "w:pageBreakBefore",
                    "w:keepLines", "w:keepNext", "w:pStyle"):
            anchor = ppr.find(qn(tag))
            if anchor is not None:
                break
        if anchor is None:
            ppr.insert(0, bdr)
        else:
            anchor.addnext(bdr)
    left = OxmlElement("w:left")
    left.set(qn("w:val"), "single")
    left.set(qn("w:sz"), str(round(width_pt * 8)))  # eighths of a point
    left.set(qn("w:space"), str(min(31, round(text_at_pt - width_pt))))  # points (at most 31)
    left.set(qn("w:color"), colour.lstrip("#").upper())
    bdr.append(left)


def bottom_border(style, width_pt: float, gap_pt: float, colour: str) -> None:
    bdr = style.element.get_or_add_pPr().find(qn("w:pBdr"))
    for el in list(bdr):
        bdr.remove(el)
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), str(max(2, round(width_pt * 8))))
    bottom.set(qn("w:space"), str(round(gap_pt)))
    bottom.set(qn("w:color"), colour.lstrip("#").upper())
    bdr.append(bottom)


def strip_leftovers(doc) -> None:
    """Drop python-docx's template thumbnail, its Word application properties (app.xml: "Microsoft
    Macintosh Word", Normal.dotm) and its bibliography stub (customXml)."""
    package_rels = doc.part.package.rels
    for rid in [rid for rid, rel in package_rels.items() if rel.reltype in (RT.THUMBNAIL, RT.EXTENDED_PROPERTIES)]:
        del package_rels[rid]
    for rid in [rid for rid, rel in doc.part.rels.items() if rel.reltype == RT.CUSTOM_XML]:
        del doc.part.rels[rid]


def main():
    sheet = yaml.safe_load(PDF_YAML.read_text(encoding="utf-8"))
    colours, looks, page = sheet["colours"], sheet["styles"], sheet["page"]
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = (Mm(210), Mm(297)) if page["size"].upper() == "A4" else (Mm(215.9), Mm(279.4))
    sec.top_margin, sec.bottom_margin = Mm(page["margin_top_mm"]), Mm(page["margin_bottom_mm"])
    sec.left_margin, sec.right_margin = Mm(page["margin_left_mm"]), Mm(page["margin_right_mm"])
    sec.header_distance, sec.footer_distance = Mm(HEADER_DISTANCE_MM), Mm(FOOTER_DISTANCE_MM)
    # East-Asian defaults for the whole document.
    rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr_default.find(qn("w:rFonts"))
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    rfonts.set(qn("w:ascii"), LATIN)
    rfonts.set(qn("w:hAnsi"), LATIN)
    rfonts.set(qn("w:eastAsia"), EAST_ASIA)
    rfonts.set(qn("w:cs"), LATIN)
    for name, (pdf_name, base) in WORD_STYLES.items():
        make_style(doc, name, looks[pdf_name], colours, base)
    subtitle = doc.styles["Subtitle"].element.get_or_add_pPr()
    if subtitle.find(qn("w:numPr")) is not None:  # a stray list level in python-docx's template
        subtitle.remove(subtitle.find(qn("w:numPr")))
    bar = sheet["quote_bar"]
    quote = doc.styles["Brief Quote"]
    # As in the PDF: the bar at the left, the text `gap` plus the quote style's indent from it.
    left_border(quote, bar["width"], bar["gap"] + looks["quote"].get("left_indent", 0), colours[bar["colour"]])
    rule = sheet["rules"]["title"]
    bottom_border(doc.styles["Title"], rule["thickness"], rule["space_before"], colours[rule["colour"]])
    try:
        link = doc.styles["Hyperlink"]
    except KeyError:
        link = doc.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.color.rgb = rgb(colours[sheet["links"]["colour"]])
    link.font.underline = True
    # Leave no sample content in the reference document.
    body = doc.element.body
    for p in list(body):
        if p.tag != qn("w:sectPr"):
            body.remove(p)
    strip_leftovers(doc)
    cp = doc.core_properties
    cp.author = cp.last_modified_by = ""
    cp.title = "brief reference styles"
    cp.comments = ""
    buf = io.BytesIO()
    doc.save(buf)
    OUT.write_bytes(fixed_zip(buf.getvalue()))
    print(OUT)


def fixed_zip(data: bytes) -> bytes:
    """The package re-zipped with fixed timestamps and sorted entries: the same styles give the
    same file."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, src.read(name))
    return out.getvalue()


if __name__ == "__main__":
    main()
