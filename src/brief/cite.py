"""One citation numbering and one reference list (citeproc-py with CSL files), for every writer.

`number(blocks, project, template)` numbers the cited sources in order of first citation and
fills every Cite node with its numbers; `Fillers` fills the `references` and `source-notes`
placeholders with the cited sources only.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from brief import model as m
from brief.corpus.schema import _CJK
from brief.corpus.standards import caveats
from brief.errors import InputError, Problem, TemplateError
from brief.i18n import Strings, format_date, pick


def number(blocks: tuple[m.Block, ...], project, template: str) -> tuple[tuple[m.Block, ...], dict[str, int]]:
    """Blocks with every Cite numbered, and the number of each cited source (first citation first)."""
    numbers: dict[str, int] = {}
    unknown: list[str] = []

    def one(n: m.Inline) -> m.Inline:
        if not isinstance(n, m.Cite):
            return n
        nums = []
        for k in n.keys:
            fe = project.findings.get(k)
            if fe is None:
                unknown.append(k)
            else:
                nums.append(numbers.setdefault(fe.source_id, len(numbers) + 1))
        return m.Cite(n.keys, tuple(sorted(set(nums))))

    numbered = m.map_inlines(blocks, one)
    if unknown:
        raise TemplateError(Problem(f"templates/{template}.md.j2", None,
                                    f"cite() names unknown finding(s): {', '.join(sorted(set(unknown)))}",
                                    "cite findings of the selection (`brief findings --topic ID`)"))
    return numbered, numbers


class Fillers:
    """Fill the `references` and `source-notes` placeholders from one numbering."""

    def __init__(self, project, numbers: dict[str, int], lang: str, t: Strings, csl: str | None,
                 formatted: bool = True):
        self.project, self.numbers, self.lang, self.t, self.csl = project, numbers, lang, t, csl
        self.formatted = formatted  # False: only check that each entry can be formatted (brief check)
        self.cited = [sid for sid, _ in sorted(numbers.items(), key=lambda kv: kv[1])]
        self._references: tuple[m.Reference, ...] | None = None

    def references(self, p: m.Placeholder) -> m.References:
        if self._references is None:
            if not self.formatted:
                texts = checked_references(self.project, self.cited, self.lang, self.t, self.csl)
            else:
                texts = format_references(self.project, self.cited, self.lang, self.t, self.csl) if self.cited else []
            self._references = tuple(m.Reference(self.numbers[sid], sid, text) for sid, text in zip(self.cited, texts))
        return m.References(self._references, "references")

    def source_notes(self, p: m.Placeholder) -> m.References:
        return m.References(tuple(
            m.Reference(self.numbers[sid], sid, (m.Str(source_note(self.project.sources[sid].source, self.lang, self.t)),))
            for sid in self.cited), "source-notes")


def source_note(s, lang: str, t: Strings) -> str:
    """One Source notes entry: the reliability grade with its rationale, and the caveats."""
    r = s.reliability
    text = t.source_note_format.format(grade=r.grade, label=t[f"reliability_{r.grade}"],
                                       rationale=_end(pick(r.rationale, lang), lang))
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
            if set(name) == {"literal"}:
                if not name["literal"].strip():
                    raise ValueError("a literal name is empty")
            elif set(name) in ({"family"}, {"family", "given"}):
                if not all(part.strip() for part in name.values()):
                    raise ValueError("a name part is empty")
                if any(_CJK.search(part) for part in name.values()):
                    raise ValueError("a Chinese name is passed as {'literal': ...}: citeproc-py would split it")
            else:
                raise ValueError("a name is {'literal': ...} or {'family': ..., 'given': ...}")
        return v


def _date(value: str | None) -> dict | None:
    if not value:
        return None
    return {"date-parts": [[int(p) for p in value.split("-")]]}


def csl_name(name) -> dict[str, str]:
    """One author as CSL-JSON: name parts as given, except that a Chinese name is one literal
    (citeproc-py mangles CJK family/given names)."""
    if name.literal is not None or name.cjk:
        return {"literal": str(name)}
    return {k: v for k, v in (("family", name.family), ("given", name.given)) if v}


def csl_json(s, lang: str, t: Strings) -> dict:
    """Source metadata as CSL-JSON: the author's name parts (a literal name, or a Chinese name,
    stays one string)."""
    title = s.title if (lang != "en" or s.language == "en") else f"{s.title} [{s.title_en}]"
    if s.title_supplied:
        title = s.title_en if lang == "en" else s.title
    item: dict = {"id": s.id, "type": "post-weblog" if s.source_type == "blog" and lang == "en" else "webpage",
                  "title": title, "language": s.language}  # a non-English item is never title-cased
    if s.author:
        item["author"] = [csl_name(n) for n in s.author]
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


def style_path(root: Path, name: str) -> Path:
    """The file a CSL style name stands for: a path, else a file in templates/csl/ (".csl" may be
    left out). It may not exist."""
    path = Path(name)
    if not path.is_absolute() and not path.exists():
        path = root / CSL_DIR / name
    if path.suffix != ".csl":
        path = path.with_suffix(path.suffix + ".csl") if not path.exists() else path
    return path


def load_style(root: Path, name: str, locale: str):
    """A CSL style by file name (in templates/csl/) or path, parsed once per process."""
    from citeproc import CitationStylesStyle

    path = style_path(root, name)
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


def checked_references(project, source_ids: list[str], lang: str, t: Strings, csl: str | None) -> list[tuple[m.Inline, ...]]:
    """What `format_references` needs, checked without formatting: the style loads and every
    cited source maps to valid CSL-JSON. Each entry holds the source's own texts (for the glyph
    check); `brief check` uses this, since formatting valid items cannot fail."""
    load_style(project.root, csl or t.csl, t.csl_locale)
    out = []
    for sid in source_ids:
        entry = project.sources[sid]
        validate_csl(csl_json(entry.source, lang, t), entry.loc.path)
        s = entry.source
        names = " ".join(str(n) for n in s.author or ())
        primary = pick(s.primary_source.name, lang) if s.primary_source else ""
        out.append((m.Str(" ".join(x for x in (s.title, s.title_en, s.publisher, names, s.url, primary) if x)),))
    return out


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
    text = _literal_names_as_written(text, s)
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
        # The entry is the article the quotes stand in; the source it relays is a note after it.
        name = pick(s.primary_source.name, lang)
        ref = _end(text, lang)
        text = t.relayed_format.format(primary=name, reference=ref)
        if ref[-1:] in _FULL_WIDTH_END:  # no space after full-width punctuation: "…不详。原始来源：…"
            text = text.replace(ref + " ", ref, 1)
    text = _end(text, lang)
    # Chinese sets no space after full-width punctuation: "…环球网。[C]"; English "…2024. [C]".
    text += ("" if text[-1:] in _FULL_WIDTH_END else " ") + f"[{s.reliability.grade}]"
    nodes: list[m.Inline] = []
    if s.url and s.url in text:
        before, _, after = text.partition(s.url)
        nodes = [m.Str(before), m.Link(s.url, (m.Str(s.url),)), m.Str(after)]
    else:
        nodes = [m.Str(text)]
    return tuple(n for n in nodes if not (isinstance(n, m.Str) and not n.text))


def _literal_names_as_written(text: str, s) -> str:
    """A literal name (an organisation, a pseudonym) as written. citeproc-py formats a literal
    name as a family name, so GB/T 7714's upper-case family names would turn "Example Institute"
    into "EXAMPLE INSTITUTE"; CSL applies name-part formatting to family and given names only."""
    for name in s.author or ():
        lit = name.literal
        if lit and lit.upper() != lit and lit.upper() in text:
            text = text.replace(lit.upper(), lit, 1)
    return text


_FULL_WIDTH_END = "。！？；：）”』」"


def _end(text: str, lang: str = "en") -> str:
    """Close a sentence or reference element with one full stop."""
    text = text.rstrip()
    if text.endswith((".", "。", "?", "!", "？", "！")):
        return text
    return text + ("。" if lang == "zh" and not text[-1:].isascii() else ".")
