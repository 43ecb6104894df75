"""Command-line interface: each command parses its arguments, calls one library function and
prints. Errors cross into the CLI at one place, `base.run()`. Library modules are imported inside
each command so that `brief --help` stays instant.
"""

from __future__ import annotations

import gc

# A run allocates a few hundred thousand objects that it keeps to the end (modules, models, the
# fonts' tables); at the default threshold (700) the collector walks them hundreds of times for
# nothing, about a tenth of the CPU time of `brief generate`. Garbage in cycles is still
# collected, less often.
gc.set_threshold(100_000, 50, 100)

import json
from pathlib import Path
from typing import Optional

from brief.cli.base import Argument, Option, app, echo, err, in_project, load, root, run


@app.command()
def generate(
    topic: Optional[str] = Option(None, "--topic", "-t", help="Topic id (see `brief topics`)."),
    all_: bool = Option(False, "--all", help="Generate every topic."),
    format: str = Option("docx,pdf", "--format", "-f", help="Comma-separated formats: docx, pdf, html."),
    out: Path = Option(Path("out"), "--out", "-o", help="Output directory."),
    lang: str = Option("en", "--lang", "-l", help="Language of the brief: en or zh."),
    template: Optional[str] = Option(None, "--template", help="Template name (default: the topic's)."),
    csl: Optional[str] = Option(None, "--csl", help="CSL style for references: a file in templates/csl/ or a path."),
    verbose: bool = Option(False, "--verbose", "-v", help="List the findings a grade threshold left out."),
    pdf_engine: Optional[str] = Option(None, "--pdf-engine", help="What writes the PDF: reportlab (default) or "
                                             "typst (tagged PDF/UA-1); default: brief.yaml's pdf_engine."),
):
    """Write DIR/<topic>.<lang>.docx and .pdf for one topic (or --all)."""

    def go():
        from brief.build import FORMATS, generate as build_all, prewarm
        from brief.errors import InputError, Problem

        formats = tuple(f.strip() for f in format.split(",") if f.strip())
        bad = [f for f in formats if f not in FORMATS]
        if bad or not formats:
            raise InputError(Problem(None, None, f"unknown format '{','.join(bad) or format}'",
                                     f"choose from {', '.join(FORMATS)}"))
        if not topic and not all_:
            raise InputError(Problem(None, None, "no topic given", "use --topic ID or --all (see `brief topics`)"))
        from brief.writers import check_engine

        if pdf_engine is not None:
            check_engine(pdf_engine)
        if all_:  # (one brief is written in this process: see build.prewarm)
            prewarm(root(), formats, pdf_engine)
        project = load()
        ids = sorted(project.topics) if all_ else [topic]

        def excluded(tid, items):
            reasons: dict[str, int] = {}
            for x in items:
                reasons[x.reason] = reasons.get(x.reason, 0) + 1
            echo(f"{tid}: left out {len(items)} finding(s) below the topic's grade threshold:")
            for reason, n in reasons.items():
                echo(f"  {n} x {reason}")
            if verbose:
                for x in items:
                    echo(f"  - {x.finding.finding.id} ({x.finding.loc})")

        # Every brief is rendered before any file is written: --all is all or nothing.
        for path in build_all(project, ids, lang=lang, formats=formats, out_dir=in_project(out), template=template,
                              csl=csl, on_excluded=excluded, pdf_engine=pdf_engine):
            echo(f"wrote {path}")

    run(go)


@app.command()
def check(strict: bool = Option(False, "--strict", help="Count warnings (e.g. topic tags no brief selects yet) as problems.")):
    """Validate everything; print one `path:line: message` per problem (exit 1 if any)."""

    def go():
        from brief.build import build_date
        from brief.check import check_project
        from brief.errors import for_terminal

        project = load(strict=False)
        problems = check_project(project, build_date())
        warnings = project.warnings
        if strict:
            problems, warnings = problems + warnings, []
        for p in problems:
            echo(for_terminal(p, prefix=""))
        for w in warnings:
            echo(for_terminal(w, prefix="warning: "))
        if problems:
            err(f"{len(problems)} problem(s)")
            raise SystemExit(1)
        extra = f"; {len(warnings)} warning(s)" if warnings else ""
        echo(f"ok: {len(project.sources)} sources, {len(project.findings)} findings, {len(project.topics)} topics{extra}")

    run(go)


