"""Charts from findings: a topic's chart specs -> values taken from the findings' figures.

Every value comes from a finding's structured figure (itself checked against its quote); no
number is typed into code or templates. `fill()` turns each `::: chart <id>` fence of the rendered
template into a Chart node, with the fence's paragraph as the caption.
"""

from __future__ import annotations

from brief import model as m
from brief.errors import Problem, TemplateError


def figures_of(project, spec) -> list[tuple[str, object]]:
    """(finding id, figure) pairs a chart plots, in the order the spec lists the findings."""
    out = []
    unit = spec.unit
    for fid in spec.findings:
        fe = project.findings.get(fid)
        if fe is None:
            continue
        for g in fe.finding.figures:
            if unit is None:
                unit = g.unit.en
            if g.unit.en == unit:
                out.append((fid, g))
    return out


def check(project, entry, selected: set[str]) -> list[Problem]:
    """A topic's charts name selected figure findings, and each plots at least one value."""
    problems = []
    data = entry.data
    ids = set()
    for i, spec in enumerate(entry.topic.charts):
        line = data["charts"].lines[i] if "charts" in data else None
        if spec.id in ids:
            problems.append(Problem(entry.loc.path, line, f"charts: duplicate chart id '{spec.id}'", "give each chart its own id"))
        ids.add(spec.id)
        for fid in spec.findings:
            fe = project.findings.get(fid)
            if fe is None:
                problems.append(Problem(entry.loc.path, line, f"chart '{spec.id}': unknown finding '{fid}'", "see `brief findings`"))
            elif fid not in selected:
                problems.append(Problem(entry.loc.path, line, f"chart '{spec.id}': finding '{fid}' is not selected by this topic",
                                        "chart findings of the selection, or add it with select.include"))
            elif not fe.finding.figures:
                problems.append(Problem(entry.loc.path, line, f"chart '{spec.id}': finding '{fid}' has no figures",
                                        "chart findings of kind figure"))
        if not problems and not figures_of(project, spec):
            problems.append(Problem(entry.loc.path, line, f"chart '{spec.id}': no figure has the unit '{spec.unit}'",
                                    "set unit to the English unit of the figures to plot"))
    return problems


def fill(blocks: tuple[m.Block, ...], project, topic, lang: str, template: str) -> tuple[m.Block, ...]:
    """Replace every `::: chart <id>` div with its Chart."""
    specs = {c.id: c for c in topic.charts}

    def pick(text) -> str:
        return getattr(text, lang, None) or text.en

    def chart(b):
        if not (isinstance(b, m.Div) and b.role == "chart"):
            return None
        spec = specs.get(b.params)
        if spec is None:
            raise TemplateError(Problem(f"templates/{template}.md.j2", None,
                                        f"chart '{b.params}' is not defined by topic '{topic.id}'",
                                        f"charts of this topic: {', '.join(specs) or 'none'}"))
        figs = figures_of(project, spec)
        caption = next((p.children for p in b.blocks if isinstance(p, m.Para)), ())
        return m.Chart(spec.id, pick(spec.title), pick(figs[0][1].unit) if figs else "",
                       tuple(pick(g.entity) for _, g in figs), tuple(g.value for _, g in figs), caption)

    return m.replace_blocks(blocks, chart)
