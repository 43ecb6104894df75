"""Style data shared by writers: the schemas of templates/styles/pdf.yaml (`PdfStyle`) and
templates/styles/docx.yaml (`DocxStyle`), their loading and checking, the reference document,
and role -> style look-ups. How things look lives in templates/styles/, not in code.

The palette is written once, in pdf.yaml's `colours:`. Everything else names its colours from
it, in pdf.yaml and in docx.yaml alike (docx.yaml's chart colours); a name the palette lacks is an
error at its line. Style names that roles, headings and sections refer to must exist in `styles:`.

A broken style file is an `InputError` whose problems read `path:line: message (hint: …)`.
"""


import dataclasses
import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, WithJsonSchema, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from brief.corpus.schema import Strict
from brief.errors import InputError, Problem

PDF_STYLE = Path("templates") / "styles" / "pdf.yaml"
DOCX_MAP = Path("templates") / "styles" / "docx.yaml"
REFERENCE_DOCX = Path("templates") / "styles" / "reference.docx"

MM = 72 / 25.4  # points per millimetre (the same number as reportlab.lib.units.mm)

# A validator's message may carry its own hint after this marker; `_validated` splits it off, so
# that the problem reads `path:line: message (hint: …)` like every other.
_HINT = "; hint: "


def _no_comment(v):
    if v is None:  # `accent: #1F3A5F` is an empty value and a comment
        raise ValueError(f"no colour given{_HINT}quote it, e.g. \"#1F3A5F\": an unquoted # starts a YAML comment")
    return v


def _check_colour(v: str) -> str:
    s = v[1:] if v.startswith("#") else ""
    if len(s) != 6 or any(c not in "0123456789abcdefABCDEF" for c in s):
        raise ValueError(f"{v!r} is not a colour{_HINT}write # and six hex digits (#RRGGBB), e.g. \"#1F3A5F\"")
    return v


Colour = Annotated[str, BeforeValidator(_no_comment), AfterValidator(_check_colour),
                   WithJsonSchema({"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$"})]
Points = Annotated[float, Field(ge=0)]
ColourName = str  # a key of pdf.yaml's `colours:`
StyleName = str   # a key of pdf.yaml's `styles:`


# ---- pdf.yaml ---------------------------------------------------------------------------------


class Page(Strict):
    """Paper and margins. The body frame is the page less its margins."""

    size: str = Field(description="Paper size: A4 or Letter (any case).",
                      json_schema_extra={"pattern": "^([Aa]4|[Ll][Ee][Tt][Tt][Ee][Rr])$", "examples": ["A4", "Letter"]})
    margin_top_mm: Points = Field(description="Top margin in mm (the header sits in it).")
    margin_bottom_mm: Points = Field(description="Bottom margin in mm (the footer and a recipient marking sit in it).")
    margin_left_mm: Points = Field(description="Left margin in mm.")
    margin_right_mm: Points = Field(description="Right margin in mm.")

    @field_validator("size")
    @classmethod
    def _known_size(cls, v: str) -> str:
        if v.upper() not in ("A4", "LETTER"):
            raise ValueError(f"unknown page size {v!r}{_HINT}write A4 or Letter")
        return v

    @property
    def margins_pt(self) -> tuple[float, float, float, float]:
        """(top, bottom, left, right) margins in points."""
        return (self.margin_top_mm * MM, self.margin_bottom_mm * MM, self.margin_left_mm * MM, self.margin_right_mm * MM)


class LatinFonts(Strict):
    """A Latin family with real bold and italic faces (TrueType files)."""

    package: str = Field(description="Debian package that ships the files (named when one is missing).")
    regular: str = Field(description="File name of the regular face.")
    bold: str = Field(description="File name of the bold face.")
    italic: str = Field(description="File name of the italic face (loaded only for documents with emphasis).")
    bolditalic: str = Field(description="File name of the bold italic face.")


class CjkFont(Strict):
    """The one font for Chinese text (TrueType outlines; reportlab cannot embed CFF)."""

    package: str = Field(description="Debian package that ships the file.")
    regular: str = Field(description="File name (.ttf or .ttc).")
    subfont: int = Field(0, ge=0, description="Index of the face inside a .ttc collection.")
    synthetic_bold: float = Field(0, ge=0, le=0.2, description="The font has no bold face: bold CJK text is drawn filled "
                                  "and stroked with an outline this wide, as a fraction of the font size (0: bold "
                                  "CJK text looks regular).")


class Fonts(Strict):
    """Fonts of the PDF: text is split into runs per script; a character neither font can draw
    stops the build."""

    search_dirs: list[str] = Field(min_length=1, description="Directories searched (recursively, in order) for the font files.")
    latin: LatinFonts = Field(description="The Latin family.")
    cjk: CjkFont = Field(description="The CJK font.")


