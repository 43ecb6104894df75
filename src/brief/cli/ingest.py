"""The `brief ingest` command: propose a new source from a saved article, write it, and say what
the analyst must fill in.

The work is done by `brief.corpus.ingest` (imported inside the command, with its extractors, so
that `brief --help` stays instant); the files are written all or none (brief.outputs.write_set).
Exit codes: 0 written; 1 bad input (nothing written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from brief.cli.base import Argument, Option, app, root, run
from brief.cli.base import echo as echo_line


@app.command("ingest")
def ingest(
    file: Path = Argument(..., help="The saved article: an HTML page, a text or Markdown capture, or a PDF report."),
    source_id: Optional[str] = Option(None, "--id", help="Id of the new source (default: made from the file name)."),
    url: Optional[str] = Option(None, "--url", help="The article's URL, when the file does not give it."),
    accessed: Optional[str] = Option(None, "--accessed", help="The date you saved it (YYYY-MM-DD), when the file does not say."),
    dry_run: bool = Option(False, "--dry-run", "-n", help="Show what would be written, and write nothing."),
    verbose: bool = Option(False, "--verbose", "-v", help="List every deleted line with its reason."),
):
    """Turn a saved article into a new source: original, extracted text, proposed body.txt and source.yaml."""

    def go():
        from brief.corpus.ingest import KINDS, propose
        from brief.errors import for_terminal

        def echo(msg: str) -> None:  # data from the page never reaches the terminal raw
            echo_line(for_terminal(msg, prefix=""))

        project = root()
        p = propose(project, file, source_id, url=url, accessed=accessed)
        seeds = project / "seeds"
        files = p.files(seeds)
        ex = p.extraction
        shown = _shown(project)
        echo(f"read {file}: {KINDS[p.kind]}, {len(p.original_data):,} bytes, sha256 {p.original_sha256[:12]}…")
        if ex.extractor:
            how = f" ({ex.method})" if ex.method else ""
            echo(f"extracted {len(p.lines)} line(s) with {ex.extractor} {ex.extractor_version}{how}")
        kept = sum(ln.kept for ln in p.lines)
        deleted = [ln for ln in p.lines if not ln.kept]
        reasons: dict[str, int] = {}
        for ln in deleted:
            if ln.reason != "blank line":
                reasons[ln.reason] = reasons.get(ln.reason, 0) + 1
        blank = sum(ln.reason == "blank line" for ln in deleted)
        echo(f"body: {kept} of {len(p.lines)} lines kept; deleted {blank} blank and {len(deleted) - blank} debris line(s)"
                   + (":" if reasons else ""))
        for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1]):
            echo(f"  {count:>4}  {reason}")
        if verbose:
            for ln in deleted:
                if ln.reason != "blank line":
                    echo(f"  - line {ln.n}: {ln.reason}: {_short(ln.text)}")
        echo("found:")
        for name, f in p.meta.items():
            if f is not None:
                echo(f"  {name:<10} {f.value}   <- {f.where}")
        echo("to fill in: " + ", ".join(
            "reliability (not yet graded)" if f == "reliability" else f for f in p.to_fill))
        for hint in p.hints:
            echo(f"note: {hint}")
        if p.original_exists:
            echo(f"unchanged: {shown(seeds / 'originals' / p.original_name)} (the same file is there already)")
        if dry_run:
            for path, _ in files:
                echo(f"would write {shown(path)}")
            echo("dry run: nothing written")
            return
        from brief.outputs import write_set

        write_set([(path, data, 0o644) for path, data in files])
        for path, _ in files:
            echo(f"wrote {shown(path)}")
        original = shown(seeds / "originals" / p.pinned_name)
        echo(f"next: compare {shown(seeds / p.source_id / 'body.txt')} with {original}, delete or restore whole lines; "
                   f"fill in {shown(seeds / p.source_id / 'source.yaml')}; run `brief check` (it gives the new body_sha256)")

    run(go)


def _shown(project: Path):
    def shown(path: Path) -> str:
        try:
            return str(path.resolve().relative_to(project.resolve()))
        except ValueError:
            return str(path)
    return shown


def _short(text: str, limit: int = 70) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
