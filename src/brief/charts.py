"""Charts from findings: fill each `::: chart <id>` placeholder with a Chart node whose values
come from the findings' figures (each checked against its quote). No number is typed into code
or templates; the placeholder's paragraph becomes the caption.

The value axis is decided here, once for every writer: it starts at 0; a chart of percentages
ends at 100, any other at the first round number at or above its largest value; marks stand
at round steps (1, 2, 2.5 or 5 times a power of ten), about four of them.
"""

from __future__ import annotations

import math

from brief import model as m
from brief.i18n import Strings, format_number, pick, unit_words
from brief.select import figures_of

TARGET_STEPS = 4  # about this many steps from 0 to the axis' end
_NICE = (1, 2, 2.5, 5, 10)


def is_percent(unit) -> bool:
    """A unit of percentages: the code '%', or words such as '% of global compute', 'percent of ...'."""
    u = (unit if isinstance(unit, str) else unit.en).strip().lower()
    return u.startswith("%") or u.startswith("percent") or u.startswith("per cent")


def axis(values: tuple[float, ...], percent: bool) -> tuple[float, tuple[float, ...]]:
    """(axis end, tick values from 0 to it) for bars of `values`."""
    top = max((v for v in values if math.isfinite(v)), default=0.0)
    if percent and top <= 100:
        top = 100.0
    if top <= 0:
        top = 1.0
    raw = top / TARGET_STEPS
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(k * magnitude for k in _NICE if k * magnitude >= raw * (1 - 1e-9))
    count = math.ceil(top / step - 1e-9)
    ticks = tuple(float(round(i * step, 10)) for i in range(count + 1))
    return ticks[-1], ticks


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
        values = tuple(g.value for _, g in figs)
        top, ticks = axis(values, bool(figs) and is_percent(figs[0][1].unit))
        return m.Chart(spec.id, pick(spec.title, lang), unit_words(figs[0][1].unit, figs[0][1].measure, t) if figs else "",
                       tuple(pick(g.entity, lang) for _, g in figs), values, caption,
                       top, ticks, tuple(format_number(t) for t in ticks))

    return chart
