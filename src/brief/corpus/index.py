"""The incremental corpus index: what loading one source folder found, kept between runs.

Loading a folder (its source.yaml, body.txt and findings.yaml, checked against its original and
the stances) gives a `FolderResult`: the validated source and findings and the folder's own
problems. The index keeps each result in `.brief-cache/folders/<folder>.pickle` with the SHA-256
of every file it was made from, and hands it back only while each of those files still has that
content, so a run pays only for the folders that changed. It is safe to delete at any time.

It can never make a build accept what a full load would reject:
- a result is keyed by file *content*: a file's hash is recomputed whenever its size, mtime,
  ctime or inode differ from what was recorded (a write, or a reset mtime, changes its ctime),
  and by the code that made it (the brief package, Python and the libraries it relies on);
- each cache file is signed with HMAC-SHA256 under a per-user key kept outside the project
  (`$XDG_CACHE_HOME/brief/index.key`), so a cache file written by anyone else (or copied in with
  a project) is not trusted, and never unpickled. Without a usable key the index is off.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brief.errors import Problem

_FORMAT = b"brief-index-1\n"


@dataclass
class FolderResult:
    """What loading one seed folder found. `findings` are FindingEntry objects in file order."""

    folder: str
    source: Any = None  # SourceEntry, or None when source.yaml is missing or did not load
    findings: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    broken_source: bool = False
    broken_findings: bool = False


def _stat_key(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


_CODE: list[str] = []


def code_version() -> str:
    """A hash of the code that makes cached values (the whole brief package), of the Python version
    and of the installed distributions' names and versions: values made by other code are not used."""
    if not _CODE:
        h = hashlib.sha256(sys.version.encode())
        for entry in sys.path:  # installed distributions, by name and version (their .dist-info folders)
            try:
                names = sorted(n for n in os.listdir(entry or ".") if n.endswith((".dist-info", ".egg-info")))
            except OSError:
                continue
            h.update(("\0".join(names) + "\n").encode())
        package = Path(__file__).resolve().parent.parent
        for p in sorted(package.rglob("*.py")):
            h.update(p.relative_to(package).as_posix().encode() + b"\0" + p.read_bytes())
        _CODE.append(h.hexdigest())
    return _CODE[0]


_KEYS: dict[Path, bytes] = {}  # the keys read in this process, by path


