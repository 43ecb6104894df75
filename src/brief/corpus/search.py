"""Full-text search over the bodies and the findings, Chinese included.

The index is an SQLite FTS5 table with the trigram tokenizer, so any run of three or more
characters matches, in any script, without word segmentation. Shorter terms (a two-character
Chinese word such as 算力) fall back to LIKE on the same table. Text is indexed and queried in a
folded form (NFKC, case-folded, one character for one, so offsets stay those of the body): a
query with ',' finds '，', 'AI' finds 'ai' and a full-width '２' finds '2'.

The index lives in `<project>/.brief-cache/search.sqlite`, a cache that is safe to delete. It is
brought up to date before every query: a source whose body.txt or findings.yaml content (SHA-256)
changed is indexed again, a removed source is dropped, so a search never returns stale text. The
files are read directly (not validated): a findings file that does not validate yet, such as one
with a skeleton still to fill in, is still searched.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

CACHE_DIR = ".brief-cache"
DB_NAME = "search.sqlite"
SCHEMA_VERSION = 1
TRIGRAM = 3  # the shortest term FTS5's trigram tokenizer can match

# A sentence ends after one of these (a '.' only when no digit follows, so 19.5 stays whole).
_SENTENCE_END = re.compile(r"[。！？!?；;]+[”’」』）)]*|\.(?!\d)[”’)]*")
SNIPPET_MAX = 300  # characters of a passage shown around a match


@dataclass(frozen=True)
class Hit:
    """One match: a passage of a body, or a finding."""

    kind: str                   # "passage" or "finding"
    source: str
    para: int                   # body line (for a finding: its locator's paragraph, 0 if unknown)
    start: int                  # the shown passage: para[start:end] (for a finding: its locator)
    end: int
    text: str                   # the passage (the sentence(s) around the match), or the finding's quote
    match: tuple[int, int]      # the first match, as offsets in the paragraph (passage) or in the quote (finding)
    paragraph: str = ""         # the whole paragraph (passage hits)
    finding: str | None = None  # the finding id (finding hits)
    quoted_by: list[str] = field(default_factory=list)  # findings quoting this paragraph (passage hits)
    topics: list[str] = field(default_factory=list)     # the finding's topic tags (finding hits)
    claim: dict = field(default_factory=dict)           # the finding's claim by language (finding hits)


@dataclass
class Result:
    hits: list[Hit]
    total: int                     # matches before --limit
    notes: list[str]               # files that could not be indexed, and why


def fold(s: str) -> str:
    """The text as it is indexed and matched: each character NFKC-normalised and case-folded
    when that gives one character (so offsets in the folded text are offsets in `s`)."""
    out = []
    for c in s:
        f = unicodedata.normalize("NFKC", c).casefold()
        out.append(f if len(f) == 1 else c)
    return "".join(out)


def cache_path(root: Path) -> Path:
    return root / CACHE_DIR / DB_NAME


def search(root: Path, query: str, *, source: str | None = None, topic: str | None = None,
           limit: int | None = 50) -> Result:
    """Passages and findings matching every whitespace-separated term of `query`; passages first,
    in corpus order, then findings. `source` limits to one source. `topic` (a topic id from
    briefs/, or a topic tag) limits to findings with one of its tags and to passages of the
    sources that have such findings. Raises InputError for an empty query, an unknown source or
    topic."""
    from brief.errors import InputError, Problem

    terms = [t for t in fold(query).split() if t]
    if not terms:
        raise InputError(Problem(None, None, "empty query", "give one or more words to find"))
    seeds = root / "seeds"
    if not seeds.is_dir():
        raise InputError(Problem(str(root), None, "not a brief project (no seeds/ here)",
                                 "run inside a project, or name one with --project DIR"))
    if source is not None and not (seeds / source / "body.txt").is_file():
        import difflib

        known = sorted(p.name for p in seeds.iterdir() if (p / "body.txt").is_file())
        close = difflib.get_close_matches(source, known, n=1)
        raise InputError(Problem(f"seeds/{source}", None, f"unknown source '{source}'",
                                 f"did you mean '{close[0]}'?" if close else "see `brief sources`"))
    try:
        notes, rows, used = _run(Index(root), terms, source)
    except (OSError, sqlite3.DatabaseError):
        # The cache cannot be written (a read-only project, a locked or damaged file): index in
        # memory for this run.
        notes, rows, used = _run(Index(root, memory=True), terms, source)
    tags = None if topic is None else _topic_tags(root, topic, used)
    hits: list[Hit] = []
    for _, kind, src, para, fid, text, topics, extra, src_topics in rows:
        if tags is not None:
            own = set(json.loads(topics)) if kind == "finding" else set(json.loads(src_topics))
            if not own & tags:
                continue
        hits.append(_hit(kind, src, para, fid, text, json.loads(topics), json.loads(extra), terms))
    total = len(hits)
    if limit is not None:
        hits = hits[:limit]
    return Result(hits, total, notes)


def _topic_tags(root: Path, topic: str, used: set[str]) -> set[str]:
    """The tags a --topic stands for: a topic id's selector tags, or the tag itself."""
    import yaml

    from brief.errors import InputError, Problem

    path = root / "briefs" / f"{topic}.yaml"
    ids = sorted(p.stem for p in (root / "briefs").glob("*.yaml") if not p.name.startswith("stakeholders"))
    if topic in ids:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            tags = data["select"]["topics"]
            return {str(t) for t in tags} | {topic}
        except (OSError, UnicodeDecodeError, yaml.YAMLError, KeyError, TypeError):
            raise InputError(Problem(f"briefs/{topic}.yaml", None, "this topic file does not load",
                                     "run `brief check` and fix it first")) from None
    if topic in used:
        return {topic}
    import difflib

    close = difflib.get_close_matches(topic, sorted(set(ids) | used), n=1)
    raise InputError(Problem(None, None, f"unknown topic '{topic}'",
                             f"did you mean '{close[0]}'?" if close else "see `brief topics`"))


