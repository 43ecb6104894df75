"""Text alternatives, one for every writer: what a screen reader says for a node that is not text.

A chart's alternative text is built from the chart's own data (title, unit, each label and
value, the numbers in the language's format), never typed in; a citation link's description
names the reference it leads to. The words come from the UI strings (`chart_alt`,
`chart_alt_no_unit`, `chart_alt_value`, `chart_alt_sep`, `cite_link`).
"""

from __future__ import annotations

from brief import model as m
from brief.i18n import Strings, clean_text, format_number


def chart_alt(chart: m.Chart, strings: Strings, lang: str | None = None) -> str:
    """The alternative text of a bar chart in the language of `strings`: its title, its unit and
    every bar's label and value, in order, e.g. "AI data centres by owner (AI data centres): US
    companies 87, Chinese companies 39, European companies 6". Values are formatted as the
    language writes numbers (babel, the strings' locale). `lang`, when given, must be the strings'
    language (it is accepted so that callers may pass both)."""
    if lang is not None and lang != strings.lang:
        raise ValueError(f"chart_alt: strings of '{strings.lang}' for a text in '{lang}'")
    title = " ".join(clean_text(chart.title).split())
    unit = " ".join(clean_text(chart.unit).split())
    if not title:  # (a chart with no title: its unit names it)
        title, unit = unit, ""
    values = strings.chart_alt_sep.join(
        strings.chart_alt_value.format(label=" ".join(clean_text(label).split()), value=format_number(v, strings))
        for label, v in zip(chart.labels, chart.values))
    if unit and any(b in unit for b in "(（[［"):  # (a unit with brackets of its own is not bracketed again)
        return strings.chart_alt_no_unit.format(title=title + strings.chart_alt_sep + unit, values=values)
    if unit:
        return strings.chart_alt.format(title=title, unit=unit, values=values)
    return strings.chart_alt_no_unit.format(title=title, values=values)


def cite_link(number: int, strings: Strings) -> str:
    """The description of a citation's link to its reference entry ("Reference 3")."""
    return strings.cite_link.format(number=number)