class ParaStyle(Strict):
    """A paragraph style. Lengths in points."""

    size: float = Field(gt=0, description="Font size.")
    leading: float | None = Field(None, gt=0, description="Line height; 1.35 times the size when left out.")
    colour: ColourName = Field("text", description="Text colour: a name from `colours:`.")
    bold: bool = Field(False, description="Set the whole paragraph in bold.")
    space_before: Points = Field(0, description="Space above the paragraph.")
    space_after: Points = Field(0, description="Space below the paragraph.")
    left_indent: float = Field(0, description="Indent of every line from the left.")
    first_line_indent: float = Field(0, description="Extra indent of the first line (negative for a hanging indent).")
    keep_with_next: bool = Field(False, description="Keep on the same page as the next block.")

    @property
    def line_height(self) -> float:
        """The leading, or 1.35 times the size when none is given."""
        return self.leading if self.leading is not None else self.size * 1.35


class Role(Strict):
    """Which paragraph style each kind of block takes inside a role (a `::: role` fence)."""

    heading: StyleName | None = Field(None, description="Style of headings in this role.")
    para: StyleName | None = Field(None, description="Style of paragraphs in this role.")
    list_item: StyleName | None = Field(None, description="Style of list items in this role.")
    reference: StyleName | None = Field(None, description="Style of reference-list entries in this role.")
    layout: Literal["columns"] | None = Field(None, description="`columns`: each child block becomes a column.")
    keep_with_previous: bool = Field(False, description="PDF: a block of this role at the top level of the document "
                                     "(such as a line after a list of findings) stays on the page where the block before "
                                     "it ends, never alone at the top of a page.")


class Defaults(Strict):
    """The style a block takes outside any role that says otherwise."""

    para: StyleName = Field(description="Paragraphs.")
    list_item: StyleName = Field(description="List items.")
    reference: StyleName = Field(description="Reference-list entries.")
    heading: StyleName = Field(description="Headings of a level that `headings:` does not list.")


class Bullets(Strict):
    """List bullets and numbers."""

    colour: ColourName = Field(description="Colour of bullets and numbers.")
    gap: Points = Field(description="Added to `list_indent` for the item text: room for the bullet.")


class Links(Strict):
    """Hyperlinks and citation numbers."""

    colour: ColourName = Field(description="Colour of links and of the citation numbers that link to references.")


class RuleLine(Strict):
    """A horizontal rule across the frame."""

    thickness: Points = Field(description="Line width.")
    colour: ColourName = Field(description="Line colour.")
    space_before: Points = Field(description="Space above the line.")
    space_after: Points = Field(description="Space below the line.")


class Rules(Strict):
    """Horizontal rules."""

    title: RuleLine = Field(description="The rule under the title block (when `rule_after_title` is true).")
    thematic: RuleLine = Field(description="A thematic break (`---` in a template).")


class QuoteBar(Strict):
    """The vertical bar at the left of a quote."""

    width: Points = Field(description="Width of the bar.")
    gap: Points = Field(description="Distance from the bar's left edge to the quoted text.")
    colour: ColourName = Field(description="Colour of the bar.")


class Columns(Strict):
    """Side-by-side columns (a role with `layout: columns`)."""

    gap: Points = Field(description="Space between columns.")
    padding_top: Points = Field(description="Space above each piece of a column.")
    padding_bottom: Points = Field(description="Space below each piece of a column.")
    rule_width: Points = Field(description="Width of the rules above and below the columns.")
    rule_colour: ColourName = Field(description="Colour of those rules.")


class Padding(Strict):
    """Space inside a table cell."""

    left: Points = Field(description="Left padding.")
    right: Points = Field(description="Right padding.")
    top: Points = Field(description="Top padding.")
    bottom: Points = Field(description="Bottom padding.")


class ColumnWeights(Strict):
    """How a table's column widths are weighed, in both formats: each column's longest text, in
    characters (CJK twice)."""

    column_weight_min: Points = Field(description="Every column's width weight starts at this many characters.")
    column_weight_cap: Points = Field(description="At most this many characters of a column's longest text count towards its width.")
    empty_column_weight: Points = Field(description="Characters counted for a column with no text.")


class TableLook(ColumnWeights):
    """Tables (key figures, Markdown tables). Column widths follow each column's longest text."""

    style: StyleName = Field(description="Paragraph style of the cells (header cells are bold).")
    grid_width: Points = Field(description="Width of the grid lines.")
    grid_colour: ColourName = Field(description="Colour of the grid lines.")
    padding: Padding = Field(description="Cell padding.")
    figure_max_chars: int = Field(ge=1, description="A column whose body cells all hold a digit and at most this many "
                                  "characters (CJK twice), or nothing, is a column of figures: as wide as its widest "
                                  "cell, never wrapped.")
    figure_share_max: float = Field(gt=0, le=1, description="Columns of figures take at most this share of the width "
                                    "together; past it, every column shares the width and may wrap.")


