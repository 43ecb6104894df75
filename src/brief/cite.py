"""One citation numbering and one reference list, shared by every writer.

`resolve(doc_blocks, project, lang, t)` numbers sources in order of first citation, fills every
Cite node with its numbers, fills the References block with the cited sources only, and gives
each heading a stable anchor.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from brief import model as m
from brief.compose import Strings, format_date
from brief.errors import InputError, Problem, TemplateError


def resolve(blocks: tuple[m.Block, ...], project, lang: str, t: Strings, template: str,
            csl: str | None = None) -> tuple[m.Block, ...]:
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
    cited = [sid for sid, _ in sorted(numbers.items(), key=lambda kv: kv[1])]
    needs = {b.kind for b in m.walk_blocks(resolved) if isinstance(b, m.References)}
    lists = {}
    if "references" in needs and cited:
        texts = format_references(project, cited, lang, t, csl)
        lists["references"] = tuple(m.Reference(numbers[sid], sid, text) for sid, text in zip(cited, texts))
    if "source-notes" in needs:
        lists["source-notes"] = tuple(
            m.Reference(numbers[sid], sid, (m.Str(source_note(project.sources[sid].source, lang, t)),)) for sid in cited)

    return m.replace_blocks(resolved, lambda b: m.References(lists.get(b.kind, ()), b.kind)
                            if isinstance(b, m.References) else None)


def caveats(s, lang: str, t: Strings) -> list[str]:
    """What a reader must know about a source: automatic caveats from its metadata, then its own."""
    out = []
    if s.primary_source is not None:
        name = getattr(s.primary_source.name, lang, s.primary_source.name.en)
        out.append((t.caveat_relayed if s.primary_source.named else t.caveat_relayed_unnamed).format(primary=name))
    if not s.published:
        out.append(t.caveat_undated)
    if not s.author:
        out.append(t.caveat_anonymous)
    out.extend(getattr(c, lang, c.en) for c in s.caveats)
    return out


def source_note(s, lang: str, t: Strings) -> str:
    """One Source notes entry: the reliability grade with its rationale, and the caveats."""
    r = s.reliability
    text = t.source_note_format.format(grade=r.grade, label=t[f"reliability_{r.grade}"],
                                       rationale=_end(getattr(r.rationale, lang, r.rationale.en), lang))
    cav = caveats(s, lang, t)
    if cav:
        text += t.caveats_format.format(caveats=t.sentence_sep.join(_end(c[:1].upper() + c[1:], lang) for c in cav))
    return text


# ---- references with citeproc-py ----------------------------------------------------------

CSL_DIR = Path("templates") / "csl"
CSL_TYPES = ("webpage", "post-weblog", "article-newspaper", "article-magazine", "article", "report")
_STYLES: dict[tuple[str, str, float], object] = {}


class CslDate(BaseModel):
    """CSL-JSON date: non-empty date-parts of [year, month?, day?]."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    date_parts: list[list[int]] = Field(alias="date-parts", min_length=1)

    @field_validator("date_parts")
    @classmethod
    def _parts(cls, v):
        if not v or not v[0] or not 1 <= len(v[0]) <= 3:
            raise ValueError("date-parts must hold one [year, month?, day?]")
        return v


