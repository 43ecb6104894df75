"""Writing output files safely: a set of files all or nothing, one file atomically, and the
check that an output directory can be written before anything is built."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from brief.errors import OutputError, Problem


def write_set(files: list[tuple[Path, bytes, int]], what=lambda path: "") -> None:
    """Write a set of files, each (path, bytes, mode), all or none.

    Every file first goes to a private temporary file beside its target; only when all of them
    are written are they renamed into place, in order (put a manifest last). If anything fails,
    the temporary files are removed, targets already renamed get their old content back, and
    directories this call created are removed: a failed run leaves what was there before.
    `what(path)` prefixes an error about `path` (e.g. the recipient it belongs to)."""
    made: list[Path] = []
    temps: list[tuple[str, Path, int]] = []
    backups: list[tuple[Path, str | None]] = []
    current = None
    try:
        for path, data, mode in files:
            current = path
            _make_dirs(path.parent, made)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:80]}.", suffix=".tmp", dir=path.parent)
            temps.append((tmp, path, mode))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, mode)
        for tmp, path, _ in temps:
            current = path
            backup = None
            if path.exists():
                backup = f"{tmp}.old"
                os.link(path, backup)
            backups.append((path, backup))
            os.replace(tmp, path)
    except BaseException as e:
        for path, backup in reversed(backups):
            try:
                if backup is not None:
                    os.replace(backup, path)
                elif path.exists():
                    os.unlink(path)
            except OSError:
                pass
        for tmp, _, _ in temps:
            for name in (tmp, f"{tmp}.old"):
                if os.path.exists(name):
                    os.unlink(name)
        for d in reversed(made):
            try:
                os.rmdir(d)
            except OSError:
                pass
        if isinstance(e, OSError):
            raise OutputError(Problem(str(current), None, f"{what(current)}cannot write: {_os_reason(e)}",
                                      _os_hint(e))) from None
        raise
    for _, backup in backups:
        if backup is not None and os.path.exists(backup):
            os.unlink(backup)


def _make_dirs(d: Path, made: list[Path]) -> None:
    missing = []
    while not d.exists():
        missing.append(d)
        d = d.parent
    for p in reversed(missing):
        p.mkdir()
        made.append(p)


def _os_reason(e: OSError) -> str:
    import errno

    if e.errno == errno.ENAMETOOLONG:
        return "the file name is too long"
    return e.strerror or str(e)


def _os_hint(e: OSError) -> str:
    import errno

    if e.errno == errno.ENAMETOOLONG:
        return "choose a shorter --out DIR, or shorter topic and recipient ids"
    if e.errno == errno.ENOSPC:
        return "free some disk space, or choose another directory with --out DIR"
    return "choose another directory with --out DIR, or fix its permissions"


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write one file all or nothing (see write_set)."""
    write_set([(path, data, mode)])


def check_out_dir(out_dir: Path) -> None:
    """The output directory exists and is writable, or can be created (nothing is created yet)."""
    try:
        _check_out_dir(out_dir)
    except OSError as e:
        raise OutputError(Problem(str(out_dir), None, f"cannot use the output directory: {_os_reason(e)}",
                                  _os_hint(e))) from None


def _check_out_dir(out_dir: Path) -> None:
    probe = out_dir
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputError(Problem(str(out_dir), None, f"cannot create output directory: {probe} is a file",
                                  "choose another directory with --out DIR"))
    if not os.access(probe, os.W_OK | os.X_OK):
        what = "output directory is not writable" if probe == out_dir else f"cannot create output directory in {probe}"
        raise OutputError(Problem(str(out_dir), None, what,
                                  "choose another directory with --out DIR, or fix its permissions"))
