"""Mark a built brief for one recipient, without re-rendering it.

PDF: one overlay page per recipient is drawn with reportlab (the project's fonts and its
`furniture` style, text escaped and split into Latin/CJK runs) and laid over every page with
pikepdf. The marking is real text, so `pdftotext` gives it back. It stands at the bottom left,
below the running footer ("Page X of Y" left, the TLP label right), clear of both: its place
comes from the same style data as the PDF writer's footer (pdf.yaml's `furniture`). In a tagged
PDF (the Typst engine's PDF/UA-1) the marking is drawn as an artifact (pagination, footer), as
the running footer is: the structure tree, /MarkInfo, /Lang and the metadata stay as they were,
and the file stays valid PDF/UA.

DOCX: the same marking is added as a paragraph to the footer of every section, so it prints
on every page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from brief.i18n import clean_text
from brief.writers import xml_text


@dataclass(frozen=True)
class Marking:
    """What is printed on every page of one copy."""

    name: str
    organisation: str
    date: str      # ISO date of the brief
    version: str   # the brief's version (topic `version`), "" if none
    sha: str       # short SHA-256 of the built, unmarked brief
    tlp: str

    def text(self, t) -> str:
        """The marking line in the language of the UI strings `t` (the TLP label is never translated)."""
        who = t.marking_who.format(name=clean_text(self.name), organisation=clean_text(self.organisation))
        version = t.marking_version.format(version=self.version, sha=self.sha) if self.version else self.sha
        return t.marking_format.format(who=who, date=self.date, version=version, tlp=self.tlp)


# ---- PDF -------------------------------------------------------------------------------------


class PdfStamper:
    """Stamps copies of PDFs; fonts and styles are loaded once per project."""

    def __init__(self, root: Path):
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle

        from brief import fonts as F
        from brief.writers.styles import pdf_style

        self.sheet = pdf_style(root)
        self.fs = F.load(self.sheet.fonts, root=root)
        look = self.sheet.furniture
        st = self.sheet.styles[look.recipient.style]
        self.style = ParagraphStyle("brief-distribute-marking", fontName=F.LATIN, fontSize=st.size,
                                    leading=st.line_height, textColor=colors.HexColor(self.sheet.colour(st.colour)),
                                    wordWrap="CJK")
        _, bottom, self.left, self.right = self.sheet.page.margins_pt
        # Under the PDF writer's footer line (its baseline is `footer_below_frame` below the frame).
        self.top = bottom - look.footer_below_frame - look.recipient.gap_below_footer
        self.min_bottom = look.recipient.min_bottom

    def markup(self, text: str) -> str:
        """Escaped reportlab paragraph markup with per-script font runs."""
        from brief import fonts as F

        out = []
        for font, chunk in F.runs(text, self.fs):
            esc = xml_text(chunk)
            out.append(f'<font name="{F.CJK}">{esc}</font>' if font == F.CJK else esc)
        return "".join(out)

    def overlay(self, marking: Marking, t, size: tuple[float, float]) -> bytes:
        """A one-page PDF of `size` holding only the marking."""
        from reportlab.pdfgen import canvas
        from reportlab.platypus import Paragraph

        from brief import fonts as F

        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=size, invariant=1, pageCompression=1, initialFontName=F.LATIN)
        w, _ = size
        p = Paragraph(self.markup(marking.text(t)), self.style)
        width = w - self.left - self.right
        _, h = p.wrap(width, 200)
        p.drawOn(c, self.left, max(self.min_bottom, self.top - h))
        c.showPage()
        c.save()
        return buf.getvalue()

    def stamp(self, pdf: bytes, marking: Marking, t) -> bytes:
        """`pdf` with the marking over every page (deterministic bytes for the same input)."""
        import pikepdf

        with pikepdf.open(io.BytesIO(pdf)) as doc:
            box = [float(x) for x in doc.pages[0].mediabox]
            size = (box[2] - box[0], box[3] - box[1])
            with pikepdf.open(io.BytesIO(self.overlay(marking, t, size))) as ov:
                form = doc.copy_foreign(ov.pages[0].as_form_xobject())
            # Like Page.add_overlay, but under a fixed resource name so the output is deterministic.
            name = pikepdf.Name("/BriefRecipientMarking")
            for page in doc.pages:
                x0, y0 = (float(v) for v in list(page.mediabox)[:2])
                page.add_resource(form, pikepdf.Name.XObject, name, replace_existing=True)
                page.contents_add(pikepdf.Stream(doc, b"q\n"), prepend=True)
                page.contents_add(pikepdf.Stream(doc, f"Q\n{_ARTIFACT} BDC q 1 0 0 1 {x0:g} {y0:g} cm {name} Do Q EMC\n"
                                                       .encode()))
            out = io.BytesIO()
            # (fix_metadata_version would rewrite the XMP packet: it stays the writer's.)
            doc.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                     fix_metadata_version=False)
            return out.getvalue()


# The marking's marked-content tag: an artifact of the page's furniture, like a running footer
# (PDF 32000-1, 14.8.2.2), which a form drawn inside inherits.
_ARTIFACT = "/Artifact <</Type /Pagination /Subtype /Footer>>"


# ---- DOCX ------------------------------------------------------------------------------------


def stamp_docx(docx: bytes, marking: Marking, t, root: Path) -> bytes:
    """`docx` with the marking as a paragraph in the footer of every section."""
    import docx as python_docx

    from brief.writers.docx import _normalise_zip
    from brief.writers.styles import docx_style

    style_name = docx_style(root).furniture
    d = python_docx.Document(io.BytesIO(docx))
    styles = {s.name for s in d.styles}
    for i, section in enumerate(d.sections):
        footer = section.footer
        if i and footer.is_linked_to_previous:
            continue
        p = footer.add_paragraph(style=d.styles[style_name] if style_name in styles else None)
        p.add_run(clean_text(marking.text(t)))
    buf = io.BytesIO()
    d.save(buf)
    return _normalise_zip(buf.getvalue())
