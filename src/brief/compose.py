"""Render a topic's template to Markdown in a Jinja2 sandbox, with every value escaped.

The template gets views of the topic, its selected findings and their sources in one language,
plus the UI strings of that language (`t`). Every `{{ value }}` passes through `finalize`, which
escapes Markdown, so data can never become markup. Only `cite(...)` returns markup: a citation
marker `[@finding-id]` that the parser turns into a Cite node.
"""

from __future__ import annotations

import datetime
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brief.errors import BriefError, InputError, Problem, TemplateError

LANGS_DIR = Path("templates") / "strings"
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>&~^\"'=:$%@;,/?])")


def clean_text(value: str) -> str:
    """Drop control characters, lone surrogates and non-characters; fold newlines to spaces."""
    value = value.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    value = _CTRL.sub("", value)
    return "".join(ch for ch in value if not (unicodedata.category(ch) == "Cn" and (ord(ch) & 0xFFFE) == 0xFFFE))


def escape_markdown(value: Any) -> str:
    """`finalize` of the environment: plain values become literal Markdown text."""
    from markupsafe import Markup

    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    text = clean_text(str(value))
    text = _MD_PUNCT.sub(r"\\\1", text)
    # Leading spaces could start an indented code block; they carry no meaning in data.
    return text.strip(" ")


# ---- views: what a template sees ----------------------------------------------------------


@dataclass(frozen=True)
class SourceView:
    id: str
    title: str
    title_en: str
    title_supplied: bool
    publisher: str | None
    author: str | None
    published: str | None
    accessed: str | None
    url: str | None
    language: str
    source_type: str
    primary_source: str | None
    reliability: str
    reliability_label: str
    rationale: str
    caveats: tuple[str, ...]


@dataclass(frozen=True)
class FigureView:
    value: str
    unit: str
    entity: str
    as_of: str | None  # None when the text states no date


@dataclass(frozen=True)
class FindingView:
    id: str
    kind: str
    kind_label: str
    claim: str
    claims: dict
    translated: bool
    quote: str
    para: int
    locator: str
    source: SourceView
    credibility: int
    credibility_label: str
    grade: str
    stance: str | None
    stance_label: str | None
    topics: tuple[str, ...]
    figures: tuple[FigureView, ...]
    origin: str
    contradicts: tuple[str, ...]
    same_origin: tuple[str, ...]


@dataclass(frozen=True)
class PairView:
    left: FindingView
    right: FindingView


@dataclass(frozen=True)
class SentenceView:
    text: str
    cites: tuple[str, ...]


@dataclass(frozen=True)
class PositionView:
    id: str
    label: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True)
class ContestView:
    axis: str
    question: str
    positions: tuple[PositionView, ...]


@dataclass(frozen=True)
class GroupView:
    kind: str
    title: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True)
class ChartView:
    id: str
    title: str
    findings: tuple[str, ...]
    as_of: str  # the "as of" dates of the plotted values, or t.date_not_stated


@dataclass(frozen=True)
class KeyFigureView:
    entity: str
    value: str
    unit: str
    as_of: str | None
    finding: FindingView


@dataclass(frozen=True)
class TopicView:
    id: str
    title: str
    question: str
    tlp: str
    version: str


class Strings(dict):
    """UI strings of one language; a missing key is a template error, never a silent blank."""

    def __init__(self, data: dict, lang: str, path: str):
        super().__init__(data)
        self.lang = lang
        self.path = path

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"no UI string '{key}' in {self.path}") from None


_STRINGS: dict[tuple[str, float], Strings] = {}


def load_strings(root: Path, lang: str) -> Strings:
    """The UI string table of `lang` (templates/strings/<lang>.yaml), read once per file version."""
    from brief.corpus import yamlio

    path = root / LANGS_DIR / f"{lang}.yaml"
    shown = str(LANGS_DIR / f"{lang}.yaml")
    if not path.is_file():
        have = sorted(p.stem for p in (root / LANGS_DIR).glob("*.yaml"))
        raise InputError(Problem(shown, None, f"unknown language '{lang}'",
                                 f"available: {', '.join(have)}; add a strings file to add a language"))
    key = (str(path.resolve()), path.stat().st_mtime)
    if key not in _STRINGS:
        _STRINGS[key] = Strings(dict(yamlio.load(path, shown)), lang, shown)
    return _STRINGS[key]


