"""The build, as a list of stages, each run once:

    load (corpus.load) -> check (check.preflight, which also selects) -> render (views, compose)
    -> parse -> fill (cite, charts, toc) -> Meta -> write (writers, in parallel) -> files

The build date is decided once (`build_date`, from SOURCE_DATE_EPOCH or today) by the caller and
passed down as a value; writers take it from the document's Meta.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from brief import model as m
from brief.outputs import check_out_dir, write_set

FORMATS = ("docx", "pdf", "html")  # every format a writer exists for
DEFAULT_FORMATS = ("docx", "pdf")  # what a build writes when no format is asked for


def build_date(environ=None) -> datetime.date:
    """The date of a build: the day of SOURCE_DATE_EPOCH (reproducible builds), or today."""
    epoch = (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc).date()
    return datetime.date.today()


@dataclass(frozen=True)
class Composed:
    """One brief, composed and ready for any writer: the rendered Markdown and the document."""

    markdown: str
    document: m.Document


def compose_document(project, topic_id: str, lang: str = "en", template: str | None = None,
                     csl: str | None = None, *, date: datetime.date | None = None, selection=None) -> Composed:
    """Render, parse and fill one topic's template: the format-neutral document. `selection` is
    the topic's selection when the caller has made it already (check.preflight does)."""
    from brief import __version__, i18n
    from brief.select import get_topic, select

    if selection is None:
        selection = select(project, get_topic(project, topic_id))
    date = date or build_date()
    topic = selection.topic.topic
    name = template or topic.template
    corpus = corpus_hash(project.root, getattr(project, "file_hashes", {}))
    kept = _Kept(project, selection, name, lang, csl, date, corpus)
    composed = kept.get()
    if composed is not None:
        return composed
    from brief import document  # (rendering, parsing, citations: only when composing)

    markdown, blocks = document.compose(project, selection, lang, name, csl, date)
    config = project.config
    meta = m.Meta(
        title=i18n.pick(topic.title, lang),
        subtitle=i18n.pick(topic.question, lang),
        lang=lang,
        tlp=topic.tlp,
        topic=topic.id,
        date=date.isoformat(),
        organisation=i18n.pick(config.organisation, lang) if config else "",
        author=i18n.pick(config.author, lang) if config and config.author else "",
        version=topic.version,
        keywords=tuple(topic.select.topics),
        finding_ids=tuple(selection.ids),
        template=name,
        tool_version=__version__,
        corpus_sha256=corpus,
    )
    composed = Composed(markdown, m.Document(meta, blocks))
    kept.put(composed)
    return composed


class _Kept:
    """A composed document kept in the project's signed cache (`.brief-cache/composed/`), one per
    topic, template, language and CSL style, handed back only while everything it was composed
    from is unchanged: every file under templates/ (strings, styles, CSL), brief.yaml and the
    stances, the topic file, the validated content of every seed folder the topic reads, the hash
    of the whole corpus (the provenance), the date, the selection and the code. An unchanged
    brief is then not composed again: no template runs, no citation is formatted."""

    def __init__(self, project, selection, template: str, lang: str, csl: str | None, date: datetime.date,
                 corpus: str):
        import hashlib

        from brief.check import composition_folders
        from brief.corpus.index import Store, digest

        self.store = self.key = None
        entry = selection.topic
        index = getattr(project, "index", None)
        if index is None or not index.enabled or entry.topic.id not in project.file_deps:
            return
        store = Store(project.root, "composed")
        folders = composition_folders(project, entry, selection)
        if not store.enabled or folders is None:
            return
        root = project.root
        templates = store.snapshot(sorted(p for p in (root / "templates").rglob("*") if p.is_file()))
        style = "" if csl is None else _csl_identity(root, csl)
        if style is None:
            return
        h = hashlib.sha256("\0".join((digest(templates), digest(project.file_deps.get("", {})),
                                       digest(project.file_deps[entry.topic.id]), date.isoformat(), template, lang,
                                       entry.topic.id, ",".join(selection.ids), style, corpus)).encode())
        for f in folders:
            h.update(f"\0{f}={project.digests[f]}".encode())
        self.store, self.key, self.deps = store, h.hexdigest(), templates
        self.name = hashlib.sha256(f"{entry.topic.id}\0{template}\0{lang}\0{csl}".encode()).hexdigest()[:32]

    def get(self) -> "Composed | None":
        if self.store is None:
            return None
        hit = self.store.get(self.name, self.key)
        return hit[1] if hit is not None and isinstance(hit[1], Composed) else None

    def put(self, composed: "Composed") -> None:
        if self.store is not None:
            self.store.put(self.name, self.key, self.deps, composed)


