"""The format-neutral document model. Every writer renders exactly these nodes.

Blocks and inlines are frozen dataclasses; a writer has one function per node type and reports
(never drops) a node it cannot render. Roles (`Div.role`) are semantic names, such as
"bottom-line" or "finding"; style data maps each role to a look.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from typing import Union

# ---- inlines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Str:
    """Plain text, already unescaped: writers escape it for their own format."""
    text: str


@dataclass(frozen=True)
class Emph:
    """Emphasis (italic)."""
    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Strong:
    """Strong emphasis (bold)."""
    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Code:
    """Inline code, verbatim."""
    text: str


@dataclass(frozen=True)
class Link:
    """A hyperlink; `url` is http(s) or mailto only (others become plain text at parse time)."""
    url: str
    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Cite:
    """A citation of one or more findings (`keys`: finding ids); `numbers` are set by cite.resolve."""
    keys: tuple[str, ...]
    numbers: tuple[int, ...] = ()


@dataclass(frozen=True)
class SoftBreak:
    """A line break in the source text: a space when rendered."""


@dataclass(frozen=True)
class LineBreak:
    """A hard line break."""


Inline = Union[Str, Emph, Strong, Code, Link, Cite, SoftBreak, LineBreak]

# ---- blocks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    """A section heading, level 1-3; `anchor` is a stable id for links and bookmarks."""
    level: int
    children: tuple[Inline, ...]
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    """A paragraph."""
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class BlockQuote:
    """A quotation, such as a finding's verbatim source passage."""
    blocks: tuple["Block", ...]


@dataclass(frozen=True)
class BulletList:
    """An unordered list; each item is a tuple of blocks."""
    items: tuple[tuple["Block", ...], ...]


@dataclass(frozen=True)
class OrderedList:
    """A numbered list starting at `start`."""
    start: int
    items: tuple[tuple["Block", ...], ...]


@dataclass(frozen=True)
class Table:
    """A simple table: a header row and body rows of inline cells; `align` gives each column's
    alignment, "left", "right", "center" or "" (not given), as the Markdown delimiter row says
    (`---:` right); () when no column gives one."""
    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    align: tuple[str, ...] = ()


@dataclass(frozen=True)
class Div:
    """A block with a semantic role (from a `::: role` fence in the template)."""
    role: str
    blocks: tuple["Block", ...]
    params: str = ""  # the rest of the fence line, e.g. a chart id


@dataclass(frozen=True)
class Placeholder:
    """A block the fill pass replaces: a `::: references`, `::: source-notes`, `::: toc` or
    `::: chart <id>` fence of the template. `params` is the rest of the fence line, `blocks` its
    content (a chart's caption), `line` its line in the rendered Markdown. A writer never sees one."""
    kind: str
    params: str = ""
    blocks: tuple["Block", ...] = ()
    line: int | None = None


PLACEHOLDERS = ("references", "source-notes", "toc", "chart")  # the kinds of Placeholder


class Unfillable(Exception):
    """Raised by a filler for a placeholder it cannot fill: `args` are (message, hint)."""


@dataclass(frozen=True)
class Chart:
    """A bar chart built from findings' figures; `caption` cites them and gives the "as of" dates.
    Its value axis runs from 0 to `axis_max` (100 for percentages), with marks at `ticks`
    labelled `tick_labels`; `unit` names what the values count. Every writer draws that axis;
    `axis_max` 0 (a chart made by hand) scales the bars to the largest value, with no marks."""
    id: str
    title: str
    unit: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    caption: tuple["Inline", ...] = ()
    axis_max: float = 0.0
    ticks: tuple[float, ...] = ()
    tick_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Toc:
    """A table of contents of the headings (levels 2-3), filled in for a `::: toc` fence."""
    title: str = ""


@dataclass(frozen=True)
class Rule:
    """A thematic break."""


@dataclass(frozen=True)
class Reference:
    """One entry of the reference list: its number, the source id, formatted text and its URL."""
    number: int
    source_id: str
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class References:
    """A numbered list of cited sources: `kind` "references" (the reference list) or
    "source-notes" (grades and caveats), filled in for a `::: references` or `::: source-notes`
    fence."""
    entries: tuple[Reference, ...] = ()
    kind: str = "references"


Block = Union[Heading, Para, BlockQuote, BulletList, OrderedList, Table, Div, Rule, References, Chart, Toc,
              Placeholder]