class Toc(Strict):
    """The table of contents (sections and subsections)."""

    title_style: StyleName = Field(description="Style of the TOC's title.")
    section_style: StyleName = Field(description="Style of section entries (level-2 headings).")
    subsection_style: StyleName = Field(description="Style of subsection entries (level-3 headings).")
    cell_padding: Points = Field(description="Padding of every TOC cell.")
    dots_min_level: int = Field(ge=0, description="Leader dots from this entry level on (0: every entry).")


class RecipientMarking(Strict):
    """Where `brief distribute` prints a recipient's marking: below the footer, left."""

    style: StyleName = Field(description="Style of the marking.")
    gap_below_footer: Points = Field(description="Distance from the footer's baseline down to the marking's top.")
    min_bottom: Points = Field(description="The marking never comes closer than this to the page's bottom edge.")


class Furniture(Strict):
    """Header and footer, drawn on every page: the TLP marking right, the title (header) or
    "Page X of Y" (footer) left, each with a rule on the frame side. Distances from the frame."""

    marking_style: StyleName = Field(description="Style of the TLP marking.")
    text_style: StyleName = Field(description="Style of the title and the page numbers.")
    header_above_frame: Points = Field(description="Header baseline, above the frame's top.")
    footer_below_frame: Points = Field(description="Footer baseline, below the frame's bottom.")
    header_rule_below: Points = Field(description="Header rule, below the header baseline.")
    footer_rule_above: Points = Field(description="Footer rule, above the footer baseline.")
    rule_width: Points = Field(description="Width of both rules.")
    rule_colour: ColourName = Field(description="Colour of both rules.")
    title_reserve: Points = Field(description="Width kept free for the TLP marking right of the header title "
                                              "(a longer title is shortened with …).")
    recipient: RecipientMarking = Field(description="A recipient's marking on distributed copies.")


class PdfChart(Strict):
    """Charts: horizontal bars drawn as vector graphics. Lengths in points unless the key says otherwise."""

    bar_colour: ColourName = Field(description="Colour of the bars.")
    text_colour: ColourName = Field(description="Colour of labels, values and the axis' numbers.")
    font_size: float = Field(gt=0, description="Size of labels and values.")
    bar_height: Points = Field(description="Height of one bar's row.")
    label_width_mm: Points = Field(description="Width kept for the labels left of the bars, in mm.")
    caption_style: StyleName = Field(description="Style of the caption under the chart.")
    plot_bottom: Points = Field(description="Space below the bars.")
    headroom: Points = Field(description="Space above the bars for the unit, besides one line of font_size.")
    value_room: Points = Field(description="Width kept right of the bars for their values.")
    label_gap: Points = Field(description="Distance from a label to its bar.")
    value_gap: Points = Field(description="Distance from a bar to its value.")
    unit_colour: ColourName = Field(description="Colour of the unit above the bars.")
    unit_inset: Points = Field(description="Distance from the unit's right end to the drawing's right edge.")
    unit_raise: Points = Field(description="Distance from the top bar to the unit's baseline.")
    unit_size_step: float = Field(description="The unit is set this much smaller than font_size.")
    unit_max_chars: int = Field(ge=1, description="A longer unit is cut to this many characters.")
    axis_colour: ColourName = Field(description="Colour of the axes (left of and under the bars) and their marks.")
    axis_width: Points = Field(description="Width of the axis lines and marks.")
    tick_length: Points = Field(description="Length of a mark on the value axis, below it.")
    tick_size_step: float = Field(description="The axis' numbers are set this much smaller than font_size.")
    axis_room: Points = Field(description="Space under the bars for the value axis, its marks and numbers.")


def _style_refs(sheet: "PdfStyle"):
    """(location, style name) of every style that the sheet names."""
    for role, r in sheet.roles.items():
        for key in ("heading", "para", "list_item", "reference"):
            if getattr(r, key) is not None:
                yield ("roles", role, key), getattr(r, key)
    for level, name in sheet.headings.items():
        yield ("headings", level), name
    for key in ("para", "list_item", "reference", "heading"):
        yield ("defaults", key), getattr(sheet.defaults, key)
    yield ("table", "style"), sheet.table.style
    for key in ("title_style", "section_style", "subsection_style"):
        yield ("toc", key), getattr(sheet.toc, key)
    yield ("furniture", "marking_style"), sheet.furniture.marking_style
    yield ("furniture", "text_style"), sheet.furniture.text_style
    yield ("furniture", "recipient", "style"), sheet.furniture.recipient.style
    yield ("chart", "caption_style"), sheet.chart.caption_style


def _colour_refs(sheet: "PdfStyle"):
    """(location, colour name) of every colour that the sheet names."""
    for name, st in sheet.styles.items():
        yield ("styles", name, "colour"), st.colour
    yield ("bullets", "colour"), sheet.bullets.colour
    yield ("links", "colour"), sheet.links.colour
    yield ("rules", "title", "colour"), sheet.rules.title.colour
    yield ("rules", "thematic", "colour"), sheet.rules.thematic.colour
    yield ("quote_bar", "colour"), sheet.quote_bar.colour
    yield ("columns", "rule_colour"), sheet.columns.rule_colour
    yield ("table", "grid_colour"), sheet.table.grid_colour
    yield ("furniture", "rule_colour"), sheet.furniture.rule_colour
    for key in ("bar_colour", "text_colour", "unit_colour", "axis_colour"):
        yield ("chart", key), getattr(sheet.chart, key)


