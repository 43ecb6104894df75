"""Charts from findings: fill each `::: chart <id>` placeholder with a Chart node whose values
come from the findings' figures (each checked against its quote). No number is typed into code
or templates; the placeholder's paragraph becomes the caption.
"""

from __future__ import annotations

from brief import model as m
from brief.i18n import Strings, pick, unit_words
from brief.select import figures_of


def filler(project, topic, lang: str, t: Strings):
    """The `chart` filler of one topic in one language (`t`: its UI strings)."""
    specs = {c.id: c for c in topic.charts}

    def chart(p: m.Placeholder) -> m.Chart:
        spec = specs.get(p.params)
        if spec is None:
            raise m.Unfillable(f"chart '{p.params}' is not defined by topic '{topic.id}'",
                             f"charts of this topic: {', '.join(specs) or 'none'}")
        figs = figures_of(project, spec)
        caption = next((b.children for b in p.blocks if isinstance(b, m.Para)), ())
        return m.Chart(spec.id, pick(spec.title, lang), unit_words(figs[0][1].unit, figs[0][1].measure, t) if figs else "",
                       tuple(pick(g.entity, lang) for _, g in figs), tuple(g.value for _, g in figs), caption)

    return chart