@app.command()
def topics(as_json: bool = Option(False, "--json", help="Print JSON.")):
    """List topics with their titles and counts of findings and sources."""

    def go():
        from brief.select import select

        project = load()
        rows = []
        for tid, entry in sorted(project.topics.items()):
            sel = select(project, entry)
            rows.append({"id": tid, "title": entry.topic.title.en, "title_zh": entry.topic.title.zh,
                         "findings": len(sel.findings), "sources": len(sel.source_ids),
                         "template": entry.topic.template, "tlp": entry.topic.tlp})
        if as_json:
            echo(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for r in rows:
                echo(f"{r['id']:<24} {r['findings']:>3} findings {r['sources']:>2} sources  {r['title']}")

    run(go)


@app.command()
def sources(as_json: bool = Option(False, "--json", help="Print JSON.")):
    """List the sources in the corpus."""

    def go():
        project = load()
        rows = []
        for sid, e in project.sources.items():
            s = e.source
            rows.append({"id": sid, "title": s.title, "title_en": s.title_en, "publisher": s.publisher,
                         "author": "; ".join(str(n) for n in s.author) if s.author else None, "published": s.published, "accessed": s.accessed, "url": s.url,
                         "source_type": s.source_type, "reliability": s.reliability.grade if s.reliability else None,
                         "findings": len(e.findings)})
        if as_json:
            echo(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for r in rows:
                echo(f"{r['id']:<32} {r['reliability'] or '-'} {r['findings']:>3} findings  {r['published'] or 'n.d.':<10}  {r['title_en']}")

    run(go)


@app.command()
def findings(
    topic: Optional[str] = Option(None, "--topic", "-t", help="Only findings this topic selects, in brief order (or, for a tag no topic has yet, the findings tagged with it)."),
    source: Optional[str] = Option(None, "--source", "-s", help="Only findings from this source."),
    as_json: bool = Option(False, "--json", help="Print JSON."),
):
    """List findings, optionally those of one topic (or topic tag) or one source."""

    def go():
        from brief.errors import InputError, Problem
        from brief.select import get_topic, select

        project = load()
        if topic and topic not in project.topics and any(topic in fe.finding.topics for fe in project.findings.values()):
            items = [fe for fe in project.findings.values() if topic in fe.finding.topics]  # a brief not yet written
        elif topic:
            items = list(select(project, get_topic(project, topic)).findings)
        else:
            items = list(project.findings.values())
        if source:
            if source not in project.sources:
                import difflib

                close = difflib.get_close_matches(source, list(project.sources), n=1)
                raise InputError(Problem(None, None, f"unknown source '{source}'",
                                         f"did you mean '{close[0]}'?" if close else "see `brief sources`"))
            items = [f for f in items if f.source_id == source]
        rows = [{"id": fe.finding.id, "source": fe.source_id, "kind": fe.finding.kind, "topics": fe.finding.topics,
                 "stance": fe.finding.stance, "credibility": fe.finding.credibility,
                 "grade": project.sources[fe.source_id].source.reliability.grade + str(fe.finding.credibility),
                 "contradicts": fe.finding.contradicts,
                 "claim": fe.finding.claim.get("en"), "claim_zh": fe.finding.claim.get("zh"),
                 "quote": fe.finding.quote, "locator": fe.finding.locator.model_dump(), "file": str(fe.loc)}
                for fe in items]
        if as_json:
            echo(json.dumps(rows, ensure_ascii=False, indent=2))
        else:
            for r in rows:
                stance = f" [{r['stance']}]" if r["stance"] else ""
                claim = r["claim"] or r["claim_zh"] or ""
                echo(f"{r['id']}  ({r['kind']}{stance}, {r['grade']}, {r['source']} ¶{r['locator']['para']})\n    {claim}")

    run(go)


@app.command()
def locate(
    source: str = Argument(..., help="Source id."),
    quote: str = Argument(..., help="The verbatim quote."),
):
    """Print the locator (para, start, end) of a quote in a source's body, for a new finding."""

    def go():
        from brief.corpus.quotes import explain_miss
        from brief.errors import InputError, Problem

        project = load(strict=False)
        if source not in project.sources:
            import difflib

            close = difflib.get_close_matches(source, list(project.sources), n=1)
            raise InputError(Problem(f"seeds/{source}", None, f"unknown source '{source}'",
                                     f"did you mean '{close[0]}'? (see `brief sources`)" if close else "see `brief sources`"))
        if not quote:
            raise InputError(Problem(None, None, "empty quote", "give the verbatim text to locate"))
        paragraphs = project.sources[source].paragraphs
        hits = [(n, start) for n, p in enumerate(paragraphs, 1) for start in _occurrences(p, quote)]
        if not hits:
            para, near = explain_miss(paragraphs, quote)
            verbatim = "copy it verbatim from one line of body.txt"
            raise InputError(Problem(f"seeds/{source}/body.txt", para, "quote not found in the body",
                                     f"{near}; {verbatim}" if near else verbatim))
        for n, start in hits:
            echo(f"locator: {{para: {n}, start: {start}, end: {start + len(quote)}}}")

    def _occurrences(text: str, needle: str):
        i = text.find(needle)
        while i != -1:
            yield i
            i = text.find(needle, i + 1)

    run(go)


@app.command()
def schema(out: Path = Option(Path("schemas"), "--out", "-o", help="Directory for the JSON Schema files.")):
    """Export the file formats as JSON Schema (for editor validation of YAML)."""

    def go():
        from brief.outputs import write_atomic
        from brief.corpus import schema as s
        from brief.distribute.stakeholders import StakeholderList
        from brief.writers.styles import DocxStyle, HtmlStyle, PdfStyle

        for name, model in (("source", s.Source), ("findings", s.FindingsFile), ("topic", s.Topic), ("stances", s.StancesFile),
                            ("config", s.ProjectConfig), ("stakeholders", StakeholderList),
                            ("pdf-style", PdfStyle), ("docx-style", DocxStyle), ("html-style", HtmlStyle)):
            path = out / f"{name}.schema.json"
            write_atomic(path, (json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2) + "\n").encode())
            echo(f"wrote {path}")

    run(go)


@app.command()
def templates(as_json: bool = Option(False, "--json", help="Print JSON.")):
    """List the templates, each with its description and the sections it uses."""

    def go():
        from brief.compose import describe_templates

        rows = describe_templates(root())
        if as_json:
            echo(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for r in rows:
            echo(f"{r['name']}: {r['description']}")
            echo(f"    sections: {', '.join(r['sections']) or '-'}")
            echo(f"    roles: {', '.join(r['roles']) or '-'}")

    run(go)


@app.command()
def watch(
    topic: str = Option(..., "--topic", "-t", help="Topic id."),
    template: Optional[str] = Option(None, "--template", help="Template name (default: the topic's)."),
    lang: str = Option("en", "--lang", "-l", help="Language of the brief."),
    format: str = Option("docx,pdf", "--format", "-f", help="Comma-separated formats."),
    out: Path = Option(Path("out"), "--out", "-o", help="Output directory."),
    pdf_engine: Optional[str] = Option(None, "--pdf-engine", help="What writes the PDF: reportlab or typst "
                                             "(default: brief.yaml's pdf_engine, else reportlab)."),
):
    """Re-render a brief whenever a template, topic, the corpus or a style changes (Ctrl-C stops)."""

    def go():
        from brief.watch import watch_and_render

        formats = tuple(f.strip() for f in format.split(",") if f.strip())
        try:
            watch_and_render(root(), topic, lang=lang, formats=formats, out_dir=in_project(out), template=template,
                             echo=lambda msg: print(msg, flush=True), pdf_engine=pdf_engine)
        except KeyboardInterrupt:
            pass

    run(go)


@app.command()
def serve(
    topic: str = Option(..., "--topic", "-t", help="Topic id."),
    template: Optional[str] = Option(None, "--template", help="Template name (default: the topic's)."),
    lang: str = Option("en", "--lang", "-l", help="Language of the brief."),
    port: int = Option(8000, "--port", "-p", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port)."),
    out: Optional[Path] = Option(None, "--out", "-o",
                                       help="Where to keep the DOCX and PDF (default: a temporary directory)."),
):
    """Show the HTML brief at http://127.0.0.1:PORT/, rebuilt and reloaded on every save (Ctrl-C stops)."""

    def go():
        from brief.serve import serve as serve_preview

        try:
            serve_preview(root(), topic, lang=lang, template=template, port=port,
                          out_dir=in_project(out) if out else None, echo=lambda msg: print(msg, flush=True))
        except KeyboardInterrupt:
            pass

    run(go)


from brief.cli import distribute as _distribute  # noqa: E402,F401  (adds `brief distribute`)
from brief.cli import ingest as _ingest  # noqa: E402,F401  (adds ingest)
from brief.cli import corpus as _corpus  # noqa: E402,F401  (adds finding and search)


def main() -> None:
    """The `brief` command. Once the command has ended, its output is flushed and the exit
    handlers (atexit) have run, the process ends at once (os._exit, as mypy does): tearing the
    interpreter down object by object (every module, the models, the fonts' tables) would cost
    about a sixth of the CPU time of `brief generate` and saves nothing. While another thread
    is still running, or a profiler or tracer (cProfile, coverage) waits to report at exit, the
    process ends the ordinary way."""
    import atexit
    import os
    import sys
    import threading

    # brief uses no pydantic plugins; looking for them scans the entry points of every installed
    # distribution (a twentieth of the CPU time of a `generate`). PYDANTIC_DISABLE_PLUGINS set
    # by the caller is left as it is.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        code = app()
    except SystemExit as e:
        code = e.code
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # (as the interpreter does with a message)
        print(code, file=sys.stderr)
        status = 1
    if threading.active_count() > 1 or sys.gettrace() is not None or sys.getprofile() is not None:
        sys.exit(status)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`brief search … | head`), a closed stream
            pass
    atexit._run_exitfuncs()
    os._exit(status)


if __name__ == "__main__":
    main()
