"""Topic selector: a topic's declarative selector -> its ordered findings and their sources."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from brief.corpus.load import FindingEntry, Project, TopicEntry
from brief.corpus.numbers import missing_numbers
from brief.corpus.standards import judgment_problems
from brief.errors import InputError, Problem

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
        return [f.finding.id for f in self.findings]

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
    for fe in project.findings.values():
        f = fe.finding
        if f.id in sel.exclude or fe.source_id in sel.exclude_sources:
            continue
        take = (
            bool(tags.intersection(f.topics))
            and (sel.kinds is None or f.kind in sel.kinds)
            and (sel.sources is None or fe.source_id in sel.sources)
            and (sel.stances is None or f.stance in sel.stances)
        )
        if take or f.id in sel.include:
            reason = grade_reason(project, sel, fe)
            if reason:
                excluded.append(Excluded(fe, reason))
            else:
                chosen.append(fe)
    source_rank = {s: i for i, s in enumerate(sel.sources or sorted(project.sources))}

    def key(fe: FindingEntry) -> tuple:
        f = fe.finding
        parts: list = []
        for k in entry.topic.order:
            if k == "kind":
                parts.append(KIND_ORDER[f.kind])
            elif k == "source":
                parts.append(source_rank.get(fe.source_id, len(source_rank)))
            elif k == "position":
                parts.extend((f.locator.para, f.locator.start))
            elif k == "id":
                parts.append(f.id)
            elif k == "topic-match":
                parts.append(0 if entry.topic.select.topics[0] in f.topics else 1)
        parts.append(fe.index)
        return tuple(parts)

    return Selection(entry, tuple(sorted(chosen, key=key)), tuple(excluded))


def grade_reason(project: Project, sel, fe: FindingEntry) -> str | None:
    """Why a grade threshold leaves this finding out, or None if it passes."""
    grade = project.sources[fe.source_id].source.reliability.grade
    if sel.min_reliability is not None:
        if grade == "F":
            return f"source {fe.source_id} is graded F (reliability cannot be judged), below the minimum {sel.min_reliability}"
        if grade > sel.min_reliability:  # letters: A is best
            return f"source {fe.source_id} is graded {grade}, below the minimum {sel.min_reliability}"
    cred = fe.finding.credibility
    if sel.max_credibility is not None and cred > sel.max_credibility:
        return f"credibility {cred} is worse than the maximum {sel.max_credibility}"
    return None


def check_topic(project: Project, entry: TopicEntry) -> list[Problem]:
    """Cross-file checks of one topic: references exist, the selector selects, cites are selected."""
    t = entry.topic
    data = entry.data
    shown = entry.loc.path
    problems: list[Problem] = []
    sel_data = data.get("select", {})
    for field in ("sources", "exclude_sources"):
        for i, sid in enumerate(getattr(t.select, field) or []):
            if sid not in project.sources:
                close = difflib.get_close_matches(sid, sorted(project.sources), n=1)
                problems.append(Problem(shown, sel_data[field].lines[i], f"select.{field}: unknown source '{sid}'",
                                        f"did you mean '{close[0]}'?" if close else "see `brief sources`"))
    for field in ("include", "exclude"):
        for i, fid in enumerate(getattr(t.select, field)):
            if fid not in project.findings:
                problems.append(Problem(shown, sel_data[field].lines[i], f"select.{field}: unknown finding '{fid}'",
                                        _closest_finding(project, fid)))
    positions = {p for a in project.stances.axes.values() for p in a.positions}
    for i, st in enumerate(t.select.stances or []):
        if st not in positions:
            problems.append(Problem(shown, sel_data["stances"].lines[i], f"select.stances: unknown stance '{st}'",
                                    f"known stances: {', '.join(sorted(positions))}"))
    selection = select(project, entry)
    if not selection.findings:
        problems.append(Problem(shown, data.lines.get("select"), f"topic '{t.id}': the selector selects no findings",
                                "widen select.topics, or check the tags on the findings"))
        return problems
    chosen = set(selection.ids)
    for field in ("bottom_line", "key_judgments"):
        items = data.get(field) or []
        for i, sentence in enumerate(getattr(t, field)):
            for j, fid in enumerate(sentence.cites):
                line = items[i]["cites"].lines[j] if i < len(items) and "cites" in items[i] else data.lines.get(field)
                if fid not in project.findings:
                    problems.append(Problem(shown, line, f"{field}[{i + 1}] cites unknown finding '{fid}'",
                                            _closest_finding(project, fid)))
                elif fid not in chosen:
                    why = grade_reason(project, t.select, project.findings[fid])
                    if why:
                        problems.append(Problem(shown, line, f"{field}[{i + 1}] cites '{fid}', which the topic's grade threshold leaves out ({why})",
                                                "cite a finding that meets the threshold, or relax min_reliability/max_credibility"))
                    else:
                        problems.append(Problem(shown, line, f"{field}[{i + 1}] cites '{fid}', which this topic does not select",
                                                "cite a selected finding, or add it with select.include"))
            quotes = " ".join(project.findings[f].finding.quote for f in sentence.cites if f in project.findings)
            for lang in ("en", "zh"):
                miss = missing_numbers(getattr(sentence, lang), quotes)
                if miss:
                    line = items[i].lines.get(lang) if i < len(items) else data.lines.get(field)
                    problems.append(Problem(shown, line, f"{field}[{i + 1}].{lang}: number(s) {', '.join(miss)} appear in no cited finding's quote",
                                            "cite the finding whose quote gives the number, or drop the number"))
    if t.charts:
        from brief import charts

        problems.extend(charts.check(project, entry, chosen))
    for i, sentence in enumerate(t.key_judgments):
        items = data.get("key_judgments") or []
        for lang in ("en", "zh"):
            for msg in judgment_problems(getattr(sentence, lang), lang):
                line = items[i].lines.get(lang) if i < len(items) else data.lines.get("key_judgments")
                problems.append(Problem(shown, line, f"key_judgments[{i + 1}].{lang} {msg}",
                                        "ICD 203: say how likely, and give confidence in a separate sentence"))
    if t.csl:
        from brief.cite import load_style
        from brief.errors import InputError

        try:
            load_style(project.root, t.csl, "en-US")
        except InputError as e:
            problems.extend(Problem(shown, data.lines.get("csl"), p.message + f" ({t.csl})", p.hint) for p in e.problems)
    for i, fid in enumerate(t.key_findings or []):
        if fid not in chosen:
            line = data["key_findings"].lines[i]
            if fid not in project.findings:
                problems.append(Problem(shown, line, f"key_findings: unknown finding '{fid}'", _closest_finding(project, fid)))
            elif grade_reason(project, t.select, project.findings[fid]):
                problems.append(Problem(shown, line, f"key_findings: '{fid}' is left out by the topic's grade threshold "
                                        f"({grade_reason(project, t.select, project.findings[fid])})",
                                        "choose a finding that meets the threshold"))
            else:
                problems.append(Problem(shown, line, f"key_findings: '{fid}' is not selected by this topic",
                                        "choose a selected finding, or add it with select.include"))
    return problems


def _closest_finding(project: Project, fid: str) -> str:
    close = difflib.get_close_matches(fid, list(project.findings), n=1)
    return f"did you mean '{close[0]}'?" if close else "see `brief findings`"
