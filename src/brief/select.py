"""The selector: a topic's declarative selector + the corpus -> its ordered findings, the sources
they come from, those a grade threshold leaves out, and the figures its charts plot. Nothing else:
checking a topic is brief.check's job."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from brief.corpus.load import FindingEntry, Project, TopicEntry
from brief.errors import InputError, Problem
from brief.i18n import unit_key

KIND_ORDER = {"figure": 0, "fact": 1, "judgment": 2, "recommendation": 3}


@dataclass(frozen=True)
class Excluded:
    """A finding the selector matched but a grade threshold left out, and why."""

    finding: FindingEntry
    reason: str


@dataclass(frozen=True)
class Selection:
    """The findings a topic takes, in brief order, the sources they come from, and those left out by grade."""

    topic: TopicEntry
    findings: tuple[FindingEntry, ...]
    excluded: tuple[Excluded, ...] = ()

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.findings]

    @property
    def source_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.findings:
            seen.setdefault(f.source_id, None)
        return list(seen)


def get_topic(project: Project, topic_id: str) -> TopicEntry:
    """The topic with this id, or an error that suggests the closest one."""
    if topic_id in project.topics:
        return project.topics[topic_id]
    ids = sorted(project.topics)
    close = difflib.get_close_matches(topic_id, ids, n=1, cutoff=0.4)
    hint = f"did you mean '{close[0]}'?" if close else None
    hint = (hint + " " if hint else "") + f"known topics: {', '.join(ids)}"
    raise InputError(Problem("briefs/", None, f"unknown topic '{topic_id}'", hint))


def select(project: Project, entry: TopicEntry) -> Selection:
    """Apply a topic's selector and ordering to the corpus."""
    sel = entry.topic.select
    tags = set(sel.topics)
    chosen: list[FindingEntry] = []
    excluded: list[Excluded] = []
    for fe in project.findings.values():  # (what an entry always has: the validated findings are not read)
        if fe.id in sel.exclude or fe.source_id in sel.exclude_sources:
            continue
        take = (
            bool(tags.intersection(fe.topics))
            and (sel.kinds is None or fe.kind in sel.kinds)
            and (sel.sources is None or fe.source_id in sel.sources)
            and (sel.stances is None or fe.stance in sel.stances)
        )
        if take or fe.id in sel.include:
            reason = grade_reason(project, sel, fe)
            if reason:
                excluded.append(Excluded(fe, reason))
            else:
                chosen.append(fe)
    source_rank = {s: i for i, s in enumerate(sel.sources or sorted(project.sources))}

    def key(fe: FindingEntry) -> tuple:
        parts: list = []
        for k in entry.topic.order:
            if k == "kind":
                parts.append(KIND_ORDER[fe.kind])
            elif k == "source":
                parts.append(source_rank.get(fe.source_id, len(source_rank)))
            elif k == "position":
                parts.extend(fe.position)
            elif k == "id":
                parts.append(fe.id)
            elif k == "topic-match":
                parts.append(0 if entry.topic.select.topics[0] in fe.topics else 1)
        parts.append(fe.index)
        return tuple(parts)

    return Selection(entry, tuple(sorted(chosen, key=key)), tuple(excluded))


def grade_reason(project: Project, sel, fe: FindingEntry) -> str | None:
    """Why a grade threshold leaves this finding out, or None if it passes."""
    grade = project.sources[fe.source_id].grade  # None: not yet graded, reported when the corpus loads
    if sel.min_reliability is not None and grade is not None:
        if grade == "F":
            return f"source {fe.source_id} is graded F (reliability cannot be judged), below the minimum {sel.min_reliability}"
        if grade > sel.min_reliability:  # letters: A is best
            return f"source {fe.source_id} is graded {grade}, below the minimum {sel.min_reliability}"
    cred = fe.credibility
    if sel.max_credibility is not None and cred > sel.max_credibility:
        return f"credibility {cred} is worse than the maximum {sel.max_credibility}"
    return None


def figures_of(project: Project, spec) -> list[tuple[str, object]]:
    """(finding id, figure) pairs a chart spec plots, in the order the spec lists the findings:
    the figures in the chart's unit (or the first figure's unit when the spec names none)."""
    out = []
    unit = spec.unit
    for fid in spec.findings:
        fe = project.findings.get(fid)
        if fe is None:
            continue
        for g in fe.finding.figures:
            if unit is None:
                unit = unit_key(g.unit, g.measure)
            if unit_key(g.unit, g.measure) == unit:
                out.append((fid, g))
    return out
