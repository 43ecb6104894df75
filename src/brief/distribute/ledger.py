"""The ledger: a SQLite file in the output directory (DIR/ledger.sqlite).

Three tables:

    briefs    (topic, lang, tlp) -> the date the brief was first built with this content, and a
              fingerprint of that content. An unchanged brief keeps its date, so it is rebuilt
              byte for byte on any later day and its copies keep their SHA-256.
    copies    (recipient, file) -> the copy on disk: SHA-256 of the marked plaintext and of the
              file itself (they differ when encrypted). An unchanged encrypted copy is kept.
    messages  (recipient, sha256 of the copy) -> one email. `status` is `sending` just before the
              message goes to the server, `sent` once the server has accepted it (committed at
              once), or `failed` with the error. A rerun skips every `sent` message.

No password is ever stored here.
"""

from __future__ import annotations

import datetime
import sqlite3
from pathlib import Path

from brief.errors import OutputError, Problem

LEDGER = "ledger.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS briefs (
    topic TEXT NOT NULL, lang TEXT NOT NULL, tlp TEXT NOT NULL,
    date TEXT NOT NULL, fingerprint TEXT NOT NULL,
    PRIMARY KEY (topic, lang, tlp));
CREATE TABLE IF NOT EXISTS copies (
    recipient TEXT NOT NULL, file TEXT NOT NULL,
    topic TEXT NOT NULL, lang TEXT NOT NULL, format TEXT NOT NULL, tlp TEXT NOT NULL,
    brief_sha256 TEXT NOT NULL, plain_sha256 TEXT NOT NULL, sha256 TEXT NOT NULL,
    encrypted INTEGER NOT NULL, made_at TEXT NOT NULL,
    PRIMARY KEY (recipient, file));
CREATE TABLE IF NOT EXISTS messages (
    recipient TEXT NOT NULL, sha256 TEXT NOT NULL,
    file TEXT NOT NULL, email TEXT NOT NULL, subject TEXT NOT NULL, message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
    error TEXT, attempted_at TEXT NOT NULL, accepted_at TEXT,
    PRIMARY KEY (recipient, sha256));
"""


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class Ledger:
    """The ledger of one output directory. Every change is committed at once."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA synchronous = FULL")
            self.db.executescript(SCHEMA)
        except sqlite3.DatabaseError as e:
            raise OutputError(Problem(str(path), None, f"cannot open the ledger: {e}",
                                      "it must be a SQLite file written by `brief distribute`; choose another --out DIR")) from None

    def close(self) -> None:
        self.db.close()

    # ---- briefs ----------------------------------------------------------------------------
    def brief(self, topic: str, lang: str, tlp: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM briefs WHERE topic=? AND lang=? AND tlp=?", (topic, lang, tlp)).fetchone()

    def set_brief(self, topic: str, lang: str, tlp: str, date: str, fingerprint: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO briefs VALUES (?, ?, ?, ?, ?)", (topic, lang, tlp, date, fingerprint))

    # ---- copies ----------------------------------------------------------------------------
    def copy(self, recipient: str, file: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM copies WHERE recipient=? AND file=?", (recipient, file)).fetchone()

    def set_copy(self, recipient: str, file: str, *, topic: str, lang: str, format: str, tlp: str,
                 brief_sha256: str, plain_sha256: str, sha256: str, encrypted: bool) -> None:
        self.db.execute("INSERT OR REPLACE INTO copies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (recipient, file, topic, lang, format, tlp, brief_sha256, plain_sha256, sha256,
                         int(encrypted), _now()))

    # ---- messages --------------------------------------------------------------------------
    def message(self, recipient: str, sha256: str) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM messages WHERE recipient=? AND sha256=?", (recipient, sha256)).fetchone()

    def sending(self, recipient: str, sha256: str, *, file: str, email: str, subject: str, message_id: str) -> None:
        """Just before the message goes to the server."""
        self.db.execute("INSERT OR REPLACE INTO messages VALUES (?, ?, ?, ?, ?, ?, 'sending', NULL, ?, NULL)",
                        (recipient, sha256, file, email, subject, message_id, _now()))

    def sent(self, recipient: str, sha256: str) -> None:
        """Right after the server accepted the message: from now on it is never sent again."""
        self.db.execute("UPDATE messages SET status='sent', error=NULL, accepted_at=? WHERE recipient=? AND sha256=?",
                        (_now(), recipient, sha256))

    def failed(self, recipient: str, sha256: str, error: str) -> None:
        self.db.execute("UPDATE messages SET status='failed', error=? WHERE recipient=? AND sha256=?",
                        (error, recipient, sha256))


def read_ledger(out_dir: Path) -> list[dict]:
    """The messages of an existing ledger, for `brief distribute --ledger` (read-only)."""
    path = out_dir / LEDGER
    if not path.is_file():
        from brief.errors import InputError

        raise InputError(Problem(str(path), None, "no ledger here", "give the --out DIR of an earlier `brief distribute` run"))
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db.row_factory = sqlite3.Row
        rows = [dict(r) for r in db.execute("SELECT * FROM messages ORDER BY rowid")]
        db.close()
    except sqlite3.DatabaseError as e:
        raise OutputError(Problem(str(path), None, f"cannot read the ledger: {e}", None)) from None
    return rows
