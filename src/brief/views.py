"""What a template sees: read-only views of the topic, its selected findings and their sources in
one language, and `build_context()`, which makes them. Nothing here renders or formats markup.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from brief import i18n
from brief.corpus.standards import caveats
from brief.errors import InputError, Problem
from brief.i18n import Strings, excerpt, format_date, format_figure, language_name
from brief.select import Selection, figures_of, grade_reason

@dataclass(frozen=True)
class SourceView:
    id: str
    title: str
    title_en: str
    title_supplied: bool
    publisher: str | None
    author: str | None  # the author(s) as written in running text ("Elena Marsh; 崔传刚"), or None
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
    value: str  # as a reader writes it: "more than US$4 billion", "逾40亿美元", "32%"
    unit: str  # what it counts or is of: "AI data centres", "of global compute" (may be empty)
    entity: str
    as_of: str | None  # None when the text states no date
    text: str  # value and unit: "more than US$4 billion for domestic AI development"
    line: str  # "Brazil: more than US$4 billion … (date not stated)", in the brief's language


@dataclass(frozen=True)
class FindingView:
    id: str
    kind: str
    kind_label: str
    claim: str
    claims: dict
    translated: bool  # the brief's language differs from the source's
    language_name: str  # the source's language, named in the brief's language ("Chinese", "中文")
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
    via_primary: bool  # the text attributes the quote to the primary source its article relays
    excerpt: str  # the claim's opening words, to name the finding in a list


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
    text: str


@dataclass(frozen=True)
class TopicView:
    id: str
    title: str
    question: str
    tlp: str
    version: str


def figure_view(g, t: Strings) -> FigureView:
    """One figure of a finding (corpus Figure) as the brief writes it."""
    words = format_figure(g.value, g.unit, g.qualifier, g.measure, t)
    entity = i18n.pick(g.entity, t.lang)
    as_of = format_date(g.as_of, t) if g.as_of else None
    line = t.figure_line.format(entity=entity, figure=words.text,
                                as_of=t.as_of_format.format(date=as_of) if as_of else t.date_not_stated)
    return FigureView(words.value, words.unit, entity, as_of, words.text, line)


def grade_legend(t: Strings) -> str:
    """One line that explains both scales of a grade such as C3, from the UI strings: the source's
    reliability A (best) to E, F cannot be judged; the information's credibility 1 (best) to 5, 6
    cannot be judged (Admiralty / NATO system)."""
    def scale(prefix: str, best: str, worst: str, unjudged: str) -> str:
        def item(g: str) -> str:
            return t.grade_legend_item.format(grade=g, label=t[prefix + g])

        return t.grade_legend_scale.format(best=item(best), worst=item(worst),
                                           unjudged=t.grade_legend_item.format(grade=unjudged, label=t.grade_unjudged))

    return t.grade_legend.format(reliability=scale("reliability_", "A", "E", "F"),
                                 credibility=scale("credibility_", "1", "5", "6"))


def build_context(project, selection: Selection, lang: str, t: Strings, date: datetime.date) -> dict[str, Any]:
    """Everything a template may use (documented in templates/README.md)."""
    topic = selection.topic.topic

    def pick(text) -> str:
        return i18n.pick(text, lang)

    source_views: dict[str, SourceView] = {}

    def source_view(sid: str) -> SourceView:
        if sid not in source_views:
            s = project.sources[sid].source
            r = s.reliability
            authors = "; ".join(str(n) for n in s.author) if s.author else None
            source_views[sid] = SourceView(
                s.id, s.title, s.title_en, s.title_supplied, s.publisher, authors, s.published, s.accessed, s.url,
                s.language, s.source_type, pick(s.primary_source.name) if s.primary_source else None,
                r.grade, t[f"reliability_{r.grade}"], pick(r.rationale), tuple(caveats(s, lang, t)))
        return source_views[sid]

    def origin_of(fe) -> str:
        """The line of reporting a finding belongs to: the primary source its article relays,
        when the text attributes the quote to it (via_primary), else its own source."""
        src = project.sources[fe.source_id].source
        return src.primary_source.key if fe.finding.via_primary and src.primary_source else src.id

    by_origin: dict[str, list] = {}
    for fe in selection.findings:
        by_origin.setdefault(origin_of(fe), []).append(fe)
    missing: list[Problem] = []
    unnamed: set[str] = set()  # sources whose language has no name in the strings table (reported once)

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
            label = pick(text) if text is not None else None
        figs = tuple(figure_view(g, t) for g in f.figures)
        src = project.sources[fe.source_id].source
        origin = origin_of(fe)
        named = language_name(src.language, t)
        if named is None:
            if src.id not in unnamed:
                unnamed.add(src.id)
                entry = project.sources[fe.source_id]
                missing.append(Problem(entry.loc.path, _line_of(project, entry.loc.path, "language"),
                                       f"source '{src.id}': {t.path} has no name for its language '{src.language}'",
                                       f"add '{src.language}: …' under language_names in {t.path} (and in every language)"))
            return None
        return FindingView(
            id=f.id, kind=f.kind, kind_label=t["kind_" + f.kind], claim=f.claim[lang], claims=dict(f.claim),
            translated=lang != src.language, language_name=named, quote=f.quote, para=f.locator.para,
            locator=t.locator_format.format(para=f.locator.para), source=source_view(fe.source_id),
            credibility=f.credibility, credibility_label=t[f"credibility_{f.credibility}"],
            grade=f"{src.reliability.grade}{f.credibility}", stance=f.stance, stance_label=label,
            topics=tuple(f.topics), figures=figs, origin=origin, contradicts=tuple(f.contradicts),
            same_origin=tuple(o.finding.id for o in by_origin.get(origin, ()) if o.source_id != fe.source_id),
            via_primary=f.via_primary and src.primary_source is not None, excerpt=excerpt(f.claim[lang], t))

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
        for spec in topic.charts:
            dates = sorted({g.as_of for _, g in figures_of(project, spec) if g.as_of})
            as_of = t.date_sep.join(format_date(d, t) for d in dates) if dates else t.date_not_stated
            chart_views.append(ChartView(spec.id, pick(spec.title), tuple(dict.fromkeys(f for f, _ in figures_of(project, spec))),
                                         t.as_of_format.format(date=as_of) if dates else as_of))
    key_figures = tuple(KeyFigureView(g.entity, g.value, g.unit, g.as_of, f, g.text) for f in findings for g in f.figures)
    return {
        "lang": lang,
        "t": t,
        "charts": tuple(chart_views),
        "key_figures": key_figures,
        "topic": TopicView(topic.id, pick(topic.title), pick(topic.question), topic.tlp, topic.version),
        "organisation": pick(project.config.organisation) if project.config else "",
        "author": pick(project.config.author) if project.config and project.config.author else "",
        "date": format_date(date, t),
        "bottom_line": tuple(SentenceView(pick(s), tuple(s.cites)) for s in topic.bottom_line),
        "key_judgments": tuple(SentenceView(pick(s), tuple(s.cites)) for s in topic.key_judgments),
        "key_findings": tuple(views[i] for i in key_ids if i in views),
        "findings": findings,
        "groups": tuple(groups),
        "contested": tuple(contested),
        "pairs": tuple(pairs),
        "sources": tuple(source_views.values()),
        "basis": _basis(findings, pairs, t),
        "grade_legend": grade_legend(t),
    }


def _basis(findings: tuple[FindingView, ...], pairs: list[PairView], t: Strings) -> str:
    """What the brief cites: the selected findings and the other sides of the contradiction
    pairs it shows (which may come from outside the selection), their sources, and their lines
    of reporting (a finding relayed from a primary source counts as that source's line)."""
    cited = {f.id: f for f in findings}
    for p in pairs:
        for side in (p.left, p.right):
            cited.setdefault(side.id, side)
    return t.basis_text.format(findings=t.n_findings.format(n=len(cited)),
                               sources=t.n_sources.format(n=len({f.source.id for f in cited.values()})),
                               origins=t.n_origins.format(n=len({f.origin for f in cited.values()})))


def _line_of(project, shown: str, key: str) -> int | None:
    """The line of a top-level key in a project file (for a problem found after loading)."""
    from brief.corpus import yamlio

    try:
        return yamlio.load(project.root / shown, shown).lines.get(key)
    except Exception:  # noqa: BLE001 - the file loaded before; a line is only a pointer
        return None
