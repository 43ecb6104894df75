"""Load and verify a project: sources, findings, stances and topics.

`load_project(root)` reads every file, validates it against its schema and checks the corpus:
pinned hashes, quotes at their locators, numbers in claims, ids and references between files.
It collects every problem instead of stopping at the first; `Project.raise_if_problems()` turns
them into one InputError.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from brief.corpus import yamlio
from brief.corpus.index import FolderResult, Store, kept
from brief.corpus.schema import Finding, FindingsFile, ProjectConfig, Source, StancesFile, Topic
from brief.corpus.standards import judgment_problems
from brief.corpus.validate import validate
from brief.errors import InputError, Problem


@dataclass
class Loc:
    """Where a loaded object came from: a path shown to the user, and its line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class SourceEntry:
    """A source with its body, split into paragraphs (one per line). `id`, `loc`, `grade` and
    `findings` are always at hand; the validated `source` and its `paragraphs` may come from the
    corpus index only when first asked for (`generate` reads only the sources it cites)."""

    __slots__ = ("id", "loc", "grade", "findings", "_source", "_paragraphs", "_payload")

    def __init__(self, source: Source, loc: Loc, paragraphs: list[str], findings: list[str] | None = None):
        self.id, self.loc = source.id, loc
        self.grade = source.reliability.grade if source.reliability is not None else None
        self.findings = findings if findings is not None else []
        self._source, self._paragraphs, self._payload = source, paragraphs, None

    @classmethod
    def lazy(cls, sid: str, loc: Loc, grade: str | None, findings: list[str], payload: Any) -> "SourceEntry":
        e = cls.__new__(cls)
        e.id, e.loc, e.grade, e.findings = sid, loc, grade, findings
        e._source = e._paragraphs = None
        e._payload = payload
        return e

    @property
    def source(self) -> Source:
        if self._source is None:
            self._payload.load()
        return self._source

    @property
    def paragraphs(self) -> list[str]:
        if self._paragraphs is None:
            self._payload.load()
        return self._paragraphs

    def __repr__(self) -> str:
        return f"SourceEntry({self.id!r}, {self.loc})"


class FindingEntry:
    """A finding with its location in its findings file. What the selector and the cross-file
    checks read (`id`, `topics`, `kind`, `stance`, `contradicts`, `credibility`, `position`) is
    always at hand; the validated `finding` may come from the corpus index when first asked for."""

    __slots__ = ("id", "source_id", "loc", "index", "topics", "kind", "stance", "contradicts", "credibility",
                 "position", "_finding", "_payload")

    def __init__(self, finding: Finding, source_id: str, loc: Loc, index: int):
        self.source_id, self.loc, self.index = source_id, loc, index
        self._set_meta(finding.id, finding.topics, finding.kind, finding.stance, finding.contradicts,
                       finding.credibility, (finding.locator.para, finding.locator.start))
        self._finding, self._payload = finding, None

    def _set_meta(self, fid, topics, kind, stance, contradicts, credibility, position) -> None:
        self.id, self.topics, self.kind, self.stance = fid, tuple(topics), kind, stance
        self.contradicts, self.credibility, self.position = tuple(contradicts), credibility, tuple(position)

    def meta(self) -> tuple:
        return (self.id, self.topics, self.kind, self.stance, self.contradicts, self.credibility, self.position)

    @classmethod
    def lazy(cls, meta: tuple, source_id: str, loc: Loc, payload: Any) -> "FindingEntry":
        e = cls.__new__(cls)
        e.source_id, e.loc, e.index = source_id, loc, 0
        e._set_meta(*meta)
        e._finding, e._payload = None, payload
        return e

    @property
    def finding(self) -> Finding:
        if self._finding is None:
            self._payload.load()
        return self._finding

    def __repr__(self) -> str:
        return f"FindingEntry({self.id!r}, {self.loc})"