# ---- document ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Meta:
    """What a document is: title, language, marking and provenance for file metadata."""
    title: str
    subtitle: str
    lang: str
    tlp: str
    topic: str
    date: str
    organisation: str = ""
    author: str = ""
    version: str = ""
    keywords: tuple[str, ...] = ()
    finding_ids: tuple[str, ...] = ()
    template: str = ""
    tool_version: str = ""
    corpus_sha256: str = ""

    def provenance(self) -> dict[str, str]:
        """What built this file: recorded in PDF metadata, DOCX custom properties and the manifest."""
        return {
            "brief.tool_version": self.tool_version,
            "brief.corpus_sha256": self.corpus_sha256,
            "brief.topic": self.topic,
            "brief.template": self.template,
            "brief.language": self.lang,
            "brief.version": self.version,
            "brief.findings": " ".join(self.finding_ids),
        }


@dataclass(frozen=True)
class Document:
    """A whole brief: metadata and blocks."""
    meta: Meta
    blocks: tuple[Block, ...]


def inline_text(inlines: tuple[Inline, ...]) -> str:
    """Plain text of inlines (citations as [n])."""
    out = []
    for node in inlines:
        if isinstance(node, Str | Code):
            out.append(node.text)
        elif isinstance(node, Emph | Strong | Link):
            out.append(inline_text(node.children))
        elif isinstance(node, Cite):
            out.append("[" + ", ".join(str(n) for n in node.numbers) + "]")
        elif isinstance(node, SoftBreak | LineBreak):
            out.append(" ")
    return "".join(out)


# ---- one generic walk and map over every container node --------------------------------------
# Block containers: `blocks` (Div, BlockQuote, Placeholder) and `items` (lists: tuples of blocks).
# Inline containers: `children` (Para, Heading, Emph, Strong, Link, Reference), `caption` (Chart),
# `header` and `rows` (Table cells), `entries` (References: Reference nodes).


def walk(blocks: tuple[Block, ...]):
    """Every block, depth first, in document order, inside every container."""
    for b in blocks:
        yield b
        if isinstance(b, Div | BlockQuote | Placeholder):
            yield from walk(b.blocks)
        elif isinstance(b, BulletList | OrderedList):
            for item in b.items:
                yield from walk(item)


def map_blocks(blocks: tuple[Block, ...], fn) -> tuple[Block, ...]:
    """Blocks with every block for which `fn` returns a node (or a tuple of nodes) replaced by
    it; other blocks are kept and their containers mapped in turn. Works at any depth."""
    out: list[Block] = []
    for b in blocks:
        new = fn(b)
        if new is not None:
            out.extend(new if isinstance(new, tuple) else (new,))
        elif isinstance(b, Div | BlockQuote | Placeholder):
            out.append(dataclasses.replace(b, blocks=map_blocks(b.blocks, fn)))
        elif isinstance(b, BulletList | OrderedList):
            out.append(dataclasses.replace(b, items=tuple(map_blocks(i, fn) for i in b.items)))
        else:
            out.append(b)
    return tuple(out)


