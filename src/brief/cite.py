"""One citation numbering and one reference list, shared by every writer.

`resolve(doc_blocks, project, lang, t)` numbers sources in order of first citation, fills every
Cite node with its numbers, fills the References block with the cited sources only, and gives
each heading a stable anchor.
"""

from __future__ import annotations

import dataclasses
import re

from brief import model as m
from brief.compose import Strings, format_date
from brief.errors import Problem, TemplateError


def resolve(blocks: tuple[m.Block, ...], project, lang: str, t: Strings, template: str) -> tuple[m.Block, ...]:
    numbers: dict[str, int] = {}
    unknown: list[str] = []

    def number_of(fid: str) -> int | None:
        fe = project.findings.get(fid)
        if fe is None:
            unknown.append(fid)
            return None
        return numbers.setdefault(fe.source_id, len(numbers) + 1)

    def inl(nodes: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
        out = []
        for n in nodes:
            if isinstance(n, m.Cite):
                nums = [x for x in (number_of(k) for k in n.keys) if x is not None]
                out.append(m.Cite(n.keys, tuple(sorted(set(nums)))))
            elif isinstance(n, (m.Emph, m.Strong, m.Link)):
                out.append(dataclasses.replace(n, children=inl(n.children)))
            else:
                out.append(n)
        return tuple(out)

    anchors: dict[str, int] = {}

    def anchor(text: str) -> str:
        base = re.sub(r"[^\w]+", "-", text.lower()).strip("-") or "section"
        anchors[base] = anchors.get(base, 0) + 1
        return base if anchors[base] == 1 else f"{base}-{anchors[base]}"

    def blk(nodes: tuple[m.Block, ...]) -> tuple[m.Block, ...]:
        out: list[m.Block] = []
        for b in nodes:
            if isinstance(b, m.Heading):
                children = inl(b.children)
                out.append(m.Heading(b.level, children, anchor(m.inline_text(children))))
            elif isinstance(b, m.Para):
                out.append(m.Para(inl(b.children)))
            elif isinstance(b, (m.Div, m.BlockQuote)):
                out.append(dataclasses.replace(b, blocks=blk(b.blocks)))
            elif isinstance(b, (m.BulletList, m.OrderedList)):
                out.append(dataclasses.replace(b, items=tuple(blk(i) for i in b.items)))
            elif isinstance(b, m.Table):
                out.append(m.Table(tuple(inl(c) for c in b.header),
                                   tuple(tuple(inl(c) for c in row) for row in b.rows)))
            else:
                out.append(b)
        return tuple(out)

    resolved = blk(blocks)
    if unknown:
        raise TemplateError(Problem(f"templates/{template}.md.j2", None,
                                    f"cite() names unknown finding(s): {', '.join(sorted(set(unknown)))}",
                                    "cite findings of the selection (`brief findings --topic ID`)"))
    entries = tuple(
        m.Reference(n, sid, format_reference(project.sources[sid].source, lang, t))
        for sid, n in sorted(numbers.items(), key=lambda kv: kv[1])
    )

    def fill(nodes: tuple[m.Block, ...]) -> tuple[m.Block, ...]:
        out = []
        for b in nodes:
            if isinstance(b, m.References):
                out.append(m.References(entries))
            elif isinstance(b, m.Div):
                out.append(dataclasses.replace(b, blocks=fill(b.blocks)))
            else:
                out.append(b)
        return tuple(out)

    return fill(resolved)


def _end(text: str) -> str:
    """Close a reference element with one full stop."""
    text = text.rstrip()
    return text if text.endswith((".", "。", "?", "!", "？", "！")) else text + "."


def format_reference(s, lang: str, t: Strings) -> tuple[m.Inline, ...]:
    """One reference entry: author, title, outlet, date, URL and access date; unknowns said plainly."""
    published = format_date(s.published, t) if s.published else t.no_date
    if lang == "zh":
        # GB/T 7714-2015, electronic resource: 作者. 题名[EB/OL]. 出版者, (发布日期)[引用日期]. URL.
        who = s.author or s.publisher
        parts = []
        if who:
            parts.append(f"{who}. ")
        parts.append(f"{s.title}[EB/OL]. ")
        if s.publisher and s.publisher != who:
            parts.append(f"{s.publisher}, ")
        pub = s.published or t.no_date
        acc = s.accessed or t.no_access_date
        parts.append(f"({pub})[{acc}].")
        text = "".join(parts)
        nodes: list[m.Inline] = [m.Str(text)]
        if s.url:
            nodes += [m.Str(" "), m.Link(s.url, (m.Str(s.url),)), m.Str(".")]
        if s.primary_source:
            nodes.append(m.Str(" " + _end(f"{t.primary_source}: {s.primary_source}")))
        return tuple(nodes)
    who = s.author or s.publisher or t.anonymous
    title = f"“{s.title}” [{s.title_en}]" if not s.title_supplied else f"{s.title_en}"
    text = f"{who}. {title}. "
    if s.publisher and s.publisher != who:
        text += f"{s.publisher}, "
    text += _end(published)
    nodes = [m.Str(text)]
    if s.url:
        nodes += [m.Str(" "), m.Link(s.url, (m.Str(s.url),)), m.Str(".")]
    acc = f" {t.accessed.capitalize()} {format_date(s.accessed, t)}." if s.accessed else f" {t.no_access_date.capitalize()}."
    nodes.append(m.Str(acc))
    if s.primary_source:
        nodes.append(m.Str(" " + _end(f"{t.primary_source}: {s.primary_source}")))
    return tuple(nodes)