@dataclass
class TopicEntry:
    """A topic file, validated."""

    topic: Topic
    loc: Loc
    data: Any  # the raw loaded mapping, for line look-ups


@dataclass
class Project:
    """Everything under a project root, loaded and cross-checked."""

    root: Path
    sources: dict[str, SourceEntry] = field(default_factory=dict)
    findings: dict[str, FindingEntry] = field(default_factory=dict)
    stances: StancesFile | None = None
    topics: dict[str, TopicEntry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    config: ProjectConfig | None = None  # brief.yaml, if present
    broken_topics: bool = False  # a topic file failed to load
    broken_sources: set = field(default_factory=set)  # folders whose source.yaml failed to load
    broken_findings: set = field(default_factory=set)  # folders whose findings.yaml failed to load
    _warnings: list[Problem] | None = field(default=None, repr=False)  # made when first asked for
    follow_on: int = 0  # problems not reported because they only follow from a file that did not load
    numbers: "NumberMemo | None" = field(default=None, repr=False, compare=False)  # the number check, remembered
    index: "Store | None" = field(default=None, repr=False, compare=False)  # the incremental index used
    digests: dict = field(default_factory=dict, repr=False, compare=False)  # folder -> hash of its validated
    # content (source, body, findings): what a composition reads of it, whatever its comments or layout
    file_hashes: dict = field(default_factory=dict, repr=False, compare=False)  # project-relative path -> SHA-256
    # of the files loading read (checked this run: unchanged since hashed, or hashed again)
    file_deps: dict = field(default_factory=dict, repr=False, compare=False)  # topic id (or "" for brief.yaml
    # and stances.yaml) -> the files' stat and hash, taken before they were read (for cache keys)

    def missing_numbers(self, claim: str, quote: str) -> list[str]:
        """numbers.missing_numbers, answered from the project's memo where it was asked before."""
        if self.numbers is None:
            self.numbers = NumberMemo(None)
        return self.numbers.missing(claim, quote)


    @property
    def warnings(self) -> list[Problem]:
        """What `brief check --strict` counts as problems (topic tags no topic selects yet), made
        when first asked for: a build does not need them."""
        if self._warnings is None:
            self._warnings = []
            _check_topic_tags(self)
        return self._warnings

    @property
    def incomplete(self) -> bool:
        """A source or findings file did not load: 'unknown finding' elsewhere would be a
        follow-on error of that one, so it is not reported."""
        return bool(self.broken_sources or self.broken_findings)

    def shown(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)

    def raise_if_problems(self) -> None:
        if self.problems:
            raise InputError(list(self.problems))

    def position_label(self, stance: str) -> Any:
        """The label of a stance position, and its axis id; (None, None) for a stance that
        seeds/stances.yaml does not define (reported once, at the finding, when loading)."""
        assert self.stances is not None
        for axis_id, axis in self.stances.axes.items():
            if stance in axis.positions:
                return axis_id, axis.positions[stance]
        return None, None


class NumberMemo:
    """The number check's answers, kept in `.brief-cache/numbers.json` (safe to delete) and keyed
    by the exact texts and by the number code itself, so a run pays only for texts it has not
    seen, and a change to either gives a fresh answer: the memo never accepts what the check would
    reject. Reading Chinese numerals imports cn2an, which costs more than the rest of a check."""

    def __init__(self, path: Path | None):
        import json

        self.path, self.data, self.added = path, {}, False
        if path is not None:
            try:
                self.data = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(self.data, dict) or self.data.get("version") != _version():
                    self.data = {}
            except (OSError, ValueError):
                self.data = {}
        self.data["version"] = _version()

    def missing(self, claim: str, quote: str) -> list[str]:
        return list(self._ask(f"{claim}\0{quote}", list, lambda: _numbers().missing_numbers(claim, quote)))

    def value_in(self, value: float, quote: str) -> bool:
        return self._ask(f"{value!r}\0{quote}", bool, lambda: _numbers().value_in(value, quote))

    def _ask(self, text: str, kind: type, compute):
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        got = self.data.get(key)
        if not isinstance(got, kind):
            got = compute()
            self.data[key] = got
            self.added = True
        return got

    def save(self) -> None:
        if self.path is None or not self.added:
            return
        import json

        try:
            from brief.outputs import write_atomic

            write_atomic(self.path, json.dumps(self.data, ensure_ascii=False).encode("utf-8"))
        except Exception:  # noqa: BLE001 - a memo that cannot be written is only slower
            pass


_VERSION: list[str] = []


def _version() -> str:
    """The number code's own hash: a memo made by other code is not used."""
    if not _VERSION:
        _VERSION.append(hashlib.sha256((Path(__file__).parent / "numbers.py").read_bytes()).hexdigest()[:16])
    return _VERSION[0]


def _numbers():
    """The number checker (imported when a claim is first checked: a run whose answers are all
    in the memo, or whose folders all come from the index, needs none)."""
    from brief.corpus import numbers

    return numbers


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _guard(project: Project, fn, *args):
    """Run one loading step; an InputError adds its problems and the step yields None."""
    try:
        return fn(*args)
    except InputError as e:
        project.problems.extend(e.problems)
        return None


def load_project(root: Path) -> Project:
    """Load and check the corpus and topics at `root`. Problems are collected on the result.
    Loading never renders a template: that is the checking stage's job (brief.check)."""
    root = root.resolve()
    project = Project(root=root)
    project.numbers = NumberMemo(root / ".brief-cache" / "numbers.json")
    index = Store(root, "folders")
    if index.enabled:
        project.file_deps[""] = index.snapshot([root / "brief.yaml", root / "seeds" / "stances.yaml"])
    seeds = root / "seeds"
    briefs = root / "briefs"
    if not seeds.is_dir() or not briefs.is_dir():
        raise InputError(Problem(str(root), None, "not a brief project (no seeds/ and briefs/ here)",
                                 "run inside a project, or name one with --project DIR"))
    config_path = root / "brief.yaml"
    if config_path.exists():
        project.config = _guard(project, _validated_file, project, config_path, ProjectConfig, "project config")
    stances_path = seeds / "stances.yaml"
    if stances_path.exists():
        project.stances = _guard(project, _validated_file, project, stances_path, StancesFile, "stances")
    if project.stances is None:
        project.stances = StancesFile(axes={})
    folders = sorted(p for p in seeds.iterdir() if p.is_dir() and ((p / "source.yaml").exists()
                                                                   or (p / "findings.yaml").exists()))
    cached = {f.name: _cached_result(project, index, f) for f in folders}
    fresh = _load_fresh(project, index, [f for f in folders if cached[f.name] is None])
    for folder in folders:
        _merge(project, cached[folder.name] or fresh[folder.name])
    project.index = index
    for path in sorted(briefs.glob("*.yaml")):
        if path.name.startswith("stakeholders"):
            continue
        before = len(project.problems)
        deps = index.snapshot([path]) if index.enabled else None
        _guard(project, _load_topic, project, path)
        if deps is not None and path.stem in project.topics:
            project.file_deps[path.stem] = deps
        if len(project.problems) > before:
            project.broken_topics = True
    _check_contradictions(project)
    project.numbers.save()
    return project


def _cached_result(project: Project, index: Store, folder: Path) -> FolderResult | None:
    """One folder's source and findings from the index, if none of its files changed (the
    validated source and findings then load only when first asked for); else None."""
    got = index.get(folder.name, "")
    if got is None:
        return None
    deps, ((name, src, findings, problems, broken_source, broken_findings, content), sha) = got
    project.digests[folder.name] = content
    project.file_hashes.update((rel, h) for rel, (_, h) in deps.items() if h is not None)
    payload = _Payload(project.root, index, folder, sha)
    entry = SourceEntry.lazy(src[0], Loc(*src[1]), src[2], list(src[3]), payload) if src is not None else None
    entries = [FindingEntry.lazy(meta, sid, Loc(*loc), payload) for meta, sid, loc in findings]
    payload.entries = (entry, entries)
    return FolderResult(name, entry, entries, problems, broken_source, broken_findings)


# From this many folders to read afresh on (a first run, a deleted cache, new code), they are read
# by one process per core; fewer are read here. BRIEF_PARALLEL_LOAD sets the number (tests use 1).
PARALLEL_FROM = 64


def _load_fresh(project: Project, index: Store, folders: list[Path]) -> dict[str, FolderResult]:
    """Read and check folders from their files, keeping each result in the index."""
    import os

    try:
        start = int(os.environ.get("BRIEF_PARALLEL_LOAD", PARALLEL_FROM))
    except ValueError:
        start = PARALLEL_FROM
    workers = min(os.cpu_count() or 1, 8, len(folders))
    if workers < 2 or len(folders) < max(start, 2) or not hasattr(os, "fork"):
        done = [_read_and_keep(project, index, f) for f in folders]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        global _SHARED
        _SHARED = (project, index)  # (a forked worker finds them here, without pickling the project)
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
                done = list(pool.map(_read_and_keep_shared, folders, chunksize=max(1, len(folders) // (workers * 4))))
        finally:
            _SHARED = None
    out = {}
    for folder, (result, deps, sha) in zip(folders, done):
        project.file_hashes.update((rel, h) for rel, (_, h) in deps.items() if h is not None)
        if sha is not None:
            project.digests[folder.name] = sha
        out[folder.name] = result
    return out


_SHARED: tuple | None = None


def _read_and_keep_shared(folder: Path):
    return _read_and_keep(*_SHARED, folder)


def _read_and_keep(project: Project, index: Store, folder: Path) -> tuple[FolderResult, dict, str | None]:
    """(result, the files it was read from, its content digest if the index kept it)."""
    result, deps, pinned = _load_folder(project, index, folder)
    kept = None
    if pinned and index.enabled:
        e = result.source
        summary = (result.folder,
                   (e.id, (e.loc.path, e.loc.line), e.grade, list(e.findings)) if e is not None else None,
                   [(fe.meta(), fe.source_id, (fe.loc.path, fe.loc.line)) for fe in result.findings],
                   result.problems, result.broken_source, result.broken_findings, _content_digest(result))
        payload = ((e.source, e.paragraphs) if e is not None else None, [fe.finding for fe in result.findings])
        if index.put(folder.name, "", deps, summary, payload) is not None:
            kept = summary[-1]
    return result, deps, kept


def _content_digest(result: FolderResult) -> str:
    """A hash of a folder's validated content (source, body, findings), the same in every process
    for the same content: comments, layout and line numbers do not enter it."""
    import json

    e = result.source
    data = [e.source.model_dump(mode="json", warnings=False) if e is not None else None, e.paragraphs if e is not None else None,
            [fe.finding.model_dump(mode="json", warnings=False) for fe in result.findings]]
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _load_folder(project: Project, index: Store, folder: Path) -> tuple[FolderResult, dict, bool]:
    """Read and check one folder from its files: (result, the files it read, whether the saved
    files it was checked against are the pinned ones, so that the result may be kept)."""
    seeds = project.root / "seeds"
    deps = index.snapshot([folder / "source.yaml", folder / "body.txt", folder / "findings.yaml", seeds / "stances.yaml"])
    scratch = Project(root=project.root, stances=project.stances, numbers=project.numbers)
    if (folder / "source.yaml").exists():
        _guard(scratch, _load_source, scratch, folder)
    if (folder / "findings.yaml").exists():
        try:
            _load_findings(scratch, folder)
        except InputError as e:
            scratch.problems.extend(e.problems)
            scratch.broken_findings.add(folder.name)
    entry = scratch.sources.get(folder.name)
    result = FolderResult(folder.name, entry, list(scratch.findings.values()), scratch.problems,
                          folder.name in scratch.broken_sources, folder.name in scratch.broken_findings)
    pinned = True
    if entry is not None:  # the saved files it was checked against: kept only if they are what was pinned
        src = entry.source
        files = [(seeds / src.original, src.original_sha256)]
        if src.capture is not None:
            files.append((seeds / src.capture.file, src.capture.sha256))
        try:
            more = index.snapshot([p for p, _ in files])
        except ValueError:  # a path outside the project: never cached
            more, pinned = {}, False
        pinned = pinned and all(more.get(p.relative_to(project.root).as_posix(), (None, None))[1] == sha for p, sha in files)
        deps.update(more)
    return result, deps, pinned


class _Payload:
    """The validated source and findings of one folder, read from the index when first asked for.
    Should the index file have gone (or changed) since its summary was read, the folder is read
    from its files again; if they changed too, the run stops rather than mix two versions."""

    def __init__(self, root: Path, index: Store, folder: Path, sha: str):
        self.root, self.index, self.folder, self.sha = root, index, folder, sha
        self.entries: tuple = (None, [])

    def load(self) -> None:
        entry, entries = self.entries
        got = self.index.read_payload(self.folder.name, self.sha)
        if got is None:
            fresh = Project(root=self.root, stances=StancesFile(axes={}), numbers=NumberMemo(None))
            result, _, _ = _load_folder(fresh, Store(self.root, "folders", enabled=False), self.folder)
            if [fe.meta() for fe in result.findings] != [fe.meta() for fe in entries] or \
                    (result.source is None) != (entry is None):
                raise InputError(Problem(f"seeds/{self.folder.name}/", None, "the folder changed while brief was reading it",
                                         "run the command again"))
            e = result.source
            got = ((e.source, e.paragraphs) if e is not None else None, [fe.finding for fe in result.findings])
        src, findings = got
        if entry is not None and src is not None:
            entry._source, entry._paragraphs = src
        for fe, f in zip(entries, findings):
            fe._finding = f


def _merge(project: Project, result: FolderResult) -> None:
    """Add one folder's result to the project; a finding id that an earlier folder has already
    used is reported here, where both are known."""
    project.problems.extend(result.problems)
    entry = result.source
    if result.broken_source:
        project.broken_sources.add(result.folder)
    if result.broken_findings:
        project.broken_findings.add(result.folder)
    if entry is not None:
        project.sources[entry.id] = entry
    for fe in result.findings:
        fid = fe.id
        if fid in project.findings:
            other = project.findings[fid].loc
            project.problems.append(Problem(fe.loc.path, fe.loc.line, f"duplicate finding id '{fid}' (first at {other})",
                                            "give each finding its own id"))
            if entry is not None and fid in entry.findings:
                entry.findings.remove(fid)
            continue
        fe.index = len(project.findings)
        project.findings[fid] = fe


def _load_source(project: Project, folder: Path) -> None:
    path = folder / "source.yaml"
    shown = project.shown(path)
    data = yamlio.load(path, shown)
    problems: list[Problem] = []
    try:
        src: Source = validate(Source, data, shown, "source")
    except InputError as e:
        # Report the schema problems. If the source is sound without its unknown fields, keep it,
        # so that its findings and the topics citing them are still checked instead of being
        # reported as pointing at a missing source.
        problems.extend(e.problems)
        try:
            if not isinstance(data, dict):
                raise ValidationError.from_exception_data("Source", [])
            src = Source.model_validate({k: v for k, v in data.items() if k in Source.model_fields})
        except ValidationError:
            project.broken_sources.add(folder.name)
            raise InputError(problems) from None
    loc = Loc(shown, 1)
    for key, what, hint in (
            ("title", "to fill in: the title", "the title as the text gives it, or a bracketed description with "
                                               "title_supplied: true"),
            ("title_en", "to fill in: the English title", "the analyst's translation of the title"),
            ("source_type", "to fill in: the kind of source",
             "one of news-site, blog, magazine, wechat-account, essay, report, other"),
            ("reliability", f"source '{src.id}' is not yet graded",
             "set reliability: {grade: A-F, rationale: {en: …, zh: …}} (README: Analytic standards)")):
        if getattr(src, key) is None:
            problems.append(Problem(shown, data.lines.get(key), f"{key}: {what}", hint))
    if src.capture is not None:
        saved = project.root / "seeds" / src.capture.file
        if not saved.is_file():
            problems.append(Problem(shown, data.lines.get("capture"), f"capture file '{src.capture.file}' not found",
                                    "keep the saved page or report under seeds/originals/, as ingest wrote it"))
        elif _sha256(saved) != src.capture.sha256:
            problems.append(Problem(shown, data.lines.get("capture"), f"capture file '{src.capture.file}' has changed: "
                                    f"its SHA-256 is {_sha256(saved)}", "saved files are never edited; restore it"))
    if src.id != folder.name:
        problems.append(Problem(shown, data.lines.get("id"), f"id '{src.id}' differs from its folder name '{folder.name}'",
                                "rename the folder or the id so they match"))
    if src.id in project.sources:
        problems.append(Problem(shown, data.lines.get("id"), f"duplicate source id '{src.id}'", "give each source its own id"))
    original = (project.root / "seeds" / src.original)
    if not original.is_file():
        problems.append(Problem(shown, data.lines.get("original"), f"original file '{src.original}' not found",
                                "keep the unchanged original under seeds/originals/ and give its path relative to seeds/"))
    elif _sha256(original) != src.original_sha256:
        problems.append(Problem(shown, data.lines.get("original_sha256"),
                                f"original '{src.original}' has changed: its SHA-256 is {_sha256(original)}",
                                "originals are never edited; restore the file"))
    body_path = folder / "body.txt"
    paragraphs: list[str] = []
    if not body_path.is_file():
        problems.append(Problem(shown, None, "no body.txt beside source.yaml", "add the cleaned article text as body.txt"))
    else:
        actual = _sha256(body_path)
        if actual != src.body_sha256:
            problems.append(Problem(project.shown(body_path), None,
                                    f"body has drifted from its pinned hash (body_sha256 in {shown} is {src.body_sha256[:12]}…, the file is {actual[:12]}…)",
                                    f"restore body.txt, or if the change is intended set body_sha256: {actual}"))
        try:
            text = yamlio.read_text(body_path, project.shown(body_path))
        except InputError as e:
            project.broken_sources.add(folder.name)  # its findings cannot be checked: one report, not many
            raise InputError(problems + e.problems) from None
        paragraphs = text.split("\n")
        if paragraphs and paragraphs[-1] == "":
            paragraphs.pop()
        if original.is_file():
            try:
                problems.extend(_check_deletes_only(project, body_path, original, paragraphs))
            except InputError as e:
                problems.extend(e.problems)
    if problems and any("duplicate" in p.message or "differs" in p.message for p in problems):
        raise InputError(problems)
    project.problems.extend(problems)
    project.sources[src.id] = SourceEntry(src, loc, paragraphs)


def _check_deletes_only(project: Project, body_path: Path, original: Path, paragraphs: list[str]) -> list[Problem]:
    """Cleaning only deletes: body lines are original lines, in the original order."""
    orig_lines = yamlio.read_text(original, project.shown(original)).split("\n")
    i = 0
    for n, line in enumerate(paragraphs, 1):
        while i < len(orig_lines) and orig_lines[i] != line:
            i += 1
        if i == len(orig_lines):
            where = "is not a line of" if line not in orig_lines else "is out of order against"
            return [Problem(project.shown(body_path), n, f"this line {where} the original {project.shown(original)}",
                            "cleaning may only delete whole lines from the original, never edit or reorder them")]
        i += 1
    return []


def _load_findings(project: Project, folder: Path) -> None:
    path = folder / "findings.yaml"
    shown = project.shown(path)
    data = yamlio.load(path, shown)
    ff: FindingsFile = validate(FindingsFile, data, shown, "findings")
    if ff.source != folder.name:
        raise InputError(Problem(shown, data.lines.get("source"),
                                 f"source '{ff.source}' differs from the folder name '{folder.name}'",
                                 "a findings file belongs beside its source's source.yaml"))
    entry = project.sources.get(ff.source)
    if entry is None and folder.name in project.broken_sources:
        return  # its source.yaml is already reported; checking quotes needs a loaded source
    if entry is None:
        raise InputError(Problem(shown, data.lines.get("source"), f"finding file points at missing source '{ff.source}'",
                                 f"add seeds/{ff.source}/source.yaml"))
    raw_items = data["findings"]
    axes_positions = {p for a in project.stances.axes.values() for p in a.positions}
    for i, f in enumerate(ff.findings):
        line = raw_items.lines[i]
        item = raw_items[i]
        loc = Loc(shown, line)
        if f.id in project.findings:
            other = project.findings[f.id].loc
            project.problems.append(Problem(shown, line, f"duplicate finding id '{f.id}' (first at {other})",
                                            "give each finding its own id"))
            continue
        problems: list[Problem] = []
        problems.extend(_check_quote(entry, f, shown, item))
        for lang, text in f.claim.items():
            if f.kind == "judgment":
                for msg in judgment_problems(text, lang):
                    problems.append(Problem(shown, item["claim"].lines.get(lang, line),
                                            f"finding '{f.id}': judgment claim.{lang} {msg}",
                                            "ICD 203: say how likely, and give confidence in a separate sentence"))
            miss = project.missing_numbers(text, f.quote)
            if miss:
                problems.append(Problem(shown, item["claim"].lines.get(lang, line),
                                        f"finding '{f.id}': number(s) {', '.join(miss)} in claim.{lang} do not appear in the quote",
                                        "every number in a claim must be in its quote; fix the claim or quote more text"))
        for j, fig in enumerate(f.figures):
            if not project.numbers.value_in(fig.value, f.quote):
                problems.append(Problem(shown, item["figures"].lines[j],
                                        f"finding '{f.id}': figure value {fig.value:g} does not appear in the quote",
                                        "a figure's value must be written in its quote"))
        if f.stance is not None and f.stance not in axes_positions:
            close = difflib.get_close_matches(f.stance, sorted(axes_positions), n=1)
            problems.append(Problem(shown, item.lines.get("stance", line), f"finding '{f.id}': unknown stance '{f.stance}'",
                                    f"did you mean '{close[0]}'?" if close else "stances are defined in seeds/stances.yaml"))
        if f.via_primary and entry.source.primary_source is None:
            problems.append(Problem(shown, item.lines.get("via_primary", line),
                                    f"finding '{f.id}': via_primary is true, but source '{ff.source}' relays no primary source",
                                    f"set primary_source in seeds/{ff.source}/source.yaml (as the text names it), "
                                    "or remove via_primary"))
        project.problems.extend(problems)
        project.findings[f.id] = FindingEntry(f, ff.source, loc, len(project.findings))
        entry.findings.append(f.id)


def _check_quote(entry: SourceEntry, f: Finding, shown: str, item: Any) -> list[Problem]:
    """The quote stands verbatim in the body, exactly at its locator. A quote that is not there
    is reported with the nearest passage and each difference (never corrected)."""
    line = item.lines.get("quote", item.line)
    paras = entry.paragraphs
    hits = [(n, p.index(f.quote)) for n, p in enumerate(paras, 1) if f.quote in p]
    if not hits:
        from brief.corpus.quotes import explain

        near = explain(paras, f.quote)
        verbatim = "a quote must be copied verbatim from one line of the source's body.txt"
        return [Problem(shown, line, f"finding '{f.id}': quote not found in source '{entry.source.id}'",
                        f"{near}; {verbatim}" if near else verbatim)]
    loc = f.locator
    if loc.para <= len(paras) and paras[loc.para - 1][loc.start:loc.end] == f.quote:
        return []
    n, start = hits[0]
    return [Problem(shown, item.lines.get("locator", line),
                    f"finding '{f.id}': locator para {loc.para} [{loc.start}:{loc.end}] does not match the quote",
                    f"the quote is at para {n}, start {start}, end {start + len(f.quote)} "
                    f"(`brief locate {entry.source.id} QUOTE` prints it)")]


def _validated_file(project: Project, path: Path, model, what: str, with_data: bool = False):
    """A YAML file read and validated against `model` (with the loaded mapping, for line
    look-ups, when `with_data`). What a file gave once is kept in the project's cache while the
    file is unchanged (index.kept), so an unchanged file is neither parsed nor validated again."""
    shown = project.shown(path)

    def make():
        data = yamlio.load(path, shown)
        value = validate(model, data, shown, what)
        return (data, value) if with_data else value

    return kept(project.root, [path], f"{model.__name__}\0{shown}\0{with_data}", make)


def _load_topic(project: Project, path: Path) -> None:
    shown = project.shown(path)
    data, topic = _validated_file(project, path, Topic, "topic", with_data=True)
    if topic.id != path.stem:
        raise InputError(Problem(shown, data.lines.get("id"), f"id '{topic.id}' differs from the file name '{path.name}'",
                                 f"rename the file to {topic.id}.yaml or change the id"))
    project.topics[topic.id] = TopicEntry(topic, Loc(shown, 1), data)


def _check_topic_tags(project: Project) -> None:
    """Tags on findings that no topic selects yet: a warning, since a corpus may be ahead of its
    briefs (`brief check --strict` makes them errors); the hint names a close tag, for a typo."""
    if project.broken_topics:
        return  # a topic file did not load; its tags are unknown, so this check would mislead
    selected = {t for e in project.topics.values() for t in e.topic.select.topics}
    if not selected:
        return
    unselected: dict[str, list[FindingEntry]] = {}
    for fe in project.findings.values():
        for tag in fe.topics:
            if tag not in selected:
                unselected.setdefault(tag, []).append(fe)
    for tag, entries in unselected.items():  # one warning per tag, at its first finding
        first = entries[0]
        close = difflib.get_close_matches(tag, sorted(selected), n=1)
        who = f"finding '{first.id}'" if len(entries) == 1 else f"finding '{first.id}' and {len(entries) - 1} more"
        project._warnings.append(Problem(first.loc.path, first.loc.line,
                                        f"{who}: topic tag '{tag}' is not selected by any topic yet",
                                        (f"did you mean '{close[0]}'? " if close else "")
                                        + f"`brief findings --topic {tag}` lists its findings; a topic in briefs/ "
                                          "that selects it makes them part of a brief"))


def _check_contradictions(project: Project) -> None:
    """`contradicts` links point at real findings, are mutual, and never at the finding itself."""
    for fid, fe in project.findings.items():
        for other in fe.contradicts:
            where = (fe.loc.path, fe.loc.line)
            if other == fid:
                project.problems.append(Problem(*where, f"finding '{fid}' contradicts itself", "remove it from contradicts"))
            elif other not in project.findings:
                if project.incomplete:
                    project.follow_on += 1
                    continue  # the other finding's file did not load: that is the error to fix
                close = difflib.get_close_matches(other, list(project.findings), n=1)
                project.problems.append(Problem(*where, f"finding '{fid}': contradicts unknown finding '{other}'",
                                                f"did you mean '{close[0]}'?" if close else "link an existing finding id"))
            elif fid not in project.findings[other].contradicts:
                o = project.findings[other].loc
                project.problems.append(Problem(*where, f"finding '{fid}' contradicts '{other}', but '{other}' ({o}) does not list '{fid}'",
                                                f"add {fid} to contradicts of {other}: links are mutual"))