def _csl_identity(root: Path, csl: str) -> str | None:
    """A --csl style for the cache key: its name and its file's content; None when it cannot be
    read (the composition reports that)."""
    import hashlib

    from brief.cite import style_path

    try:
        return csl + ":" + hashlib.sha256(style_path(root, csl).read_bytes()).hexdigest()
    except OSError:
        return None


def corpus_hash(root: Path, known: dict[str, str] | None = None) -> str:
    """SHA-256 over the corpus: every file under seeds/, by relative path and content. `known`
    gives the hashes (by project-relative path) of files that loading has already hashed or
    found unchanged in this run, so that they are not read again."""
    import hashlib

    known = known or {}
    seeds = str(root / "seeds")
    files = []
    for top, dirs, names in os.walk(seeds):
        rel = os.path.relpath(top, seeds).replace(os.sep, "/")
        for name in names:
            path = os.path.join(top, name)
            if os.path.isfile(path):
                files.append((name if rel == "." else f"{rel}/{name}", path))
    h = hashlib.sha256()
    for rel, path in sorted(files, key=lambda f: f[0].split("/")):  # (in path order, part by part)
        h.update(rel.encode() + b"\0")
        sha = known.get("seeds/" + rel)
        if sha:
            h.update(bytes.fromhex(sha))
        else:
            with open(path, "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()


def _write_one(fmt: str, document: m.Document, options, pdf_engine: str | None = None) -> bytes:
    from brief.writers import get_writer

    return get_writer(fmt, pdf_engine)(document, options)


def _parallel(formats: tuple[str, ...] = FORMATS) -> bool:
    return len(formats) > 1 and hasattr(os, "fork") and (os.cpu_count() or 1) >= 2


def render_formats(document: m.Document, root: Path, formats: tuple[str, ...],
                   pdf_engine: str = "reportlab") -> list[bytes]:
    """Render one document in several formats, the PDF with `pdf_engine` (reportlab or typst).
    Once `prewarm` has started the writer worker (a run that writes several briefs), the PDF
    (the slowest) is written there while the others are written here; otherwise all of them
    are written here, one after the other."""
    from brief.writers import check_engine, options_for

    engine = check_engine(pdf_engine)
    options = {fmt: options_for(fmt, root, document.meta.lang, engine) for fmt in formats}
    if not _parallel(formats) or _POOL is None:
        return [_write_one(fmt, document, options[fmt], engine) for fmt in formats]
    from concurrent.futures.process import BrokenProcessPool

    remote = "pdf" if "pdf" in formats else formats[0]
    try:
        future = _pool(1).submit(_write_one, remote, document, options[remote], engine)
    except BrokenProcessPool:
        future = None
    local = {fmt: _write_one(fmt, document, options[fmt], engine) for fmt in formats if fmt != remote}
    try:
        data = future.result() if future is not None else None
    except BrokenProcessPool:  # the worker was killed (a signal, the OOM killer): write it here
        data = None
    local[remote] = data if data is not None else _write_one(remote, document, options[remote], engine)
    return [local[fmt] for fmt in formats]


def prewarm(root: Path, formats: tuple[str, ...] = FORMATS, pdf_engine: str | None = "reportlab") -> None:
    """Start the writer worker now, for a run that writes several briefs (generate --all, watch,
    serve): it imports what the PDF engine needs (reportlab and the fonts, or the Typst compiler
    and its style data) while this process still loads the corpus and composes the brief, and
    then writes each brief's PDF while this process writes the other formats. A run that
    writes one brief does not start it: a forked worker costs more CPU time (its copy-on-write
    pages, a second set of imports) than it saves on one brief. `pdf_engine` None: the
    project's (brief.yaml), read here."""
    if _parallel(formats) and "pdf" in formats:
        engine = pdf_engine if pdf_engine is not None else _config_engine(root)  # (loading checks brief.yaml)
        _pool(1).submit(_warm_typst if engine == "typst" else _warm_pdf, root)


def pdf_engine_of(root: Path, pdf_engine: str | None = None, project=None) -> str:
    """The PDF engine of a build: the one asked for, else brief.yaml's `pdf_engine:` (of the
    loaded `project`, or read from `root`), else reportlab; an unknown name is a clear error
    naming the choices."""
    from brief.writers import check_engine

    if pdf_engine is None:
        if project is not None:
            pdf_engine = getattr(getattr(project, "config", None), "pdf_engine", None)
        else:
            pdf_engine = _config_engine(root)
    return check_engine(pdf_engine)


def _config_engine(root: Path) -> str | None:
    """brief.yaml's `pdf_engine:`, read cheaply (before the project loads); None when unset or
    unreadable (loading the project reports a broken brief.yaml)."""
    import re

    try:
        text = (root / "brief.yaml").read_text(encoding="utf-8")
    except OSError:
        return None
    found = re.search(r"^pdf_engine:\s*[\"']?([A-Za-z0-9_-]+)", text, re.M)
    return found.group(1) if found else None


def _warm_typst(root: Path) -> None:
    from brief.errors import BriefError

    try:
        import typst  # noqa: F401  (the import is the point)

        from brief.writers import typst as _writer  # noqa: F401
        from brief.writers.styles import typst_style

        typst_style(root, root / ".brief-cache")
    except BriefError:
        pass  # the real build reports it


def _warm_pdf(root: Path) -> None:
    from brief.errors import BriefError

    try:
        from brief import fonts
        from brief.writers import pdf  # noqa: F401  (the import is the point)
        from brief.writers.styles import pdf_style

        fonts.load(pdf_style(root).fonts, root=root)
    except BriefError:
        pass  # the real build reports it


_POOL = None


def _pool(workers: int):
    """One forked worker pool per process, reused by every brief: a worker keeps what it has
    imported and loaded (python-docx, matplotlib, styles) from one brief to the next."""
    global _POOL
    if _POOL is not None and getattr(_POOL, "_broken", False):  # (its worker was killed: start another)
        _POOL.shutdown(wait=False, cancel_futures=True)
        _POOL = None
    if _POOL is None or _POOL._max_workers < workers:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                    initializer=_die_with_parent)
    return _POOL


