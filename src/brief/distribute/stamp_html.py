"""Mark an HTML brief for one recipient, without re-rendering it.

The marking line (`stamp.Marking.text`, the same line as on the PDF and DOCX copies) is added as
text to the page's header and footer landmarks, under the TLP label, and to the printed page
margins (bottom centre of every page, beside "Page X of Y" and the TLP label) as a CSS string.
Its looks are in the style sheet (`.marking-line`, `@page @bottom-center`). The same input
gives the same bytes.
"""

from __future__ import annotations

from brief.errors import OutputError, Problem
from brief.i18n import clean_text


def stamp_html(html: bytes, marking, t) -> bytes:
    """`html` (a page of the HTML writer) with `marking` in its header, its footer and the
    margins of every printed page; `t` are the UI strings of the recipient's language."""
    import lxml.html
    from lxml import etree

    from brief.writers.html import css_string

    root = lxml.html.document_fromstring(html)
    text = clean_text(marking.text(t))
    bars = root.xpath("/html/body/header[@class='marking'] | /html/body/footer[@class='marking']")
    margins = root.xpath("/html/head/style[@id='page-margins']")
    if len(bars) != 2 or len(margins) != 1:
        raise OutputError(Problem(None, None, "the HTML brief has no header and footer marking to stamp",
                                 "rebuild it with `brief generate --format html`"))
    for bar in bars:
        line = etree.SubElement(bar, "p", {"class": "marking-line"})
        line.text = text
    margins[0].text = (margins[0].text or "") + f"\n@page {{ @bottom-center {{ content: {css_string(text)}; }} }}"
    out = etree.tostring(root, method="html", encoding="unicode", doctype="<!DOCTYPE html>")
    return (out + "\n").encode("utf-8")
