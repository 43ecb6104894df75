"""Commands that grow the corpus: `brief finding add` and `brief search`.

Thin wrappers over brief.corpus.edit and brief.corpus.search; library modules are imported inside
the commands so that `brief --help` stays instant. Everything printed from the corpus goes through
the one terminal filter (brief.errors.for_terminal), so no control character of the data reaches
the terminal.
"""

from __future__ import annotations

from typing import List, Optional

from brief.cli.base import App, Argument, Option, app, echo, err, load, root, run

finding_app = App(help="Work on findings: `brief finding add SOURCE QUOTE` appends a finding skeleton.")
app.add_group(finding_app, "finding")


def _clean(text: str) -> str:
    from brief.errors import for_terminal

    return for_terminal(text, prefix="")


@finding_app.command("add")
def finding_add(
    source: str = Argument(..., help="Source id (see `brief sources`)."),
    quote: str = Argument(..., help="The passage to quote, verbatim from one line of the source's body.txt."),
    kind: Optional[str] = Option(None, "--kind", "-k", help="fact, figure, judgment or recommendation (default: left to fill in)."),
    topic: List[str] = Option([], "--topic", "-t", help="A topic tag; repeat for several (default: left to fill in)."),
    finding_id: Optional[str] = Option(None, "--id", help="The finding's id (default: proposed from the source's prefix and the quote)."),
    para: Optional[int] = Option(None, "--para", help="The paragraph to take the quote from, when it occurs in several."),
):
    """Append a finding skeleton to seeds/SOURCE/findings.yaml: id, exact quote, locator, and the
    fields to fill in (`brief check` lists them until they are)."""

    def go():
        from brief.corpus.edit import add_finding

        project = load(strict=False)
        added = add_finding(project, source, quote, kind=kind, topics=tuple(dict.fromkeys(topic)),
                            finding_id=finding_id, para=para)
        verb = "created" if added.created else "added to"
        echo(f"{verb} {added.shown}:{added.line}: finding '{added.id}'")
        echo(f"  locator: {{para: {added.para}, start: {added.start}, end: {added.end}}}")
        echo(f"  to fill in: {', '.join(added.to_fill)} (`brief check` lists them with their lines)")
        if added.also_at:
            others = ", ".join(f"para {n} start {s}" for n, s in added.also_at)
            echo(f"  note: the quote also stands at {others}; use --para N to take another")
        if added.overlaps:
            echo(f"  note: overlaps the passage of {', '.join(added.overlaps)}")
        for tag, close in added.unselected:
            guess = f" (did you mean '{close}'?)" if close else ""
            echo(f"  warning: no topic selects the tag '{tag}' yet{guess}; `brief check` warns until a topic in "
                       f"briefs/ selects it")

    run(go)


@app.command("search")
def search(
    query: List[str] = Argument(..., help="Words to find (all of them), in any language; 1 character or more."),
    source: Optional[str] = Option(None, "--source", "-s", help="Only this source."),
    topic: Optional[str] = Option(None, "--topic", "-t", help="A topic id or tag: findings with its tags, passages of sources that have such findings."),
    as_json: bool = Option(False, "--json", help="Print JSON."),
    limit: int = Option(50, "--limit", "-n", min=1, help="At most this many results."),
):
    """Search the bodies and the findings; print `source:para` with the passage (ready for
    `brief finding add`) and the findings that already quote that paragraph."""

    def go():
        import dataclasses
        import json

        from brief.corpus.search import search as run_search

        result = run_search(root(), " ".join(query), source=source, topic=topic, limit=limit)
        for note in result.notes:
            err(_clean(f"note: {note}"))
        if as_json:
            rows = [dataclasses.asdict(h) for h in result.hits]
            echo(_safe_json(json.dumps(rows, ensure_ascii=False, indent=2)))
        else:
            for h in result.hits:
                if h.kind == "passage":
                    echo(_clean(f"{h.source}:{h.para}  {h.text}"))
                    if h.quoted_by:
                        echo(_clean(f"    quoted by: {', '.join(h.quoted_by)}"))
                else:
                    tags = f" [{', '.join(h.topics)}]" if h.topics else ""
                    echo(_clean(f"finding {h.finding}  ({h.source}:{h.para}){tags}"))
                    echo(_clean(f"    quote: {h.text}"))
                    claim = h.claim.get("en") or h.claim.get("zh")
                    if claim:
                        echo(_clean(f"    claim: {claim}"))
            passages = sum(h.kind == "passage" for h in result.hits)
            echo(f"{passages} passage(s), {len(result.hits) - passages} finding(s)")
        if result.total > len(result.hits):
            err(f"{result.total - len(result.hits)} more result(s) not shown (use --limit N or a longer query)")

    run(go)


def _safe_json(text: str) -> str:
    """JSON text with the characters that must not reach a terminal written as \\u escapes
    (json.dumps leaves C1 controls, bidi overrides and line separators as they are)."""
    import re

    return re.sub(r"[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", lambda m: f"\\u{ord(m.group()):04x}", text)