def map_inlines(blocks: tuple[Block, ...], fn) -> tuple[Block, ...]:
    """Blocks with every inline node, at any depth, replaced by `fn(node)` (children first)."""

    def inl(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
        out = []
        for n in nodes:
            if isinstance(n, Emph | Strong | Link):
                n = dataclasses.replace(n, children=inl(n.children))
            out.append(fn(n))
        return tuple(out)

    def one(b):
        if isinstance(b, Para | Heading):
            return dataclasses.replace(b, children=inl(b.children))
        if isinstance(b, Table):
            return dataclasses.replace(b, header=tuple(inl(c) for c in b.header),
                                       rows=tuple(tuple(inl(c) for c in row) for row in b.rows))
        if isinstance(b, Chart):
            return dataclasses.replace(b, caption=inl(b.caption))
        if isinstance(b, References):
            return dataclasses.replace(b, entries=tuple(dataclasses.replace(e, children=inl(e.children))
                                                        for e in b.entries))
        if isinstance(b, Div | BlockQuote | Placeholder):
            return dataclasses.replace(b, blocks=map_inlines(b.blocks, fn))
        if isinstance(b, BulletList | OrderedList):
            return dataclasses.replace(b, items=tuple(map_inlines(i, fn) for i in b.items))
        return b

    return map_blocks(blocks, one)


def labelled_texts(doc: Document) -> list[tuple[str, str]]:
    """Every text of the document, each labelled with the finding or section it belongs to, so
    that a problem with a character (a glyph no font has) can say where it stands."""
    out: list[tuple[str, str]] = [("title", doc.meta.title), ("question", doc.meta.subtitle)]

    def inl(nodes):
        for n in nodes:
            if isinstance(n, (Str, Code)):
                yield n.text
            elif isinstance(n, (Emph, Strong, Link)):
                yield from inl(n.children)

    def first_cite(nodes) -> str | None:
        for blk in walk(nodes):
            if isinstance(blk, Para):
                for n in blk.children:
                    if isinstance(n, Cite):
                        return ", ".join(n.keys)
        return None

    def visit(nodes, label):
        for blk in nodes:
            if isinstance(blk, Heading):
                label = f"section '{inline_text(blk.children)}'"
                out.append((label, "".join(inl(blk.children))))
            elif isinstance(blk, Div):
                sub = label
                if blk.role == "finding":
                    keys = first_cite(blk.blocks)
                    sub = f"finding {keys}" if keys else label
                visit(blk.blocks, sub)
            elif isinstance(blk, BlockQuote):
                visit(blk.blocks, label)
            elif isinstance(blk, Para):
                out.append((label, "".join(inl(blk.children))))
            elif isinstance(blk, (BulletList, OrderedList)):
                for item in blk.items:
                    visit(item, label)
            elif isinstance(blk, Table):
                for cell in (*blk.header, *(c for r in blk.rows for c in r)):
                    out.append((label, "".join(inl(cell))))
            elif isinstance(blk, Chart):
                out.append((f"chart '{blk.id}'", " ".join((blk.title, blk.unit, *blk.labels))))
                out.append((f"chart '{blk.id}'", "".join(inl(blk.caption))))
            elif isinstance(blk, References):
                for e in blk.entries:
                    out.append((f"reference [{e.number}] ({e.source_id})", "".join(inl(e.children))))
    visit(doc.blocks, "document")
    return [(f"brief '{doc.meta.topic}' ({doc.meta.lang}): {w}", s) for w, s in out]


def dump(doc: Document) -> str:
    """A readable text dump of a document: one line per block, inlines written out, for golden
    tests and for reading what a template produced."""
    lines = [f"meta.{f.name}: {getattr(doc.meta, f.name)!r}" for f in dataclasses.fields(doc.meta)]

    def inl(nodes) -> str:
        out = []
        for n in nodes:
            if isinstance(n, Str):
                out.append(n.text.replace("\\", "\\\\").replace("\n", "\\n"))
            elif isinstance(n, Code):
                out.append(f"`{n.text}`")
            elif isinstance(n, Emph):
                out.append(f"_{inl(n.children)}_")
            elif isinstance(n, Strong):
                out.append(f"**{inl(n.children)}**")
            elif isinstance(n, Link):
                out.append(f"<{inl(n.children)}|{n.url}>")
            elif isinstance(n, Cite):
                out.append(f"[@{';'.join(n.keys)}={','.join(map(str, n.numbers))}]")
            elif isinstance(n, SoftBreak):
                out.append(" ")
            elif isinstance(n, LineBreak):
                out.append("\\n")
            else:
                out.append(f"<{type(n).__name__}>")
        return "".join(out)

    def is_inlines(v) -> bool:
        return isinstance(v, tuple) and bool(v) and all(isinstance(x, _INLINES) for x in v)

    def blk(b, depth: int) -> None:
        pad = "  " * depth
        if isinstance(b, Table):
            lines.append(pad + "Table" + (f" align={b.align!r}" if b.align else ""))
            for row in ((b.header,) if b.header else ()) + b.rows:
                lines.append(pad + "  | " + " | ".join(inl(cell) for cell in row) + " |")
            return
        head, inline_parts, children = [type(b).__name__], [], []
        for f in dataclasses.fields(b):
            v = getattr(b, f.name)
            if isinstance(v, tuple) and v and all(_is_block(x) for x in v):
                children.append((f.name, v))
            elif isinstance(v, tuple) and v and all(isinstance(x, tuple) for x in v):
                children.append((f.name, v))
            elif is_inlines(v):
                inline_parts.append(inl(v))
            elif v not in ("", (), None):
                head.append(f"{f.name}={v!r}")
        lines.append(pad + " ".join(head) + (": " + " | ".join(inline_parts) if inline_parts else ""))
        for name, v in children:
            for item in v:
                if _is_block(item):
                    blk(item, depth + 1)
                elif item and all(_is_block(x) for x in item):
                    lines.append(pad + f"  - {name[:-1] if name.endswith('s') else name}")
                    for x in item:
                        blk(x, depth + 2)
                else:
                    lines.append(pad + f"  - {inl(item)}")

    for b in doc.blocks:
        blk(b, 0)
    return "\n".join(lines) + "\n"


def _is_block(x) -> bool:
    return isinstance(x, _BLOCKS)


_INLINES = typing.get_args(Inline)
_BLOCKS = (*typing.get_args(Block), Reference)  # (a reference list's entries are dumped as blocks)