def _user_key() -> bytes | None:
    """The per-user signing key, made on first use; None when it cannot be kept (the index is off)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "brief"
    path = base / "index.key"
    if path in _KEYS:
        return _KEYS[path]
    try:
        data = path.read_bytes()
        if len(data) == 32:
            _KEYS[path] = data
            return data
    except OSError:
        pass
    try:
        base.mkdir(parents=True, exist_ok=True)
        tmp = base / f".index.key.{os.getpid()}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
        os.replace(tmp, path)
        data = path.read_bytes()
        return data if len(data) == 32 else None
    except OSError:
        return None


class Store:
    """Signed cache entries under `.brief-cache/<kind>/`, each kept with the files it was made
    from (`deps`: project-relative path -> (stat, SHA-256)) and handed back only while each of
    them still has that content. `FolderIndex` keeps loaded folders; `brief check` keeps
    compositions that passed."""

    def __init__(self, root: Path, kind: str, enabled: bool = True):
        self.root = root
        self.dir = root / ".brief-cache" / kind
        self.key = _user_key() if enabled and os.environ.get("BRIEF_NO_CACHE") != "1" else None
        self.reused = 0
        self.made = 0

    @property
    def enabled(self) -> bool:
        return self.key is not None

    def _file(self, name: str) -> Path:
        return self.dir / f"{name}.pickle"

    def _sign(self, body: bytes) -> bytes:
        return hmac.new(self.key, _FORMAT + body, hashlib.sha256).digest()

    def get(self, name: str, extra: str) -> tuple[dict, Any] | None:
        """(deps, value) stored under `name`, if every file in deps is unchanged and the entry was
        made by this code with the same `extra` (whatever else it depends on); else None."""
        if not self.enabled:
            return None
        try:
            raw = self._file(name).read_bytes()
        except OSError:
            return None
        if not raw.startswith(_FORMAT) or len(raw) < len(_FORMAT) + 32:
            return None
        mac, body = raw[len(_FORMAT):len(_FORMAT) + 32], raw[len(_FORMAT) + 32:]
        if not hmac.compare_digest(mac, self._sign(body)):
            return None
        try:
            version, stamp, deps, value = pickle.loads(body)  # noqa: S301 - signed by this user's key
        except Exception:  # noqa: BLE001 - an unreadable entry is only a miss
            return None
        if version != code_version() or stamp != extra:
            return None
        restat = False
        for rel, (stat, sha) in deps.items():
            path = self.root / rel
            now = _stat_key(path)
            if now == stat:
                continue
            if (now is None) != (sha is None) or (now is not None and _sha(path) != sha):
                return None
            restat = True
        if restat:  # same content, new stat (a checkout, a touch): record it, so the next run skips hashing
            deps = {rel: (_stat_key(self.root / rel), sha) for rel, (_, sha) in deps.items()}
            self._write(name, extra, deps, value)
        self.reused += 1
        return deps, value

    def snapshot(self, paths: list[Path]) -> dict[str, tuple]:
        """Stat and hash files that a value is about to be made from (before reading them)."""
        deps = {}
        for p in paths:
            rel = p.relative_to(self.root).as_posix()
            if rel not in deps:
                deps[rel] = (_stat_key(p), _sha(p))
        return deps

    def put(self, name: str, extra: str, deps: dict[str, tuple], value: Any, payload: Any = None) -> str | None:
        """Keep a value made from the files in `deps` (as `snapshot` saw them), unless one of them
        changed while it was being made. A `payload` is kept beside it in a file of its own, read
        only when asked for (`read_payload`) and trusted by the SHA-256 that the signed value
        holds; the value is stored as (value, that hash), which `get` hands back."""
        self.made += 1
        if not self.enabled:
            return None
        if any(_stat_key(self.root / rel) != stat for rel, (stat, _) in deps.items()):
            return None
        sha = None
        if payload is not None:
            try:
                data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
                sha = hashlib.sha256(data).hexdigest()
                from brief.outputs import write_atomic

                self.dir.mkdir(parents=True, exist_ok=True)
                write_atomic(self.dir / f"{name}.payload", data)
            except Exception:  # noqa: BLE001 - a cache that cannot be written is only slower
                return None
            value = (value, sha)
        self._write(name, extra, deps, value)
        return sha

    def read_payload(self, name: str, sha: str) -> Any:
        """The payload kept with `name`, if its content still has the hash `sha`; else None."""
        try:
            data = (self.dir / f"{name}.payload").read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != sha:
            return None
        try:
            return pickle.loads(data)  # noqa: S301 - its hash is in an entry signed by this user's key
        except Exception:  # noqa: BLE001
            return None

    def _write(self, name: str, extra: str, deps: dict, value: Any) -> None:
        try:
            body = pickle.dumps((code_version(), extra, deps, value), protocol=pickle.HIGHEST_PROTOCOL)
            from brief.outputs import write_atomic

            self.dir.mkdir(parents=True, exist_ok=True)
            write_atomic(self._file(name), _FORMAT + self._sign(body) + body)
        except Exception:  # noqa: BLE001 - a cache that cannot be written is only slower
            pass


def kept(root: Path, paths: list[Path], what: str, make, extra: str = "") -> Any:
    """What `make()` builds from `paths` (a YAML file read and validated, say), kept in the
    project's signed cache (`.brief-cache/files/`) while each of those files has the same content
    and the code and `extra` are the same: a run validates only the files that changed. A value
    that `make` cannot build (it raises) is never kept, so its errors come back on every run."""
    store = Store(root, "files")
    if not store.enabled:
        return make()
    try:
        rels = [p.relative_to(root).as_posix() for p in paths]
    except ValueError:  # (a file outside the project)
        return make()
    name = hashlib.sha256(f"{what}\0{chr(0).join(rels)}".encode()).hexdigest()[:32]
    got = store.get(name, extra)
    if got is not None:
        return got[1]
    deps = store.snapshot(paths)
    value = make()
    store.put(name, extra, deps, value)
    return value


def digest(deps: dict[str, tuple]) -> str:
    """One hash of what a set of files contains (for keys made of other entries' files)."""
    h = hashlib.sha256()
    for rel in sorted(deps):
        h.update(f"{rel}\0{deps[rel][1]}\0".encode())
    return h.hexdigest()