def _unknown(refs, known, kind: str, where: str) -> list[tuple[tuple, str]]:
    """(location, message) for every reference to a name that `known` lacks."""
    out = []
    for loc, name in refs:
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1)
            hint = (f"did you mean '{close[0]}'? " if close else "") + f"{where} has: {', '.join(known)}"
            out.append((loc, f"unknown {kind} '{name}'{_HINT}{hint}"))
    return out


def _raise_unknown(title: str, errors: list[tuple[tuple, str]]) -> None:
    if errors:
        raise ValidationError.from_exception_data(title, [
            InitErrorDetails(type=PydanticCustomError("unknown_name", "{message}", {"message": msg}), loc=loc, input=None)
            for loc, msg in errors])


class PdfStyle(Strict):
    """`templates/styles/pdf.yaml`: every look of the PDF writer. Sizes in points unless the key
    says otherwise. `colours:` is the project's one palette; everything else names its colours."""

    page: Page = Field(description="Paper size and margins.")
    fonts: Fonts = Field(description="Font files.")
    colours: dict[str, Colour] = Field(min_length=1, description="The palette: name -> #RRGGBB. Styles, rules, charts (and docx.yaml's chart) name these colours.")
    styles: dict[str, ParaStyle] = Field(min_length=1, description="Paragraph styles by name.")
    defaults: Defaults = Field(description="The style a block takes outside any role that says otherwise.")
    roles: dict[str, Role] = Field(description="Which style a block takes inside a role (`::: role` in a template); the innermost role wins.")
    headings: dict[int, StyleName] = Field(description="Style of a heading, by level.")
    list_indent: Points = Field(description="Indent of list items.")
    rule_after_title: bool = Field(description="Draw a rule (`rules.title`) under the title block.")
    bullets: Bullets = Field(description="List bullets and numbers.")
    links: Links = Field(description="Hyperlinks and citation numbers.")
    rules: Rules = Field(description="Horizontal rules.")
    quote_bar: QuoteBar = Field(description="The bar at the left of a quote.")
    columns: Columns = Field(description="Side-by-side columns.")
    table: TableLook = Field(description="Tables.")
    toc: Toc = Field(description="The table of contents.")
    furniture: Furniture = Field(description="Header, footer and a recipient's marking, drawn on every page.")
    chart: PdfChart = Field(description="Charts (vector graphics).")

    @model_validator(mode="after")
    def _names_exist(self):
        _raise_unknown("PdfStyle", _unknown(_colour_refs(self), self.colours, "colour", "colours:")
                       + _unknown(_style_refs(self), self.styles, "style", "styles:"))
        return self

    def colour(self, name: ColourName) -> str:
        """The #RRGGBB of a palette colour."""
        return self.colours[name]


# ---- docx.yaml --------------------------------------------------------------------------------


class DocxRole(Strict):
    """Which Word style each kind of block takes inside a role, and how the role's paragraphs
    keep together across a page end."""

    heading: str | None = Field(None, description="Word style of headings in this role.")
    para: str | None = Field(None, description="Word style of paragraphs in this role.")
    list_item: str | None = Field(None, description="Word style of bullet-list items in this role (a style with bullets).")
    reference: str | None = Field(None, description="Word style of reference-list entries in this role.")
    layout: Literal["columns"] | None = Field(None, description="`columns`: each child block becomes a table column.")
    keep_together: bool = Field(False, description="Keep the role's paragraphs on one page (each kept with the next "
                                                   "and its lines together), like the PDF's findings.")
    keep_with_previous: bool = Field(False, description="Keep the role's first paragraph on the page of the paragraph "
                                                        "before it: a trailing line such as \"N more findings\".")


class DocxTable(ColumnWeights):
    """Tables (key figures, Markdown tables). Column widths follow each column's longest text,
    counted in characters (CJK twice): `column_weight_min` plus at most `column_weight_cap`. A
    column of figures (or one the model aligns right) is right-aligned, does not wrap and is as wide
    as its widest cell; the other columns share the rest of the text width, none narrower than its
    longest word."""

    style: str = Field(description="Word table style (borders, cell padding).")
    para: str = Field(description="Word paragraph style of the cells (header cells are bold).")
    char_width: float = Field(gt=0, description="Width of one character of cell text, in points (CJK twice): "
                                                "sizes a column that does not wrap, and the narrowest a column may be (its longest word).")


class DocxToc(Strict):
    """The table of contents: a TOC field whose result is filled with the headings (without page
    numbers) so that it reads before fields are updated; Word fills in page numbers on updating."""

    title_style: str = Field(description="Word style of the TOC's title.")
    entry_styles: dict[int, str] = Field(min_length=1, description="Word style of an entry, by heading level; the "
                                                                   "levels listed are the ones the TOC holds.")