def build_date() -> datetime.date:
    """Today, or the date of SOURCE_DATE_EPOCH for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).date()
    return datetime.date.today()


def format_date(value: str | datetime.date | None, t: Strings) -> str:
    """A full or partial ISO date in the language's format; None becomes t.no_date."""
    if value is None:
        return t.no_date
    if isinstance(value, datetime.date):
        y, m, d = value.year, value.month, value.day
    else:
        parts = [int(p) for p in value.split("-")]
        y, m, d = (parts + [0, 0])[:3]
    if not m:
        return t.get("year_format", "{year}").format(year=y)
    names = t.month_names
    if not d:
        fmt = t.get("month_format", "{month_name} {year}" if t.lang == "en" else "{year}年{month}月")
        return fmt.format(year=y, month=m, month_name=names[m - 1])
    return t.date_format.format(year=y, month=m, day=d, month_name=names[m - 1])


def _fmt_value(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,}"


def build_context(project, selection, lang: str, t: Strings) -> dict[str, Any]:
    """Everything a template may use (documented in templates/README.md)."""
    from brief.cite import caveats
    from brief.select import grade_reason

    topic = selection.topic.topic

    def pick(text) -> str:
        return getattr(text, lang, None) or text.en

    source_views: dict[str, SourceView] = {}

    def source_view(sid: str) -> SourceView:
        if sid not in source_views:
            s = project.sources[sid].source
            r = s.reliability
            source_views[sid] = SourceView(
                s.id, s.title, s.title_en, s.title_supplied, s.publisher, s.author, s.published, s.accessed, s.url,
                s.language, s.source_type, pick(s.primary_source.name) if s.primary_source else None,
                r.grade, t[f"reliability_{r.grade}"], pick(r.rationale), tuple(caveats(s, lang, t)))
        return source_views[sid]

    def origin_of(source_id: str) -> str:
        src = project.sources[source_id].source
        return src.primary_source.key if src.primary_source else src.id

    by_origin: dict[str, list] = {}
    for fe in selection.findings:
        by_origin.setdefault(origin_of(fe.source_id), []).append(fe)
    missing: list[Problem] = []

    def view(fe) -> FindingView | None:
        f = fe.finding
        if lang not in f.claim:
            missing.append(Problem(fe.loc.path, fe.loc.line, f"finding '{f.id}' has no claim in '{lang}' "
                                   f"(it has: {', '.join(sorted(f.claim))})",
                                   f"add claim.{lang} to the finding, or generate in another language"))
            return None
        label = None
        if f.stance:
            _, text = project.position_label(f.stance)
            label = pick(text)
        figs = tuple(FigureView(_fmt_value(g.value), pick(g.unit), pick(g.entity),
                                format_date(g.as_of, t) if g.as_of else None) for g in f.figures)
        src = project.sources[fe.source_id].source
        origin = origin_of(fe.source_id)
        return FindingView(
            id=f.id, kind=f.kind, kind_label=t["kind_" + f.kind], claim=f.claim[lang], claims=dict(f.claim),
            translated=lang != src.language, quote=f.quote, para=f.locator.para,
            locator=f"{t.para} {f.locator.para}", source=source_view(fe.source_id),
            credibility=f.credibility, credibility_label=t[f"credibility_{f.credibility}"],
            grade=f"{src.reliability.grade}{f.credibility}", stance=f.stance, stance_label=label,
            topics=tuple(f.topics), figures=figs, origin=origin, contradicts=tuple(f.contradicts),
            same_origin=tuple(o.finding.id for o in by_origin.get(origin, ()) if o.source_id != fe.source_id))

    views: dict[str, FindingView] = {}
    for fe in selection.findings:
        v = view(fe)
        if v is not None:
            views[fe.finding.id] = v
    # A contested pair is shown whenever the selection touches one side of it; the other side
    # is shown too (and cited), even if the topic's selector would not take it.
    pairs, seen = [], set()
    for fe in selection.findings:
        for other in fe.finding.contradicts:
            key = frozenset((fe.finding.id, other))
            if key in seen or other not in project.findings:
                continue
            seen.add(key)
            left = views.get(fe.finding.id)
            if other not in views and grade_reason(project, topic.select, project.findings[other]):
                continue  # the other side is below the topic's grade threshold: reported as left out
            right = views.get(other) or view(project.findings[other])
            if left is not None and right is not None:
                pairs.append(PairView(left, right))
    if missing:
        raise InputError(missing)
    findings = tuple(views.values())
    key_ids = topic.key_findings or [f.id for f in findings[:5]]
    groups = []
    for kinds, key in ((("figure", "fact"), "facts"), (("judgment",), "judgments"), (("recommendation",), "recommendations")):
        members = tuple(f for f in findings if f.kind in kinds)
        if members:
            groups.append(GroupView(key, t[key], members))
    contested = []
    for axis_id, axis in project.stances.axes.items():
        positions = []
        for pos_id, label in axis.positions.items():
            members = tuple(f for f in findings if f.stance == pos_id)
            if members:
                positions.append(PositionView(pos_id, pick(label), members))
        if len(positions) >= 2:
            contested.append(ContestView(axis_id, pick(axis.question), tuple(positions)))
    chart_views = []
    if topic.charts:
        from brief.charts import figures_of

        for spec in topic.charts:
            dates = sorted({g.as_of for _, g in figures_of(project, spec) if g.as_of})
            as_of = ", ".join(format_date(d, t) for d in dates) if dates else t.date_not_stated
            chart_views.append(ChartView(spec.id, pick(spec.title), tuple(dict.fromkeys(f for f, _ in figures_of(project, spec))),
                                         f"{t.as_of} {as_of}" if dates else as_of))
    key_figures = tuple(KeyFigureView(g.entity, g.value, g.unit, g.as_of, f) for f in findings for g in f.figures)
    return {
        "lang": lang,
        "t": t,
        "charts": tuple(chart_views),
        "key_figures": key_figures,
        "topic": TopicView(topic.id, pick(topic.title), pick(topic.question), topic.tlp, topic.version),
        "organisation": pick(project.config.organisation) if project.config else "",
        "author": pick(project.config.author) if project.config and project.config.author else "",
        "date": format_date(build_date(), t),
        "bottom_line": tuple(SentenceView(pick(s), tuple(s.cites)) for s in topic.bottom_line),
        "key_judgments": tuple(SentenceView(pick(s), tuple(s.cites)) for s in topic.key_judgments),
        "key_findings": tuple(views[i] for i in key_ids if i in views),
        "findings": findings,
        "groups": tuple(groups),
        "contested": tuple(contested),
        "pairs": tuple(pairs),
        "sources": tuple(source_views.values()),
        "basis": t.basis_text.format(findings=len(findings), sources=len(selection.source_ids),
                                     origins=len(by_origin)),
    }


