"""Markdown (from the template) -> the document model, via markdown-it-py tokens.

Supported: headings, paragraphs, emphasis, strong, code, links (http, https and mailto only),
block quotes, bullet and ordered lists, tables, thematic breaks, `::: role` fenced divs, and
citation markers `[@finding-id;other-id]`. A fence whose role is a placeholder kind
(`references`, `source-notes`, `toc`, `chart <id>`) becomes a Placeholder for the fill pass.
Raw HTML is off; anything else is reported.
"""

from __future__ import annotations

import re

from brief import model as m
from brief.errors import Problem, TemplateError

_CITE_RE = re.compile(r"\[@([a-z0-9]+(?:-[a-z0-9]+)*(?:;[a-z0-9]+(?:-[a-z0-9]+)*)*)\]")
_SAFE_URL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)
_MD = None


def _cite_rule(state, silent: bool) -> bool:
    if state.src[state.pos] != "[" or not state.src.startswith("[@", state.pos):
        return False
    match = _CITE_RE.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("cite", "", 0)
        token.meta = {"keys": tuple(match.group(1).split(";"))}
    state.pos = match.end()
    return True


def _parser():
    global _MD
    if _MD is None:
        from markdown_it import MarkdownIt
        from mdit_py_plugins.container import container_plugin

        md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
        container_plugin(md, "div", validate=lambda params, *a: bool(params.strip()))
        md.inline.ruler.before("link", "cite", _cite_rule)
        _MD = md
    return _MD


def parse(markdown: str, template: str = "template") -> tuple[m.Block, ...]:
    """Parse Markdown into model blocks; unsupported constructs are a TemplateError. Every
    heading gets a stable anchor from its text (unique in the document)."""
    tokens = _parser().parse(markdown)
    blocks, _ = _blocks(tokens, 0, None, template)
    anchors: dict[str, int] = {}

    def anchor(b):
        if not isinstance(b, m.Heading):
            return None
        base = re.sub(r"[^\w]+", "-", m.inline_text(b.children).lower()).strip("-") or "section"
        anchors[base] = anchors.get(base, 0) + 1
        return m.Heading(b.level, b.children, base if anchors[base] == 1 else f"{base}-{anchors[base]}")

    return m.map_blocks(tuple(blocks), anchor)


def _fail(template: str, token, what: str):
    line = token.map[0] + 1 if token.map else None
    raise TemplateError(Problem(f"templates/{template}.md.j2 (rendered Markdown)", line,
                                f"unsupported Markdown: {what}", "templates may use the constructs listed in templates/README.md"))


def _blocks(tokens, i: int, close: str | None, tpl: str):
    out: list[m.Block] = []
    while i < len(tokens):
        tok = tokens[i]
        t = tok.type
        if close is not None and t == close:
            return out, i + 1
        if t == "heading_open":
            level = int(tok.tag[1])
            out.append(m.Heading(level, _inlines(tokens[i + 1].children or [], tpl)))
            i += 3
        elif t == "paragraph_open":
            out.append(m.Para(_inlines(tokens[i + 1].children or [], tpl)))
            i += 3
        elif t == "blockquote_open":
            inner, i = _blocks(tokens, i + 1, "blockquote_close", tpl)
            out.append(m.BlockQuote(tuple(inner)))
        elif t in ("bullet_list_open", "ordered_list_open"):
            closer = t.replace("_open", "_close")
            start = int(tok.attrGet("start") or 1)
            items = []
            i += 1
            while tokens[i].type != closer:
                assert tokens[i].type == "list_item_open"
                inner, i = _blocks(tokens, i + 1, "list_item_close", tpl)
                items.append(tuple(inner))
            i += 1
            if t == "bullet_list_open":
                out.append(m.BulletList(tuple(items)))
            else:
                out.append(m.OrderedList(start, tuple(items)))
        elif t == "container_div_open":
            role, _, params = tok.info.strip().partition(" ")
            params = re.sub(r"\\(.)", r"\1", params.strip())  # data in the fence line was escaped
            inner, i = _blocks(tokens, i + 1, "container_div_close", tpl)
            if role in m.PLACEHOLDERS:
                out.append(m.Placeholder(role, params, tuple(inner), tok.map[0] + 1 if tok.map else None))
            else:
                out.append(m.Div(role, tuple(inner), params))
        elif t == "table_open":
            table, i = _table(tokens, i, tpl)
            out.append(table)
        elif t == "hr":
            out.append(m.Rule())
            i += 1
        elif t in ("code_block", "fence"):
            _fail(tpl, tok, "code block (check for lines indented by 4 spaces)")
        else:
            _fail(tpl, tok, t)
    return out, i


def _table(tokens, i: int, tpl: str):
    header: list = []
    rows: list = []
    align: list[str] = []
    current: list | None = None
    in_head = False
    i += 1
    while tokens[i].type != "table_close":
        t = tokens[i].type
        if t == "th_open":  # the delimiter row's alignment, on each header cell
            style = str(tokens[i].attrGet("style") or "")
            align.append(style.removeprefix("text-align:") if style.startswith("text-align:") else "")
        elif t == "thead_open":
            in_head = True
        elif t == "thead_close":
            in_head = False
        elif t == "tr_open":
            current = []
        elif t == "tr_close":
            (header if in_head else rows).append(tuple(current or ()))
        elif t == "inline":
            current.append(_inlines(tokens[i].children or [], tpl))
        i += 1
    return m.Table(header[0] if header else (), tuple(rows), tuple(align) if any(align) else ()), i + 1


def _inlines(children, tpl: str) -> tuple[m.Inline, ...]:
    out, _ = _inline_run(children, 0, None, tpl)
    return tuple(_merge(out))


def _inline_run(children, i: int, close: str | None, tpl: str):
    out: list[m.Inline] = []
    while i < len(children):
        tok = children[i]
        t = tok.type
        if close is not None and t == close:
            return out, i + 1
        if t == "text":
            out.append(m.Str(tok.content))
            i += 1
        elif t == "softbreak":
            out.append(m.SoftBreak())
            i += 1
        elif t == "hardbreak":
            out.append(m.LineBreak())
            i += 1
        elif t == "code_inline":
            out.append(m.Code(tok.content))
            i += 1
        elif t == "cite":
            out.append(m.Cite(tok.meta["keys"]))
            i += 1
        elif t == "em_open":
            inner, i = _inline_run(children, i + 1, "em_close", tpl)
            out.append(m.Emph(tuple(_merge(inner))))
        elif t == "strong_open":
            inner, i = _inline_run(children, i + 1, "strong_close", tpl)
            out.append(m.Strong(tuple(_merge(inner))))
        elif t == "link_open":
            href = tok.attrGet("href") or ""
            inner, i = _inline_run(children, i + 1, "link_close", tpl)
            if _SAFE_URL.match(href):
                out.append(m.Link(href, tuple(_merge(inner))))
            else:
                out.extend(inner)  # unsafe scheme: keep the text, drop the link
        elif t == "image":
            out.append(m.Str(tok.content))  # images are not part of a brief; keep the alt text
            i += 1
        else:
            _fail(tpl, tok, t)
    return out, i


def _merge(nodes: list[m.Inline]) -> list[m.Inline]:
    merged: list[m.Inline] = []
    for n in nodes:
        if isinstance(n, m.Str) and merged and isinstance(merged[-1], m.Str):
            merged[-1] = m.Str(merged[-1].text + n.text)
        else:
            merged.append(n)
    return merged