class DocxChart(Strict):
    """Charts in the DOCX: PNG images drawn with Pillow, in the same layout as the PDF's.
    Lengths in points unless the key says otherwise; colours are names from pdf.yaml's `colours:`."""

    dpi: int = Field(ge=1, description="Resolution of the image.")
    width_in: float = Field(gt=0, description="Width of the image, in inches.")
    bar_height_in: float = Field(gt=0, description="Height of one bar's row, in inches.")
    colour: ColourName = Field(description="Colour of the bars.")
    text_colour: ColourName = Field(description="Colour of labels and values.")
    unit_colour: ColourName = Field(description="Colour of the unit (top right).")
    axis_colour: ColourName = Field(description="Colour of the axes (left of and under the bars) and their marks.")
    background: ColourName = Field(description="Colour of the image's background.")
    font_size: float = Field(gt=1, description="Size of labels and values.")
    unit_size_step: float = Field(description="The unit is set this much smaller than font_size.")
    top_lines: float = Field(ge=0, description="Space above the bars, in lines of font_size.")
    bottom_pad: Points = Field(description="Space below the bars.")
    label_pad: Points = Field(description="Width added to the widest label.")
    value_pad: Points = Field(description="Width added to the widest value.")
    label_gap: Points = Field(description="Distance from a label's right end to the axis.")
    value_gap: Points = Field(description="Distance from a bar's end to its value.")
    unit_top: Points = Field(description="Distance from the image's top to the unit.")
    unit_inset_px: int = Field(ge=0, description="Distance from the unit's right end to the image's right edge, in pixels.")
    bar_top: float = Field(ge=0, le=1, description="Where a bar starts in its row, as a fraction of the row's height.")
    bar_bottom: float = Field(ge=0, le=1, description="Where a bar ends in its row, as a fraction of the row's height.")
    axis_width: Points = Field(description="Width of the axis lines and marks.")
    tick_length: Points = Field(description="Length of a mark on the value axis, below it.")
    tick_size_step: float = Field(description="The value axis' numbers are set this much smaller than font_size.")
    axis_room: Points = Field(description="Space under the bars for the value axis, its marks and numbers.")
    font_file: str = Field(description="Font file for chart text (it must cover Chinese).")
    font_package: str = Field(description="Debian package that ships it.")
    font_dirs: list[str] = Field(min_length=1, description="Directories searched for the font file.")
    caption_style: str = Field(description="Word style of the caption under the chart.")


class DocxStyle(Strict):
    """`templates/styles/docx.yaml`: which Word style (defined in reference.docx) each node takes,
    by role, and how charts are drawn. Fonts, sizes and colours of text live in reference.docx."""

    body: str = Field(description="Word style of body paragraphs.")
    headings: dict[int, str] = Field(description="Word style of a heading, by level (the title takes the title-block role's).")
    bullet: str = Field(description="Word style of bullet-list items.")
    number: str = Field(description="Word style for numbered lists (numbers are written as text in the body style, to match the PDF).")
    reference: str = Field(description="Word style of reference-list entries.")
    marking: str = Field(description="Word style of the TLP marking in header and footer.")
    furniture: str = Field(description="Word style of page numbers and of a recipient's marking.")
    hyperlink: str = Field(description="Character style of hyperlinks and citation numbers.")
    list_indent: Points = Field(description="Indent of a bullet-list item's text (as its bullet style sets it): "
                                            "blocks after the item's first paragraph, such as a quote, are indented by it.")
    list_item_space_after: Points | None = Field(None, description="Space below the last paragraph of a list item, "
                                                                   "whatever its style says (None: the style's). 0 sets "
                                                                   "lists as the PDF does, whose items drop the space "
                                                                   "after their last block.")
    roles: dict[str, DocxRole] = Field(description="Which Word style a block takes inside a role; the innermost role wins.")
    table: DocxTable = Field(description="Tables.")
    toc: DocxToc = Field(description="The table of contents.")
    chart: DocxChart = Field(description="Charts (PNG images).")

    def style_names(self) -> set[str]:
        """Every Word style this map names (they must all exist in reference.docx)."""
        return {self.body, self.bullet, self.reference, self.marking, self.furniture, self.hyperlink,
                self.chart.caption_style, *self.headings.values(), self.table.style, self.table.para,
                self.toc.title_style, *self.toc.entry_styles.values(),
                *(v for r in self.roles.values() for k, v in r if isinstance(v, str) and k != "layout")}


class DocxSheet(DocxStyle):
    """What the DOCX writer gets: docx.yaml, and the palette (pdf.yaml's `colours:`) that its
    colour names refer to."""

    palette: dict[str, Colour] = Field(description="pdf.yaml's colours.")

    def colour(self, name: ColourName) -> str:
        """The #RRGGBB of a palette colour."""
        return self.palette[name]