def _run(index: Index, terms: list[str], source: str | None):
    """Bring the index up to date and query it: (notes, rows, every topic tag in use)."""
    try:
        notes = index.refresh()
        return notes, index.query(terms, source), index.tags()
    finally:
        index.close()


def _hit(kind, src, para, fid, text, topics, extra, terms) -> Hit:
    folded = fold(text)
    pos = [(folded.find(t), len(t)) for t in terms]
    pos = [(i, n) for i, n in pos if i >= 0]
    first = min(pos) if pos else (0, 0)
    m = (first[0], first[0] + first[1])
    if kind == "finding":
        loc = extra.get("locator") or {}
        return Hit("finding", src, int(loc.get("para") or 0), int(loc.get("start") or 0), int(loc.get("end") or 0),
                   text, m, finding=fid, topics=topics, claim=extra.get("claim") or {})
    last = max(i + n for i, n in pos) if pos else m[1]
    s, e = sentence_span(text, m[0], last)
    return Hit("passage", src, para, s, e, text[s:e], m, paragraph=text, quoted_by=extra.get("quoted_by", []))


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence(s) of `text` holding [start, end), at most about SNIPPET_MAX characters
    (cut around the match when a sentence is longer)."""
    s = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        s = m.end()
    e = len(text)
    m = _SENTENCE_END.search(text, max(end, s))
    if m:
        e = m.end()
    while s < len(text) and text[s] == " ":
        s += 1
    if e - s > SNIPPET_MAX:
        room = max(0, SNIPPET_MAX - (end - start)) // 2
        s, e = max(s, start - room), min(e, end + room)
    return s, e


class Index:
    """The search index of one project (an SQLite file in the cache directory; in memory when the
    directory cannot be written)."""

    def __init__(self, root: Path, memory: bool = False):
        self.root = root
        self.path = cache_path(root)
        self.db = sqlite3.connect(":memory:") if memory else self._open()
        if memory:
            self._create(self.db)

    def _open(self) -> sqlite3.Connection:
        """The cache file, created or started again when it is missing, of another schema
        version or damaged (it is only a cache)."""
        self.path.parent.mkdir(exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        try:
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                self._create(db)
            db.execute("SELECT count(*) FROM sources").fetchone()
            db.execute("SELECT count(*) FROM docs").fetchone()
            return db
        except sqlite3.DatabaseError:
            db.close()
            self.path.unlink(missing_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        self._create(db)
        return db

    @staticmethod
    def _create(db: sqlite3.Connection) -> None:
        db.executescript("DROP TABLE IF EXISTS sources; DROP TABLE IF EXISTS docs;")
        db.execute("CREATE TABLE sources (source TEXT PRIMARY KEY, hash TEXT NOT NULL, topics TEXT NOT NULL, note TEXT)")
        columns = "folded, kind UNINDEXED, source UNINDEXED, para UNINDEXED, finding UNINDEXED, text UNINDEXED, topics UNINDEXED, extra UNINDEXED"
        try:
            db.execute(f"CREATE VIRTUAL TABLE docs USING fts5({columns}, tokenize='trigram')")
        except sqlite3.OperationalError:
            # An SQLite without FTS5 or its trigram tokenizer (before 3.34): a plain table, LIKE only.
            db.execute("CREATE TABLE docs (folded, kind, source, para, finding, text, topics, extra)")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.commit()

    @property
    def fts(self) -> bool:
        row = self.db.execute("SELECT sql FROM sqlite_master WHERE name = 'docs'").fetchone()
        return bool(row and "fts5" in row[0].lower())

    def close(self) -> None:
        self.db.close()

    def refresh(self) -> list[str]:
        """Index again every source whose files changed; drop removed ones. Returns notes about
        files that could not be read."""
        seeds = self.root / "seeds"
        folders = sorted(p for p in seeds.iterdir() if p.is_dir() and (p / "body.txt").is_file()) if seeds.is_dir() else []
        known = dict(self.db.execute("SELECT source, hash FROM sources").fetchall())
        notes = {s: n for s, n in self.db.execute("SELECT source, note FROM sources WHERE note IS NOT NULL")}
        with self.db:
            for folder in folders:
                sid = folder.name
                body = (folder / "body.txt").read_bytes()
                fpath = folder / "findings.yaml"
                fbytes = fpath.read_bytes() if fpath.is_file() else b""
                digest = hashlib.sha256(hashlib.sha256(body).digest() + hashlib.sha256(fbytes).digest()).hexdigest()
                if known.get(sid) == digest:
                    continue
                note = self._index_source(sid, body, fbytes, folder)
                notes.pop(sid, None)
                if note:
                    notes[sid] = note
            for sid in set(known) - {f.name for f in folders}:
                self.db.execute("DELETE FROM docs WHERE source = ?", (sid,))
                self.db.execute("DELETE FROM sources WHERE source = ?", (sid,))
                notes.pop(sid, None)
        return [notes[s] for s in sorted(notes)]

    def _index_source(self, sid: str, body: bytes, fbytes: bytes, folder: Path) -> str | None:
        db = self.db
        db.execute("DELETE FROM docs WHERE source = ?", (sid,))
        note = None
        findings: list[dict] = []
        if fbytes:
            findings, note = _read_findings(fbytes, f"seeds/{sid}/findings.yaml")
        try:
            paragraphs = body.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            paragraphs = []
            note = f"seeds/{sid}/body.txt is not UTF-8: its text is not searched (run `brief check`)"
        if paragraphs and paragraphs[-1] == "":
            paragraphs.pop()
        by_para: dict[int, list[str]] = {}
        tags: set[str] = set()
        rows = []
        for f in findings:
            para = f["locator"].get("para") if isinstance(f["locator"].get("para"), int) else 0
            by_para.setdefault(para, []).append(f["id"])
            tags.update(f["topics"])
            claim_text = "\n".join(str(v) for v in f["claim"].values())
            rows.append((fold(f"{f['quote']}\n{claim_text}\n{f['id']}"), "finding", sid, para, f["id"], f["quote"],
                         json.dumps(f["topics"]), json.dumps({"claim": f["claim"], "locator": f["locator"]}, ensure_ascii=False)))
        for n, p in enumerate(paragraphs, 1):
            rows.append((fold(p), "passage", sid, n, None, p, "[]", json.dumps({"quoted_by": by_para.get(n, [])})))
        db.executemany("INSERT INTO docs (folded, kind, source, para, finding, text, topics, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        digest = hashlib.sha256(hashlib.sha256(body).digest() + hashlib.sha256(fbytes).digest()).hexdigest()
        db.execute("INSERT OR REPLACE INTO sources (source, hash, topics, note) VALUES (?, ?, ?, ?)",
                   (sid, digest, json.dumps(sorted(tags)), note))
        return note

    def tags(self) -> set[str]:
        """Every topic tag the indexed findings carry."""
        return {t for (row,) in self.db.execute("SELECT topics FROM sources") for t in json.loads(row)}

    def query(self, terms: list[str], source: str | None) -> list[tuple]:
        """Rows matching every term: (folded, kind, source, para, finding, text, topics, extra,
        source topics)."""
        where, args = [], []
        long_terms = [t for t in terms if len(t) >= TRIGRAM]
        if long_terms and self.fts:
            where.append("docs MATCH ?")
            args.append(" AND ".join('"' + t.replace('"', '""') + '"' for t in long_terms))
            short = [t for t in terms if len(t) < TRIGRAM]
        else:
            short = terms
        for t in short:
            where.append("folded LIKE ? ESCAPE '\\'")
            args.append("%" + t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        if source is not None:
            where.append("docs.source = ?")
            args.append(source)
        sql = ("SELECT folded, kind, docs.source, para, finding, text, docs.topics, extra, sources.topics FROM docs "
               "JOIN sources ON sources.source = docs.source WHERE " + " AND ".join(where) +
               " ORDER BY kind = 'finding', docs.source, para, finding")
        rows = self.db.execute(sql, args).fetchall()
        # Both paths (FTS5 and LIKE) match folded text; this check keeps them equal.
        return [r for r in rows if all(t in r[0] for t in terms)]


def _read_findings(data: bytes, shown: str) -> tuple[list[dict], str | None]:
    """The findings of a findings.yaml as plain data, leniently: entries without an id or a
    quote are skipped, and a file that does not parse yields none (with a note)."""
    import yaml

    try:
        doc = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return [], f"{shown} does not load: its findings are not searched (run `brief check`)"
    items = doc.get("findings") if isinstance(doc, dict) else None
    out = []
    for f in items if isinstance(items, list) else []:
        if not isinstance(f, dict) or not isinstance(f.get("id"), str) or not isinstance(f.get("quote"), str):
            continue
        claim = f.get("claim") if isinstance(f.get("claim"), dict) else {}
        topics = f.get("topics") if isinstance(f.get("topics"), list) else []
        loc = f.get("locator") if isinstance(f.get("locator"), dict) else {}
        out.append({"id": f["id"], "quote": f["quote"], "topics": [str(t) for t in topics],
                    "claim": {str(k): v for k, v in claim.items() if isinstance(v, str)},
                    "locator": {k: v for k, v in loc.items() if k in ("para", "start", "end") and isinstance(v, int)}})
    return out, None