def stop_workers() -> None:
    """Stop the writer worker, if one was started, before the process exits. The worker holds
    nothing to save (a writer returns bytes), so it is terminated, then the pool is shut down
    under its own lock: Python 3.11's exit hook for process pools wakes the pool's thread
    without that lock and, when a result arrives just then, prints an ignored 'Bad file
    descriptor' error on the way out."""
    global _POOL
    pool, _POOL = _POOL, None
    if pool is None:
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _die_with_parent() -> None:
    """A worker ends when the process that started it ends, however it ends (Linux). Ctrl-C,
    which a terminal sends to the worker too, is the parent's to handle: the worker ignores it."""
    import ctypes
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def render_brief(project, topic_id: str, *, lang: str = "en", formats: tuple[str, ...] = DEFAULT_FORMATS,
                 out_dir: Path, template: str | None = None, csl: str | None = None,
                 date: datetime.date | None = None, selection=None, pdf_engine: str | None = None
                 ) -> list[tuple[Path, bytes]]:
    """One brief in each format, in memory: (output path, bytes), then its manifest. The PDF is
    written by `pdf_engine` (None: brief.yaml's `pdf_engine:`, else reportlab)."""
    import hashlib
    import json

    engine = pdf_engine_of(project.root, pdf_engine, project)
    built = compose_document(project, topic_id, lang, template, csl, date=date, selection=selection)
    datas = render_formats(built.document, project.root, formats, engine)
    outputs = [(out_dir / f"{topic_id}.{lang}.{fmt}", data) for fmt, data in zip(formats, datas)]
    manifest = {
        "files": {path.name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)} for path, data in outputs},
        "provenance": built.document.meta.provenance(),
        "tlp": built.document.meta.tlp,
    }
    if "pdf" in formats:
        manifest["pdf_engine"] = engine
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    outputs.append((out_dir / f"{topic_id}.{lang}.manifest.json", text.encode()))
    return outputs


def write_outputs(outputs: list[tuple[Path, bytes]]) -> list[Path]:
    """Write rendered files as one set: all of them, or none (the manifests go last)."""
    ordered = sorted(outputs, key=lambda o: o[0].name.endswith(".manifest.json"))
    write_set([(path, data, 0o644) for path, data in ordered])
    return [path for path, _ in outputs]


def generate(project, topic_ids: list[str], *, lang: str = "en", formats: tuple[str, ...] = DEFAULT_FORMATS,
             out_dir: Path, template: str | None = None, csl: str | None = None,
             date: datetime.date | None = None, on_excluded=None, pdf_engine: str | None = None) -> list[Path]:
    """Check, then build every topic in each format, then write: every file is rendered fully
    before any is written, so a failure leaves no partial set of outputs. `on_excluded(topic_id,
    excluded)` hears which findings a grade threshold left out. The PDF engine is `pdf_engine`
    (None: brief.yaml's `pdf_engine:`, else reportlab)."""
    from brief.check import preflight

    engine = pdf_engine_of(project.root, pdf_engine, project)
    date = date or build_date()
    selections = preflight(project, topic_ids, lang=lang, template=template, csl=csl)
    if on_excluded is not None:
        for tid in topic_ids:
            if selections[tid].excluded:
                on_excluded(tid, selections[tid].excluded)
    check_out_dir(out_dir)
    outputs = []
    for tid in topic_ids:
        outputs.extend(render_brief(project, tid, lang=lang, formats=formats, out_dir=out_dir, template=template,
                                    csl=csl, date=date, selection=selections[tid], pdf_engine=engine))
    return write_outputs(outputs)