def _docx_colour_refs(style: DocxStyle):
    for key in ("colour", "text_colour", "unit_colour", "axis_colour", "background"):
        yield ("chart", key), getattr(style.chart, key)


# ---- loading ----------------------------------------------------------------------------------


def _validated(model, data, shown: str, what: str):
    """`validate` with the hints that validators carry in their messages split off, and a pointer
    to the schema for problems that have none."""
    from brief.corpus.validate import validate

    try:
        return validate(model, data, shown, what)
    except InputError as e:
        raise InputError([_with_hint(p, shown) for p in e.problems]) from None


def _with_hint(p: Problem, shown: str) -> Problem:
    message, sep, hint = p.message.partition(_HINT)
    if sep:
        return Problem(p.path, p.line, message, hint)
    model = {str(PDF_STYLE): PdfStyle, str(HTML_STYLE): HtmlStyle}.get(shown, DocxStyle)
    if message.startswith("unknown field '") and (p.hint or "").startswith("allowed fields:"):
        # Inside a mapping of sections (styles.<name>, roles.<name>), name the section's fields.
        *parent, key = message.removeprefix("unknown field '").removesuffix("'").split(".")
        allowed = sorted(_fields_at(model, parent))
        close = difflib.get_close_matches(key, allowed, n=1)
        return Problem(p.path, p.line, message,
                       f"did you mean '{close[0]}'?" if close else f"allowed fields: {', '.join(allowed)}")
    if p.hint:
        return p
    schema = {PdfStyle: "pdf-style", HtmlStyle: "html-style"}.get(model, "docx-style")
    return Problem(p.path, p.line, message, f"see the comments in {shown} and schemas/{schema}.schema.json")


def _fields_at(model, path: list[str]) -> set[str]:
    """Field names allowed at a dotted location inside a style model, through mappings of sections."""
    import typing

    from pydantic import BaseModel

    current, i = model, 0
    while i < len(path):
        info = current.model_fields.get(path[i])
        if info is None:
            return set()
        ann, i = info.annotation, i + 1
        if typing.get_origin(ann) is dict:  # a mapping: skip its key
            ann, i = typing.get_args(ann)[1], i + 1
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return set()
        current = ann
    return set(current.model_fields)


def _kept(root: Path, path: Path, what: str, make, extra: str = ""):
    """A style file read and validated once, then kept in the project's cache while the file is
    unchanged (corpus.index.kept): an unchanged file is neither parsed nor validated again."""
    from brief.corpus.index import kept

    return kept(root, [path], what, make, extra)


@lru_cache(maxsize=8)
def _load_pdf_style(root: Path, path: Path, mtime: float) -> PdfStyle:
    from brief.corpus import yamlio

    return _kept(root, path, "pdf-style", lambda: _validated(PdfStyle, yamlio.load(path, str(PDF_STYLE)),
                                                             str(PDF_STYLE), "PDF style sheet"))


def pdf_style(root: Path) -> PdfStyle:
    """The PDF style sheet of a project, validated (re-read when the file changes)."""
    path = root / PDF_STYLE
    if not path.is_file():
        raise InputError(Problem(str(PDF_STYLE), None, "PDF style sheet not found", "restore templates/styles/pdf.yaml"))
    return _load_pdf_style(root, path, path.stat().st_mtime)


@lru_cache(maxsize=8)
def _load_docx_style(root: Path, path: Path, mtime: float, palette: tuple[tuple[str, str], ...]) -> DocxSheet:
    from brief.corpus import yamlio

    def make() -> DocxSheet:
        data = yamlio.load(path, str(DOCX_MAP))
        style = _validated(DocxStyle, data, str(DOCX_MAP), "DOCX style map")
        colours = dict(palette)
        problems = [_with_hint(Problem(str(DOCX_MAP), yamlio.line_of(data, loc), f"{'.'.join(map(str, loc))}: {msg}"),
                               str(DOCX_MAP))
                    for loc, msg in _unknown(_docx_colour_refs(style), colours, "colour", "the palette (colours: in pdf.yaml)")]
        if problems:
            raise InputError(problems)
        return DocxSheet(**dict(style), palette=colours)

    return _kept(root, path, "docx-style", make, extra=repr(palette))


def docx_style(root: Path) -> DocxSheet:
    """The DOCX style map of a project, validated, with the palette its colours name (re-read
    when docx.yaml or pdf.yaml changes)."""
    path = root / DOCX_MAP
    if not path.is_file():
        raise InputError(Problem(str(DOCX_MAP), None, "DOCX style map not found", "restore templates/styles/docx.yaml"))
    palette = tuple(pdf_style(root).colours.items())
    return _load_docx_style(root, path, path.stat().st_mtime, palette)


