"""Distribution under concurrency, kills, lost files, hostile names and misbehaving servers.

Every server here is a real one on 127.0.0.1 (aiosmtpd, or a raw socket server that misbehaves
on purpose), every kill a real SIGKILL of a `brief distribute --send` process. Each test works
on its own copy of the test project and its own stakeholder list.
"""

from __future__ import annotations

import csv
import email
import os
import random
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from email import policy
from pathlib import Path

import pytest
import yaml

from helpers import copy_project, files_under

pikepdf = pytest.importorskip("pikepdf")
pytest.importorskip("aiosmtpd")


# ---- a recording SMTP server that can kill its client --------------------------------------


class Recorder:
    """aiosmtpd handler: stores every message it accepts. `kill_at` = (pid, n, when): SIGKILL
    the client when the n-th message (counted from when it was set) arrives, either `before` it
    is stored (the client never learns) or `after` it is stored and before the server answers
    (the message was delivered, the client never learns)."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()
        self.kill_at = None
        self.seen = 0

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.seen += 1
            kill = self.kill_at
            if kill and self.seen == kill[1] and kill[2] == "before":
                os.kill(kill[0], signal.SIGKILL)
                return "451 client gone"
            self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
            if kill and self.seen == kill[1] and kill[2] == "after":
                os.kill(kill[0], signal.SIGKILL)
                time.sleep(0.2)  # let the kill land before the answer
        return "250 Message accepted for delivery"

    def arm(self, pid: int, n: int, when: str) -> None:
        with self.lock:
            self.seen = 0
            self.kill_at = (pid, n, when)

    def disarm(self) -> None:
        with self.lock:
            self.kill_at = None

    def parsed(self, start: int = 0):
        with self.lock:
            return [email.message_from_bytes(raw, policy=policy.default) for _, raw in self.messages[start:]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    handler = Recorder()
    ctl = Controller(handler, hostname="127.0.0.1", port=free_port())
    ctl.start()
    handler.port = ctl.port
    yield handler
    ctl.stop()


def smtp_env(port: int, **extra) -> dict:
    env = {"BRIEF_SMTP_HOST": "127.0.0.1", "BRIEF_SMTP_PORT": str(port), "BRIEF_SMTP_STARTTLS": "0",
           "BRIEF_SMTP_FROM": "Analysis Unit <briefs@example.org>", "BRIEF_SMTP_USER": "", "BRIEF_SMTP_PASSWORD": ""}
    env.update(extra)
    return env


# ---- a project and a stakeholder list of its own ----------------------------------------------


def first_topic(project: Path) -> str:
    return sorted(p.stem for p in (project / "briefs").glob("*.yaml") if not p.name.startswith("stakeholders"))[0]


def stakeholders(path: Path, topic: str, recipients: list[dict] | None = None) -> Path:
    """ana (en, encrypted PDF), bo (zh, PDF), cy (en, PDF and DOCX): four copies of `topic`."""
    base = dict(topics=[topic], clearance="TLP:RED", organisation="Example Office")
    recipients = recipients or [
        dict(base, id="ana", name="Ana Ferreira", email="ana@example.org", language="en", formats=["pdf"], encrypt=True),
        dict(base, id="bo", name="王博", email="bo@example.org", language="zh", formats=["pdf"]),
        dict(base, id="cy", name="Cy Thompson", email="cy@example.com", language="en", formats=["pdf", "docx"]),
    ]
    path.write_text(yaml.safe_dump({"recipients": recipients}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def dist(tmp_path):
    project = copy_project(tmp_path / "project")
    topic = first_topic(project)
    lst = stakeholders(tmp_path / "list.yaml", topic)
    return {"project": project, "topic": topic, "list": lst, "out": tmp_path / "out"}


def command(d: dict, *extra) -> list[str]:
    return [sys.executable, "-m", "brief", "--project", str(d["project"]), "distribute", "--list", str(d["list"]),
            "--topic", d["topic"], "--tlp", "TLP:AMBER", "--out", str(d["out"]), *map(str, extra)]


def run(d: dict, *extra, env=None, timeout=120) -> subprocess.CompletedProcess:
    full = dict(os.environ, PYTHONIOENCODING="utf-8", **(env or {}))
    full.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run(command(d, *extra), env=full, capture_output=True, text=True, encoding="utf-8", timeout=timeout)


def start(d: dict, *extra, env=None) -> subprocess.Popen:
    full = dict(os.environ, PYTHONIOENCODING="utf-8", **(env or {}))
    full.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.Popen(command(d, *extra), env=full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8")


def passwords(out: Path) -> dict[str, str]:
    with open(out / "passwords.csv", newline="", encoding="utf-8") as fh:
        return {r["recipient"]: r["password"] for r in csv.DictReader(fh)}


def opens(path: Path, password: str | None) -> bool:
    try:
        with pikepdf.open(path, password=password or ""):
            return True
    except pikepdf.PasswordError:
        return False


def per_copy(messages) -> dict[tuple[str, str], int]:
    """How many messages each (recipient address, attachment name) got."""
    counts: dict[tuple[str, str], int] = {}
    for m in messages:
        name = next(p.get_filename() for p in m.iter_attachments())
        key = (m["To"].addresses[0].addr_spec, name)
        counts[key] = counts.get(key, 0) + 1
    return counts


COPIES = 4


# ---- 1. one run per output directory --------------------------------------------------------


def test_two_runs_at_once_send_each_copy_once_and_keep_every_password(dist, smtp):
    env = smtp_env(smtp.port)
    a, b = start(dist, "--send", env=env), start(dist, "--send", env=env)
    outs = [p.communicate(timeout=120) for p in (a, b)]
    codes = sorted((a.returncode, b.returncode))
    text = "\n".join(o + e for o, e in outs)
    assert codes in ([0, 0], [0, 1]), text
    if codes == [0, 1]:
        assert "another `brief distribute` is using this output directory" in text
    # Whatever the interleaving, and after a third run: one message per copy.
    assert run(dist, "--send", env=env).returncode == 0
    counts = per_copy(smtp.parsed())
    assert len(counts) == COPIES and set(counts.values()) == {1}, counts
    pw = passwords(dist["out"])
    for pdf in dist["out"].glob("ana/*.pdf"):
        assert opens(pdf, pw["ana"]) and not opens(pdf, None)


# ---- 2. what was sent is what the recipient received ----------------------------------------


def test_deleted_copies_are_made_again_but_not_sent_again(dist, smtp):
    env = smtp_env(smtp.port)
    assert run(dist, "--send", env=env).returncode == 0
    pw = passwords(dist["out"])
    for f in dist["out"].glob("*/*.pdf"):
        f.unlink()
    r = run(dist, "--send", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "messages: 0 sent, 4 already sent, 0 failed" in r.stdout
    assert len(smtp.messages) == COPIES
    assert passwords(dist["out"]) == pw
    assert all(opens(f, pw["ana"]) for f in dist["out"].glob("ana/*.pdf"))


def test_lost_passwords_file_is_an_error_that_says_how_to_recover(dist, smtp):
    env = smtp_env(smtp.port)
    assert run(dist, "--send", env=env).returncode == 0
    (dist["out"] / "passwords.csv").unlink()
    before = {p: p.read_bytes() for p in files_under(dist["out"])}
    r = run(dist, "--send", env=env)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "passwords.csv is missing, but the ledger records encrypted copies made for ana" in r.stderr
    assert "restore passwords.csv from your backup" in r.stderr and "Traceback" not in r.stderr
    assert len(smtp.messages) == COPIES
    assert {p: p.read_bytes() for p in files_under(dist["out"])} == before


def test_garbled_passwords_file_is_an_error_at_its_line(dist):
    assert run(dist).returncode == 0
    (dist["out"] / "passwords.csv").write_text("recipient,name,email,password\nana,\"unterminated\n", encoding="utf-8")
    r = run(dist)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "passwords.csv:" in r.stderr and "restore passwords.csv" in r.stderr
    (dist["out"] / "passwords.csv").write_text("who,pw\nana,x\n", encoding="utf-8")
    r = run(dist)
    assert r.returncode == 1 and "passwords.csv:1: the header is not recipient,name,email,password" in r.stderr


# ---- 3. names never become addresses ---------------------------------------------------------


@pytest.mark.parametrize("name", ["李伟 <attacker@evil.example>", 'Eve "x" Example', "Mallory@evil.example", "a > b"])
def test_names_that_could_read_as_addresses_are_refused_at_their_line(dist, name):
    stakeholders(dist["list"], dist["topic"], [dict(id="x", name=name, organisation="O", email="x@example.org",
                                                  language="en", topics=[dist["topic"]], clearance="TLP:RED")])
    r = run(dist)
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"{dist['list'].name}:3: recipient 'x': name: a name may not contain" in r.stderr, r.stderr
    assert not dist["out"].exists()


def test_to_header_holds_exactly_one_address_with_the_name_quoted(dist, smtp):
    long_name = "Professor Alexandra Montgomery-Fitzwilliam, Director of Strategic Technology Assessment"
    stakeholders(dist["list"], dist["topic"], [dict(id="x", name=long_name, organisation="O", email="x@example.org",
                                                  language="en", topics=[dist["topic"]], clearance="TLP:RED")])
    assert run(dist, "--send", env=smtp_env(smtp.port)).returncode == 0
    (to, raw), = smtp.messages
    assert to == ["x@example.org"]
    m = email.message_from_bytes(raw, policy=policy.default)
    (addr,) = m["To"].addresses
    assert addr.display_name == long_name and addr.addr_spec == "x@example.org"


# ---- 4. a kill while the server has the message ------------------------------------------------


def test_message_in_flight_at_a_kill_is_reported_uncertain_and_resent_only_when_asked(dist, smtp):
    env = smtp_env(smtp.port)
    p = start(dist, "--send", env=env)
    smtp.arm(p.pid, 2, "after")  # message 2 is stored, then its sender dies before the answer
    p.communicate(timeout=120)
    smtp.disarm()
    assert p.returncode == -signal.SIGKILL
    assert len(smtp.messages) == 2
    r = run(dist, "--send", env=env)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "may have been sent:" in r.stdout and "--resend-uncertain" in r.stderr
    assert "messages: 2 sent, 1 already sent, 0 failed, 1 may have been sent" in r.stdout
    assert len(smtp.messages) == COPIES - 1 + 1  # the uncertain one was not sent again
    r = run(dist, "--send", "--resend-uncertain", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "messages: 1 sent, 3 already sent, 0 failed" in r.stdout
    ids = [m["Message-ID"] for m in smtp.parsed()]
    assert len(ids) == COPIES + 1 and len(set(ids)) == COPIES  # the one duplicate kept its Message-ID


@pytest.mark.soak
def test_kills_at_twenty_random_points_lose_nothing_and_duplicate_only_when_asked(dist, smtp):
    """20 kills: 10 timed at random moments of a run, 10 at random messages, before or after the
    server stored them. After each, reruns until done (with --resend-uncertain only when a rerun
    reports uncertain messages). Report: lost 0; duplicates only where resending was asked for."""
    env = smtp_env(smtp.port)
    rng = random.Random(20261201)
    lost = dup_unasked = asked = 0
    out = dist["out"]
    for trial in range(20):
        dist["out"] = out.parent / f"out{trial}"
        start_count = len(smtp.messages)
        p = start(dist, "--send", env=env)
        if trial % 2:
            smtp.arm(p.pid, rng.randint(1, COPIES), rng.choice(["before", "after"]))
            p.communicate(timeout=120)
        else:
            time.sleep(rng.uniform(0.2, 2.5))
            p.kill()
            p.communicate(timeout=120)
        smtp.disarm()
        uncertain_asked = False
        for _ in range(3):
            r = run(dist, "--send", env=env)
            if r.returncode == 0:
                break
            assert r.returncode == 3 and "--resend-uncertain" in r.stderr, r.stdout + r.stderr
            r = run(dist, "--send", "--resend-uncertain", env=env)
            uncertain_asked = True
            if r.returncode == 0:
                break
        assert r.returncode == 0, r.stdout + r.stderr
        counts = per_copy(smtp.parsed(start_count))
        lost += COPIES - len(counts)
        extra = sum(n - 1 for n in counts.values())
        if extra:
            if uncertain_asked:
                asked += extra
            else:
                dup_unasked += extra
    print(f"20 kills: lost {lost}; duplicates {asked} (all after --resend-uncertain), {dup_unasked} unasked")
    assert lost == 0 and dup_unasked == 0


# ---- 5. every network step has a deadline ------------------------------------------------------


class Misbehaving:
    """A raw SMTP server on 127.0.0.1: `trickle` sends its banner one byte every 0.4 s; `silent`
    greets, then never answers EHLO."""

    def __init__(self, kind: str):
        self.kind = kind
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self.talk, args=(conn,), daemon=True).start()

    def talk(self, conn):
        try:
            if self.kind == "trickle":
                for ch in b"220 slow.example ESMTP hello\r\n":
                    if self.stop.wait(0.4):
                        break
                    conn.sendall(bytes([ch]))
            else:
                conn.sendall(b"220 silent.example ESMTP\r\n")
                self.stop.wait(60)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stop.set()
        self.sock.close()


@pytest.mark.parametrize("kind", ["trickle", "silent"])
def test_a_slow_or_silent_server_costs_at_most_three_timeouts(dist, kind):
    server = Misbehaving(kind)
    try:
        t = time.perf_counter()
        r = run(dist, "--send", env=smtp_env(server.port, BRIEF_SMTP_TIMEOUT="1"), timeout=60)
        took = time.perf_counter() - t
    finally:
        server.close()
    assert r.returncode == 3, r.stdout + r.stderr
    assert "messages: 0 sent, 0 already sent, 4 failed" in r.stdout
    assert "not attempted" in r.stdout  # the fourth message is not tried after three failures
    assert server.connections <= 3
    assert took < 20, took  # three deadlines of 1 s, plus building the briefs


# ---- 6. a whole set or nothing ------------------------------------------------------------------


def test_generate_that_cannot_write_one_file_leaves_the_old_set(tmp_path):
    from helpers import run_brief

    project = copy_project(tmp_path / "project")
    topic = first_topic(project)
    out = tmp_path / "out"
    out.mkdir()
    old_docx = out / f"{topic}.en.docx"
    old_docx.write_bytes(b"the old docx")
    (out / f"{topic}.en.pdf").mkdir()  # the PDF cannot be renamed into place
    (out / f"{topic}.en.pdf" / "keep").write_text("x")
    r = run_brief("--project", project, "generate", "--topic", topic, "--out", out)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"{topic}.en.pdf: cannot write" in r.stderr
    assert old_docx.read_bytes() == b"the old docx"
    assert sorted(p.name for p in files_under(out)) == [f"{topic}.en.docx", "keep"]


def test_too_long_a_file_name_is_a_clear_error(tmp_path, dist):
    from helpers import run_brief

    project = dist["project"]
    out = tmp_path / ("o" * 300)
    r = run_brief("--project", project, "generate", "--topic", dist["topic"], "--out", out)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "file name is too long" in r.stderr
    dist["out"] = out
    r = run(dist)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "file name is too long" in r.stderr, r.stderr


def test_a_failed_distribution_leaves_nothing(dist):
    # cy's folder is a file: its copies cannot be written, so nothing at all is written.
    dist["out"].mkdir()
    (dist["out"] / "cy").write_text("in the way")
    r = run(dist)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "recipient 'cy'" in r.stderr
    # Only the (empty) lock file a run takes is left beside what was there.
    assert sorted(p.name for p in files_under(dist["out"])) == [".distribute.lock", "cy"]


# ---- 7. private files ---------------------------------------------------------------------------


def test_copies_above_clear_the_ledger_and_the_manifests_are_private(dist):
    assert run(dist).returncode == 0
    out = dist["out"]
    for path in [*out.glob("*/*.pdf"), *out.glob("*/*.docx"), out / "ledger.sqlite", out / "passwords.csv",
                 out / "manifest.csv", out / "manifest.json"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_copies_of_a_clear_brief_are_readable(dist):
    topic = yaml.safe_load((dist["project"] / "briefs" / f"{dist['topic']}.yaml").read_text(encoding="utf-8"))
    if topic["tlp"] != "TLP:CLEAR":
        pytest.skip("the test project's first topic is not TLP:CLEAR")
    full = dict(os.environ, PYTHONIOENCODING="utf-8")
    cmd = [c for c in command(dist) if c not in ("--tlp", "TLP:AMBER")]
    assert subprocess.run(cmd, env=full, capture_output=True).returncode == 0
    copies = [*dist["out"].glob("*/*.pdf"), *dist["out"].glob("*/*.docx")]
    assert len(copies) == COPIES
    for path in copies:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


# ---- hostile text outside the documents ---------------------------------------------------------


def test_spreadsheet_formulas_in_names_stay_text_in_the_csv_files(dist):
    stakeholders(dist["list"], dist["topic"], [dict(id="x", name="=HYPERLINK(1)", organisation="+cmd|x",
                                                  email="x@example.org", language="en", topics=[dist["topic"]],
                                                  clearance="TLP:RED", encrypt=True)])
    assert run(dist).returncode == 0
    for name in ("manifest.csv", "passwords.csv"):
        with open(dist["out"] / name, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert rows[0]["name"] == "'=HYPERLINK(1)", name
        if name == "manifest.csv":
            assert rows[0]["organisation"] == "'+cmd|x"
    pw = passwords(dist["out"])["x"]
    assert pw[0].isalnum() and opens(next(dist["out"].glob("x/*.pdf")), pw)


def test_a_v1_ledger_is_carried_over(dist, smtp):
    """A ledger written before messages were keyed by what the recipient received keeps its
    sent messages: nothing is sent again."""
    env = smtp_env(smtp.port)
    assert run(dist, "--send", env=env).returncode == 0
    db = sqlite3.connect(dist["out"] / "ledger.sqlite")
    db.executescript("""
        CREATE TABLE old AS SELECT recipient, sha256, file, email, subject, message_id, status, error,
                                   attempted_at, accepted_at FROM messages;
        DROP TABLE messages;
        CREATE TABLE messages (recipient TEXT NOT NULL, sha256 TEXT NOT NULL, file TEXT NOT NULL,
            email TEXT NOT NULL, subject TEXT NOT NULL, message_id TEXT NOT NULL, status TEXT NOT NULL,
            error TEXT, attempted_at TEXT NOT NULL, accepted_at TEXT, PRIMARY KEY (recipient, sha256));
        INSERT INTO messages SELECT * FROM old; DROP TABLE old; PRAGMA user_version = 0;""")
    db.close()
    r = run(dist, "--send", env=env)
    assert r.returncode == 0 and "messages: 0 sent, 4 already sent" in r.stdout, r.stdout + r.stderr


def test_a_ledger_that_cannot_be_opened_is_a_clear_error(dist):
    """A ledger that is not a SQLite file, or not a file at all, stops the run with its path."""
    dist["out"].mkdir()
    (dist["out"] / "ledger.sqlite").write_bytes(b"this is not a database" * 100)
    r = run(dist)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "ledger.sqlite: cannot open the ledger" in r.stderr
    (dist["out"] / "ledger.sqlite").unlink()
    (dist["out"] / "ledger.sqlite").mkdir()
    r = run(dist)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "ledger.sqlite" in r.stderr, r.stderr
    r = run(dist, "--ledger")
    assert r.returncode == 1 and "Traceback" not in r.stderr and "ledger.sqlite" in r.stderr, r.stderr


def test_a_ledger_in_the_way_leaves_no_copy_behind(dist):
    dist["out"].mkdir()
    (dist["out"] / "ledger.sqlite").mkdir()
    assert run(dist).returncode == 1
    assert sorted(p.relative_to(dist["out"]).parts[0] for p in dist["out"].iterdir()) == [".distribute.lock", "ledger.sqlite"]


def test_terminal_escapes_in_a_bottom_line_never_reach_the_terminal_or_a_mail(dist):
    """A bottom line with ESC[2J and BEL is refused where it stands, before anything is printed
    with --verbose or mailed."""
    path = dist["project"] / "briefs" / f"{dist['topic']}.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    i = next(n for n, ln in enumerate(lines) if ln.startswith("bottom_line:"))
    j = next(n for n in range(i + 1, len(lines)) if lines[n].lstrip().startswith(("- en:", "en:")))
    lines[j] = lines[j][: lines[j].index("en:")] + 'en: "\\e[2J\\e[H cleared \\a"'
    path.write_text("\n".join(lines), encoding="utf-8")
    r = run(dist, "--verbose")
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"{path.name}:{j + 1}:" in r.stderr and "control character U+001B" in r.stderr, r.stderr
    assert "\x1b" not in r.stdout + r.stderr and "\x07" not in r.stdout + r.stderr
