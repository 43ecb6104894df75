"""The fill pass: number the citations, then fill every placeholder of the parsed template
(`references`, `source-notes`, `toc`, `chart <id>`) wherever it sits: in a div, a list item or a
block quote. A placeholder that cannot be filled is an error at its template line.
"""

from __future__ import annotations

import re
from pathlib import Path

from brief import charts, cite
from brief import model as m
from brief.errors import Problem, TemplateError
from brief.i18n import Strings


def fill(blocks: tuple[m.Block, ...], project, topic, lang: str, t: Strings, template: str,
         csl: str | None = None, format_references: bool = True) -> tuple[m.Block, ...]:
    """Blocks with citations numbered and every placeholder filled. Without `format_references`
    (brief check), reference entries are checked rather than formatted."""
    blocks, numbers = cite.number(blocks, project, template)
    refs = cite.Fillers(project, numbers, lang, t, csl or topic.csl, formatted=format_references)
    fillers = {
        "references": refs.references,
        "source-notes": refs.source_notes,
        "toc": lambda p: m.Toc(p.params),
        "chart": charts.filler(project, topic, lang, t),
    }
    problems: list[Problem] = []

    def one(b: m.Block):
        if not isinstance(b, m.Placeholder):
            return None
        try:
            return fillers[b.kind](b)
        except m.Unfillable as e:
            message, hint = e.args
            problems.append(Problem(f"templates/{template}.md.j2", fence_line(project.root, template, b.kind, b.params),
                                    message, hint))
            return ()

    filled = m.map_blocks(blocks, one)
    if problems:
        raise TemplateError(problems)
    return filled


def fence_line(root: Path, template: str, kind: str, params: str = "") -> int | None:
    """The line of the template (or of a partial it includes) where a `::: kind` fence stands."""
    pattern = re.compile(rf"^\s*:{{3,}}\s*{re.escape(kind)}(\s|$)")
    path = root / "templates" / f"{template}.md.j2"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    hits = [n for n, line in enumerate(lines, 1) if pattern.match(line)]
    if params:
        exact = [n for n in hits if params in lines[n - 1]]
        hits = exact or hits
    return hits[0] if hits else None
