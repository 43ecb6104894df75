"""The ledger: a SQLite file in the output directory (DIR/ledger.sqlite, mode 0600).

Three tables:

    briefs    (topic, lang, tlp) -> the date the brief was first built with this content, and a
              fingerprint of that content. An unchanged brief keeps its date, so it is rebuilt
              byte for byte on any later day and its copies keep their SHA-256.
    copies    (recipient, file) -> the copy on disk: SHA-256 of the marked plaintext and of the
              file itself (they differ when encrypted). An unchanged encrypted copy is kept.
    messages  (recipient, topic, lang, format, brief_sha256) -> one email: what the recipient
              receives, whatever the bytes of a (re-)encrypted file. `status` is `sending` just
              before the message goes to the server, `sent` once the server has accepted it
              (committed at once), `failed` with the error, or `uncertain` when a run stopped
              between `sending` and the server's answer: the message may have been delivered.
              A rerun skips every `sent` message and every `uncertain` one unless told to
              resend it.

No password is ever stored here.
"""

from __future__ import annotations

import datetime
import os
import sqlite3
from pathlib import Path

from brief.errors import OutputError, Problem

LEDGER = "ledger.sqlite"
VERSION = 2

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
    recipient TEXT NOT NULL, topic TEXT NOT NULL, lang TEXT NOT NULL, format TEXT NOT NULL,
    brief_sha256 TEXT NOT NULL,
    sha256 TEXT NOT NULL, file TEXT NOT NULL, email TEXT NOT NULL, subject TEXT NOT NULL, message_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'uncertain')),
    error TEXT, attempted_at TEXT NOT NULL, accepted_at TEXT,
    PRIMARY KEY (recipient, topic, lang, format, brief_sha256));
"""

# A ledger of version 1 keyed messages by the SHA-256 of the copy file; its rows are carried
# over, with what the recipient received taken from the copy that had that SHA-256.
_MIGRATE_1 = """
ALTER TABLE messages RENAME TO messages_v1;
""" + SCHEMA + """
INSERT OR IGNORE INTO messages
SELECT m.recipient, COALESCE(c.topic, ''), COALESCE(c.lang, ''), COALESCE(c.format, ''),
       COALESCE(c.brief_sha256, 'copy:' || m.sha256),
       m.sha256, m.file, m.email, m.subject, m.message_id, m.status, m.error, m.attempted_at, m.accepted_at
FROM messages_v1 m LEFT JOIN copies c ON c.recipient = m.recipient AND c.file = m.file AND c.sha256 = m.sha256;
DROP TABLE messages_v1;
"""


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class Ledger:
    """The ledger of one output directory. Every change is committed at once."""

    def __init__(self, path: Path):
        self.path = path
        try:
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            os.chmod(path, 0o600)
            self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA synchronous = FULL")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            columns = {r[1] for r in self.db.execute("PRAGMA table_info(messages)")}
            if columns and "brief_sha256" not in columns:
                self.db.executescript("BEGIN;" + _MIGRATE_1 + f"PRAGMA user_version = {VERSION}; COMMIT;")
            else:
                self.db.executescript(SCHEMA)
                if version < VERSION:
                    self.db.execute(f"PRAGMA user_version = {VERSION}")
        except (sqlite3.DatabaseError, OSError) as e:
            raise OutputError(Problem(str(path), None, f"cannot open the ledger: {e}",
                                      "it must be a writable SQLite file written by `brief distribute`; "
                                      "fix its permissions, or choose another --out DIR")) from None

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

    def encrypted_recipients(self) -> set[str]:
        """Recipients the ledger has made encrypted copies for (their passwords are in passwords.csv)."""
        return {r[0] for r in self.db.execute("SELECT DISTINCT recipient FROM copies WHERE encrypted = 1")}

    def set_copy(self, recipient: str, file: str, *, topic: str, lang: str, format: str, tlp: str,
                 brief_sha256: str, plain_sha256: str, sha256: str, encrypted: bool) -> None:
        self.db.execute("INSERT OR REPLACE INTO copies VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (recipient, file, topic, lang, format, tlp, brief_sha256, plain_sha256, sha256,
                         int(encrypted), _now()))

    # ---- messages: keyed by what the recipient receives ------------------------------------
    _KEY = "recipient=? AND topic=? AND lang=? AND format=? AND brief_sha256=?"

    def message(self, key: tuple[str, str, str, str, str]) -> sqlite3.Row | None:
        return self.db.execute(f"SELECT * FROM messages WHERE {self._KEY}", key).fetchone()

    def sending(self, key: tuple[str, str, str, str, str], *, sha256: str, file: str, email: str, subject: str,
                message_id: str) -> None:
        """Just before the message goes to the server."""
        self.db.execute("INSERT OR REPLACE INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sending', NULL, ?, NULL)",
                        (*key, sha256, file, email, subject, message_id, _now()))

    def sent(self, key: tuple[str, str, str, str, str]) -> None:
        """Right after the server accepted the message: from now on it is never sent again."""
        self.db.execute(f"UPDATE messages SET status='sent', error=NULL, accepted_at=? WHERE {self._KEY}", (_now(), *key))

    def failed(self, key: tuple[str, str, str, str, str], error: str) -> None:
        self.db.execute(f"UPDATE messages SET status='failed', error=? WHERE {self._KEY}", (error, *key))

    def uncertain(self, key: tuple[str, str, str, str, str]) -> None:
        """An earlier run stopped while this message was with the server: it may have been delivered."""
        self.db.execute(f"UPDATE messages SET status='uncertain', error=? WHERE {self._KEY}",
                        ("an earlier run stopped before the server answered; the message may have been delivered", *key))


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