class CslItem(BaseModel):
    """The CSL-JSON subset we hand to citeproc-py; validated so citeproc never sees a bad item."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str = Field(min_length=1)
    type: str
    title: str = Field(min_length=1)
    author: list[dict[str, str]] | None = None
    container_title: str | None = Field(None, alias="container-title")
    publisher: str | None = None
    language: str | None = None
    issued: CslDate | None = None
    accessed: CslDate | None = None
    URL: str | None = Field(None, pattern=r"^https?://")

    @field_validator("type")
    @classmethod
    def _type(cls, v):
        if v not in CSL_TYPES:
            raise ValueError(f"CSL type {v!r} is not one of {', '.join(CSL_TYPES)}")
        return v

    @field_validator("author")
    @classmethod
    def _author(cls, v):
        for name in v or []:
            if set(name) != {"literal"} or not name["literal"].strip():
                raise ValueError("names are passed as {'literal': ...} so that Chinese names are never split")
        return v


def _date(value: str | None) -> dict | None:
    if not value:
        return None
    return {"date-parts": [[int(p) for p in value.split("-")]]}


def csl_json(s, lang: str, t: Strings) -> dict:
    """Source metadata as CSL-JSON. Names are literal (never split into family/given)."""
    title = s.title if (lang != "en" or s.language == "en") else f"{s.title} [{s.title_en}]"
    if s.title_supplied:
        title = s.title_en if lang == "en" else s.title
    item: dict = {"id": s.id, "type": "post-weblog" if s.source_type == "blog" and lang == "en" else "webpage",
                  "title": title, "language": s.language}  # a non-English item is never title-cased
    if s.author:
        item["author"] = [{"literal": s.author}]
    if s.publisher:
        item["publisher"] = s.publisher
    for key, value in (("issued", s.published), ("accessed", s.accessed)):
        d = _date(value)
        if d:
            item[key] = d
    if s.url:
        item["URL"] = s.url
    return item


def validate_csl(item: dict, where: str) -> dict:
    """Validate CSL-JSON before citeproc-py sees it; a failure names the source file."""
    try:
        CslItem.model_validate(item)
    except ValidationError as e:
        problems = [Problem(where, None, f"CSL-JSON {'.'.join(str(x) for x in err['loc'])}: {err['msg']}",
                            "fix the source's metadata so it maps to valid CSL-JSON") for err in e.errors()]
        raise InputError(problems) from None
    return item


def load_style(root: Path, name: str, locale: str):
    """A CSL style by file name (in templates/csl/) or path, parsed once per process."""
    from citeproc import CitationStylesStyle

    path = Path(name)
    if not path.is_absolute() and not path.exists():
        path = root / CSL_DIR / name
    if path.suffix != ".csl":
        path = path.with_suffix(path.suffix + ".csl") if not path.exists() else path
    if not path.is_file():
        have = sorted(p.name for p in (root / CSL_DIR).glob("*.csl"))
        raise InputError(Problem(name, None, "CSL style file not found",
                                 f"use a file in templates/csl/ ({', '.join(have)}) or a path to a .csl file"))
    key = (str(path.resolve()), locale, path.stat().st_mtime)
    if key not in _STYLES:
        try:
            _STYLES[key] = CitationStylesStyle(str(path), locale=locale, validate=False)
        except Exception as e:  # malformed XML, unknown locale
            raise InputError(Problem(str(path), None, f"cannot read CSL style: {e}",
                                     "use a valid CSL 1.0 style file")) from None
    return _STYLES[key]


def format_references(project, source_ids: list[str], lang: str, t: Strings, csl: str | None) -> list[tuple[m.Inline, ...]]:
    """Reference entries for the cited sources, in citation order, formatted by the CSL style."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    style = load_style(project.root, csl or t.csl, t.csl_locale)
    items = []
    for sid in source_ids:
        entry = project.sources[sid]
        items.append(validate_csl(csl_json(entry.source, lang, t), entry.loc.path))
    bib = CitationStylesBibliography(style, CiteProcJSON(items), formatter.plain)
    for item in items:
        bib.register(Citation([CitationItem(item["id"])]))
    # citeproc-py keeps registration order for numeric styles but may sort others: map by id.
    texts = {}
    for key, text in zip(bib.keys, bib.bibliography()):
        texts[key] = str(text)
    return [_entry(project.sources[sid].source, texts.get(sid.lower(), texts.get(sid, "")), lang, t) for sid in source_ids]


_LEADING_NUMBER = re.compile(r"^\s*\[\d+\]\s*")


def _entry(s, text: str, lang: str, t: Strings) -> tuple[m.Inline, ...]:
    """One reference: the CSL output with a live URL, unknown dates said plainly, the relayed
    primary source named, and the source's reliability grade."""
    text = _LEADING_NUMBER.sub("", text).strip()  # our own numbering is used in every format
    unknown = []
    if not s.published and t.no_date not in text:
        unknown.append(t.no_date)
    if not s.accessed:
        if t.no_access_date not in text:
            unknown.append(t.no_access_date)
    elif s.accessed not in text and t.accessed.lower() not in text.lower():
        # The style left the access date out (Chicago does when there is a publication date).
        unknown.append(f"{t.accessed} {format_date(s.accessed, t)}")
    if unknown:
        note = t.list_sep.join(unknown)
        text = _end(text, lang) + " " + _end(note[:1].upper() + note[1:], lang)
    if s.primary_source is not None:
        name = getattr(s.primary_source.name, lang, s.primary_source.name.en)
        text = t.relayed_format.format(primary=name, reference=text)
    text = _end(text, lang) + f" [{s.reliability.grade}]"
    nodes: list[m.Inline] = []
    if s.url and s.url in text:
        before, _, after = text.partition(s.url)
        nodes = [m.Str(before), m.Link(s.url, (m.Str(s.url),)), m.Str(after)]
    else:
        nodes = [m.Str(text)]
    return tuple(n for n in nodes if not (isinstance(n, m.Str) and not n.text))


def _end(text: str, lang: str = "en") -> str:
    """Close a sentence or reference element with one full stop."""
    text = text.rstrip()
    if text.endswith((".", "。", "?", "!", "？", "！")):
        return text
    return text + ("。" if lang == "zh" and not text[-1:].isascii() else ".")