# ---- the environment -----------------------------------------------------------------------


def _cite(*items: Any):
    """`cite(f)`, `cite(f1, f2)` or `cite(sentence.cites)`: a citation marker for findings."""
    from markupsafe import Markup

    ids: list[str] = []
    for item in items:
        if isinstance(item, FindingView):
            ids.append(item.id)
        elif isinstance(item, str):
            ids.append(item)
        elif isinstance(item, (list, tuple)):
            ids.extend(x.id if isinstance(x, FindingView) else str(x) for x in item)
        else:
            raise TypeError(f"cite() takes findings or finding ids, not {type(item).__name__}")
    for i in ids:
        if not re.match(r"^[a-z0-9]+(-[a-z0-9]+)*$", i):
            raise ValueError(f"cite(): {i!r} is not a finding id")
    return Markup("[@" + ";".join(ids) + "]") if ids else Markup("")


_ENVS: dict[Path, Any] = {}


def environment(root: Path):
    """The one sandboxed Jinja2 environment for a project's templates/ (cached per process)."""
    if root in _ENVS:
        return _ENVS[root]
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(root / "templates")),
        undefined=StrictUndefined,
        finalize=escape_markdown,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )
    env.globals["cite"] = _cite
    _ENVS[root] = env
    return env


def template_names(root: Path) -> list[str]:
    """Names of the brief templates (templates/<name>.md.j2)."""
    return sorted(p.name[: -len(".md.j2")] for p in (root / "templates").glob("*.md.j2"))