def reference_docx(root: Path) -> bytes:
    """The reference document whose styles the DOCX writer names."""
    path = root / REFERENCE_DOCX
    if not path.is_file():
        raise InputError(Problem(str(REFERENCE_DOCX), None, "reference.docx not found",
                                 "restore it, or rebuild it with tools/make_reference_docx.py"))
    data = path.read_bytes()
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            z.getinfo("word/document.xml")
    except (zipfile.BadZipFile, KeyError) as e:
        what = "it is not a Word document (no word/document.xml)" if isinstance(e, KeyError) else str(e)
        raise InputError(Problem(str(REFERENCE_DOCX), None, f"cannot read reference.docx: {what}",
                                 "restore it, or rebuild it with tools/make_reference_docx.py")) from None
    return data


def missing_docx_styles(style: DocxStyle, reference) -> list[str]:
    """Word styles that docx.yaml names but the reference document (a python-docx Document) lacks."""
    return sorted(style.style_names() - {s.name for s in reference.styles})


def missing_docx_styles_problem(missing: list[str]) -> Problem:
    return Problem(str(REFERENCE_DOCX), None, f"styles missing from reference.docx: {', '.join(missing)}",
                   f"add them in Word/LibreOffice, or change {DOCX_MAP}")


def check_styles(root: Path, reference_known_good: bool = False) -> list[Problem]:
    """Every problem of a project's style files: pdf.yaml, docx.yaml and html.yaml against their schemas
    (and the palette and style names they refer to), the font files they name, and the Word
    styles docx.yaml names against reference.docx (skipped when the caller knows these very files
    passed that test before). Empty when all is well. For `brief check`."""
    from brief.errors import BriefError
    from brief.fonts import find_font

    problems: list[Problem] = []
    pdf = docx = None
    try:
        pdf = pdf_style(root)
    except InputError as e:
        problems += e.problems
    if pdf is not None:
        try:
            docx = docx_style(root)
        except InputError as e:
            problems += e.problems
        f = pdf.fonts
        for name, package in [*((getattr(f.latin, face), f.latin.package) for face in ("regular", "bold", "italic", "bolditalic")),
                              (f.cjk.regular, f.cjk.package)]:
            try:
                find_font(name, f.search_dirs, package, str(PDF_STYLE))
            except BriefError as e:
                problems += e.problems
    try:
        html_style(root)
    except InputError as e:
        problems += e.problems
    if docx is not None:
        try:
            find_font(docx.chart.font_file, docx.chart.font_dirs, docx.chart.font_package, str(DOCX_MAP))
        except BriefError as e:
            problems += e.problems
        if reference_known_good:
            return problems
        try:
            import io

            from docx import Document

            missing = missing_docx_styles(docx, Document(io.BytesIO(reference_docx(root))))
            if missing:
                problems.append(missing_docx_styles_problem(missing))
        except InputError as e:
            problems += e.problems
        except Exception as e:  # a damaged reference.docx
            problems.append(Problem(str(REFERENCE_DOCX), None, f"cannot read reference.docx: {e}",
                                    "restore it, or rebuild it with tools/make_reference_docx.py"))
    return problems


def role_style(roles: dict, stack: tuple[str, ...], node: str, default: str) -> str:
    """The style for a node ('para', 'heading', …) inside nested roles: innermost role wins."""
    for role in reversed(stack):
        mapping = roles.get(role)
        name = getattr(mapping, node, None) if mapping is not None else None
        if name is not None:
            return name
    return default


def role_layout(roles: dict, role: str) -> str | None:
    """The layout a role asks for (`columns`), or None."""
    mapping = roles.get(role)
    return mapping.layout if mapping is not None else None


# ---- the Typst PDF engine -------------------------------------------------------------------------

TYPST_STYLE = Path("templates") / "styles" / "pdf.typ"


@dataclasses.dataclass(frozen=True)
class TypstSheet:
    """What the Typst writer gets besides the strings: pdf.yaml (validated), the Typst style
    file's text, the font directories and family names of pdf.yaml's font files, and the
    characters those fonts draw (for the glyph check)."""

    pdf: PdfStyle
    preamble: str
    font_dirs: tuple[str, ...]
    latin_family: str
    cjk_family: str
    coverage: object = dataclasses.field(default=None, compare=False)  # a fonts.FontSet


def typst_style(root: Path, cache_dir: Path | None = None):
    """What the Typst PDF engine needs of a project's style data (a `writers.typst.TypstSheet`):
    pdf.yaml (the same looks and fonts as the reportlab engine), the Typst style file
    templates/styles/pdf.typ, the directories and family names of pdf.yaml's font files, and the
    characters they draw."""
    from brief import fonts

    sheet = pdf_style(root)
    path = root / TYPST_STYLE
    if not path.is_file():
        raise InputError(Problem(str(TYPST_STYLE), None, "Typst style file not found",
                                 "restore templates/styles/pdf.typ (the Typst PDF engine's style file)"))
    return _typst_sheet(sheet, path.read_text(encoding="utf-8"), cache_dir,
                        fonts.coverage(sheet.fonts, cache_dir) if cache_dir is not None else None)


