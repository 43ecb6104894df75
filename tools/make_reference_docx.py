"""Build templates/styles/reference.docx: the style data of the DOCX writer.

Run once (`python tools/make_reference_docx.py`) and commit the result; after that, restyle by
opening the .docx in Word or LibreOffice and editing its styles. The writer only names styles.
"""

from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.oxml import OxmlElement
from docx.shared import Pt, RGBColor, Mm

LATIN = "DejaVu Sans"
EAST_ASIA = "WenQuanYi Micro Hei"
ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
MUTED = RGBColor(0x5A, 0x5A, 0x5A)


def fonts(style, size=None, bold=None, colour=None, italic=None):
    f = style.font
    f.name = LATIN
    if size:
        f.size = Pt(size)
    if bold is not None:
        f.bold = bold
    if italic is not None:
        f.italic = italic
    if colour is not None:
        f.color.rgb = colour
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
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "zh-CN")


def para_style(doc, name, base="Normal", **kw):
    try:
        st = doc.styles[name]
    except KeyError:
        st = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        st.base_style = doc.styles[base]
    pf = st.paragraph_format
    for k in ("space_before", "space_after"):
        if k in kw:
            setattr(pf, k, Pt(kw.pop(k)))
    if "left_indent" in kw:
        pf.left_indent = Pt(kw.pop("left_indent"))
    if "first_line_indent" in kw:
        pf.first_line_indent = Pt(kw.pop("first_line_indent"))
    if "align" in kw:
        pf.alignment = kw.pop("align")
    if "line" in kw:
        pf.line_spacing = kw.pop("line")
    fonts(st, **kw)
    return st


def main():
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin = sec.bottom_margin = Mm(24)
    sec.left_margin = sec.right_margin = Mm(22)
    # East-Asian defaults for the whole document.
    rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr_default.find(qn("w:rFonts"))
    for attr in list(rfonts.attrib):
        del rfonts.attrib[attr]
    rfonts.set(qn("w:ascii"), LATIN)
    rfonts.set(qn("w:hAnsi"), LATIN)
    rfonts.set(qn("w:eastAsia"), EAST_ASIA)
    rfonts.set(qn("w:cs"), LATIN)
    para_style(doc, "Normal", size=10, space_after=5, line=1.2)
    para_style(doc, "Title", size=20, bold=True, colour=ACCENT, space_after=6)
    para_style(doc, "Subtitle", size=11.5, colour=MUTED, italic=False, space_after=6)
    for i, size in ((1, 15), (2, 13), (3, 11)):
        para_style(doc, f"Heading {i}", size=size, bold=True, colour=ACCENT, space_before=12 if i < 3 else 9, space_after=4)
    para_style(doc, "Brief Meta", size=8.5, colour=MUTED, space_after=2)
    para_style(doc, "Brief Lead", size=10.5, space_after=5)
    para_style(doc, "Brief Finding", size=10, space_before=4, space_after=2)
    para_style(doc, "Brief Quote", size=9, colour=MUTED, left_indent=12, space_after=6)
    para_style(doc, "Brief Reference", size=8.5, left_indent=18, first_line_indent=-18, space_after=4)
    para_style(doc, "Brief Marking", size=12, bold=True, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=0)
    para_style(doc, "Brief Furniture", size=8, colour=MUTED, space_after=0)
    para_style(doc, "List Bullet", size=10, space_after=3)
    para_style(doc, "List Number", size=10, space_after=3)
    try:
        link = doc.styles["Hyperlink"]
    except KeyError:
        link = doc.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    link.font.color.rgb = RGBColor(0x1F, 0x4E, 0x8C)
    link.font.underline = True
    out = Path(__file__).resolve().parent.parent / "templates" / "styles" / "reference.docx"
    # Leave no sample content in the reference document.
    body = doc.element.body
    for p in list(body):
        if p.tag != qn("w:sectPr"):
            body.remove(p)
    cp = doc.core_properties
    cp.author = cp.last_modified_by = ""
    cp.title = "brief reference styles"
    cp.comments = ""
    doc.save(out)
    print(out)


if __name__ == "__main__":
    main()