def _template_error(e: BaseException, name: str) -> Problem:
    """A Jinja error as `template:line: message`, the line found in the traceback if need be."""
    from jinja2 import TemplateSyntaxError

    filename = f"templates/{name}.md.j2"
    if isinstance(e, TemplateSyntaxError):
        shown = f"templates/{e.name}" if e.name else filename
        return Problem(shown, e.lineno, f"template syntax error: {e.message}",
                       "check the matching {% ... %} / {{ ... }} delimiters")
    line = None
    shown = filename
    tb = e.__traceback__
    while tb is not None:
        f = tb.tb_frame
        if f.f_code.co_filename.endswith(".md.j2"):
            shown = "templates/" + Path(f.f_code.co_filename).name
            line = tb.tb_lineno
        tb = tb.tb_next
    msg = str(e)
    kind = type(e).__name__
    hint = None
    if kind == "UndefinedError":
        msg = f"undefined variable: {msg}"
        hint = "templates/README.md lists every variable a template can use"
    elif kind == "SecurityError":
        msg = f"not allowed in the template sandbox: {msg}"
    else:
        msg = f"{kind}: {msg}"
    return Problem(shown, line, msg, hint)


def render(project, selection, lang: str, template: str | None = None) -> str:
    """Render a topic's template (or `template`) in `lang` to Markdown."""
    root = project.root
    name = template or selection.topic.topic.template
    if name not in template_names(root):
        import difflib

        have = template_names(root)
        close = difflib.get_close_matches(name, have, n=1)
        raise TemplateError(Problem(f"templates/{name}.md.j2", None, f"unknown template '{name}'",
                                    (f"did you mean '{close[0]}'? " if close else "") + f"available: {', '.join(have)}"))
    t = load_strings(root, lang)
    env = environment(root)
    try:
        tpl = env.get_template(f"{name}.md.j2")
        return tpl.render(build_context(project, selection, lang, t))
    except TemplateError:
        raise
    except Exception as e:  # any error raised while rendering is the template's
        if type(e).__module__.startswith("jinja2") or isinstance(e, (TypeError, ValueError, AttributeError, KeyError)):
            raise TemplateError(_template_error(e, name)) from None
        raise


def check_templates(project) -> list[Problem]:
    """Compile every template and render it against every topic in every language."""
    from brief.select import check_topic, select

    problems: list[Problem] = []
    root = project.root
    env = environment(root)
    names = template_names(root)
    if not names:
        return [Problem("templates/", None, "no templates (templates/*.md.j2)", "restore templates/brief.md.j2")]
    compiled = []
    for name in names:
        try:
            env.get_template(f"{name}.md.j2")
            compiled.append(name)
        except Exception as e:
            problems.append(_template_error(e, name))
    langs = sorted(p.stem for p in (root / LANGS_DIR).glob("*.yaml"))
    for entry in project.topics.values():
        topic_problems = check_topic(project, entry)
        problems.extend(topic_problems)
        if topic_problems or entry.topic.template not in names:
            if entry.topic.template not in names:
                problems.append(Problem(entry.loc.path, entry.data.lines.get("template"),
                                        f"unknown template '{entry.topic.template}'", f"available: {', '.join(names)}"))
            continue
        selection = select(project, entry)
        for name in compiled:
            for lang in langs:
                try:
                    render(project, selection, lang, name)
                except BriefError as e:  # a template error, or data the template cannot show
                    for p in e.problems:
                        if isinstance(e, TemplateError):
                            p.message += f" (topic {entry.topic.id}, {lang})"
                    problems.extend(e.problems)
    # One report per distinct location and message.
    seen, unique = set(), []
    for p in problems:
        key = (p.path, p.line, p.message.split(" (topic ")[0])
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def describe_templates(root: Path) -> list[dict]:
    """Each template's name, description (its `description:` comment) and the sections it uses."""
    rows = []
    for name in template_names(root):
        text = (root / "templates" / f"{name}.md.j2").read_text(encoding="utf-8")
        desc = re.search(r"\{#-?\s*description:\s*(.*?)\s*-?#\}", text, re.S)
        sections = re.findall(r"^#{1,3} \{\{ t\.(\w+) \}\}", text, re.M)
        roles = sorted(set(re.findall(r"^:{3,} ?([a-z][a-z-]*)", text, re.M)))
        rows.append({"name": name, "description": desc.group(1) if desc else "", "sections": sections, "roles": roles})
    return rows
