"""From a selection to the document's blocks: render -> parse -> fill. The middle of every build,
and of every template check, so that `brief check` composes exactly what `generate` does.
"""

from __future__ import annotations

import datetime


def compose(project, selection, lang: str, template: str, csl: str | None, date: datetime.date,
            format_references: bool = True):
    """Render the template with the selection's views, parse it and fill it: (Markdown, blocks).
    `brief check` passes format_references=False: the references are checked, not formatted."""
    from brief import compose as render_stage
    from brief import fill, i18n, parse, views

    t = i18n.load_strings(project.root, lang)
    context = views.build_context(project, selection, lang, t, date)
    markdown = render_stage.render(project.root, template, context)
    blocks = parse.parse(markdown, template)
    return markdown, fill.fill(blocks, project, selection.topic.topic, lang, t, template, csl, format_references)