def _typst_sheet(sheet: PdfStyle, preamble: str, cache_dir, coverage):
    from brief.fonts import find_font

    f = sheet.fonts
    files = {face: find_font(getattr(f.latin, face), f.search_dirs, f.latin.package, str(PDF_STYLE))
             for face in ("regular", "bold", "italic", "bolditalic")}
    cjk = find_font(f.cjk.regular, f.search_dirs, f.cjk.package, str(PDF_STYLE))
    dirs = tuple(dict.fromkeys(str(Path(p).resolve().parent) for p in (*files.values(), cjk)))
    latin, cjk_family = _families(dirs, files["regular"], cjk, f.cjk.subfont)
    return TypstSheet(sheet, preamble, dirs, latin, cjk_family, coverage)


@lru_cache(maxsize=8)
def _families(dirs: tuple[str, ...], latin: str, cjk: str, subfont: int) -> tuple[str, str]:
    """The family names Typst knows the Latin regular face and the CJK font by."""
    import typst

    found = {(str(Path(x.path).resolve()), x.index): x.family
             for x in typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=list(dirs)).fonts()
             if x.path}
    out = []
    for path, index, key in ((latin, 0, "latin.regular"), (cjk, subfont, "cjk.regular")):
        family = found.get((str(Path(path).resolve()), index))
        if family is None:
            raise InputError(Problem(str(PDF_STYLE), None, f"the Typst PDF engine cannot read the font fonts.{key} ({path})",
                                     "point pdf.yaml at a TrueType or OpenType font file"))
        out.append(family)
    return out[0], out[1]


# ---- html.yaml --------------------------------------------------------------------------------
# The HTML writer's looks are CSS, in templates/styles/html.css (inlined into every page).
# html.yaml holds what CSS cannot say: which element each role becomes, and the geometry of the
# inline SVG charts (whose colours and fonts are CSS too).

HTML_STYLE = Path("templates") / "styles" / "html.yaml"


class HtmlChart(Strict):
    """An inline SVG bar chart: each bar under its label, the value at its end, the value axis
    below. Horizontal positions are shares of the chart's width (so the text keeps its size on a
    phone); vertical ones are CSS pixels."""

    label_height: Points = Field(description="Height of the line holding a bar's label, above the bar.")
    bar_height: Points = Field(gt=0, description="Height of a bar.")
    row_gap: Points = Field(description="Space below each bar.")
    top: Points = Field(description="Room above the first label (for the unit).")
    axis_room: Points = Field(description="Room below the last bar for the axis marks and their labels.")
    tick_length: Points = Field(description="Length of an axis mark.")
    plot_share: float = Field(gt=0, le=1, description="Share of the width the bars may take; the rest is room for the value after the longest bar.")
    value_gap: Points = Field(description="Space between a bar's end and its value.")


class HtmlStyle(Strict):
    """`templates/styles/html.yaml`: the HTML writer's element choices and chart geometry. Every
    colour, font and size is in templates/styles/html.css."""

    css: str = Field(description="The style sheet, a file beside this one, inlined into every page.")
    elements: dict[str, Literal["div", "section", "aside", "blockquote", "article"]] = Field(
        description="The HTML element a role (`::: role` in a template) becomes; any other role is a div. "
                    "The role's name is its CSS class.")
    chart: HtmlChart = Field(description="Charts (inline SVG).")


@dataclass(frozen=True)
class HtmlSheet:
    """html.yaml, validated, with the text of the style sheet it names."""

    style: HtmlStyle
    css: str


@lru_cache(maxsize=8)
def _load_html_style(root: Path, path: Path, mtime: float) -> tuple[HtmlStyle, int | None]:
    from brief.corpus import yamlio

    def make() -> tuple[HtmlStyle, int | None]:
        data = yamlio.load(path, str(HTML_STYLE))
        return _validated(HtmlStyle, data, str(HTML_STYLE), "HTML style file"), yamlio.line_of(data, ("css",))

    return _kept(root, path, "html-style", make)


def html_style(root: Path) -> HtmlSheet:
    """The HTML style file of a project and the style sheet it names, validated (re-read when
    html.yaml changes; the style sheet is read every time)."""
    path = root / HTML_STYLE
    if not path.is_file():
        raise InputError(Problem(str(HTML_STYLE), None, "HTML style file not found", "restore templates/styles/html.yaml"))
    style, line = _load_html_style(root, path, path.stat().st_mtime)
    css_path = path.parent / style.css
    if Path(style.css).name != style.css or not css_path.is_file():
        raise InputError(Problem(str(HTML_STYLE), line, f"style sheet '{style.css}' not found",
                                 f"name a file in {HTML_STYLE.parent}/, such as html.css"))
    css = css_path.read_text(encoding="utf-8")
    if "</" in css or "<!--" in css:
        raise InputError(Problem(str(HTML_STYLE.parent / style.css), None, "the style sheet holds '</' or '<!--'",
                                 "it is inlined in a <style> element: remove any HTML from it"))
    return HtmlSheet(style, css)
