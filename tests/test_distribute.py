"""`brief distribute`: marked per-recipient copies, TLP gating, encryption, email and the ledger,
on the fixture project (tests/fixtures/project) with the stakeholder list
tests/fixtures/distribute_stakeholders.yaml.

A real SMTP server (aiosmtpd, on 127.0.0.1 with a free port) runs in a thread for the whole
session; its handler records every accepted message and refuses the addresses in `reject`
with 550. A run that must die mid-way is killed for real: the handler sends SIGKILL to the
sending process when a given message's DATA arrives (and does not keep that message).
"""

from __future__ import annotations

import csv
import email
import hashlib
import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
from email import policy
from pathlib import Path

import pytest

from conftest import ZH_TOPIC
from helpers import FIXTURES, files_under, line_containing, load_yaml, pdftotext, replace_once

pikepdf = pytest.importorskip("pikepdf")
pytest.importorskip("aiosmtpd")

LIST = FIXTURES / "distribute_stakeholders.yaml"
TOPIC = ZH_TOPIC
BASE = ("--topic", TOPIC, "--tlp", "TLP:AMBER")
# (recipient, file) of every copy the fixture list gets with BASE; dee is refused (TLP:GREEN).
COPIES = {("ana", f"ana/{TOPIC}.en.pdf"), ("bo", f"bo/{TOPIC}.zh.pdf"),
          ("cy", f"cy/{TOPIC}.en.pdf"), ("cy", f"cy/{TOPIC}.en.docx")}
ADDRESS = {"ana": "ana@example.org", "bo": "bo@example.org", "cy": "cy@example.com", "dee": "dee@example.com"}


# ---- the SMTP server -----------------------------------------------------------------------


class Recorder:
    """aiosmtpd handler: records accepted messages; refuses RCPT TO for addresses in `reject`.

    `kill_on(pid, n)` arms it: when the n-th message's DATA arrives from then on, the handler
    sends SIGKILL to `pid` and keeps nothing of that message. Sending is sequential, so by then
    the sender has recorded the acceptance of the message before it."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []
        self.reject: set[str] = set()
        self.lock = threading.Lock()
        self.kill: list | None = None  # [pid, DATA commands left until the kill]
        self.killed: int | None = None  # the pid killed

    def kill_on(self, pid: int, n: int) -> None:
        with self.lock:
            self.kill, self.killed = [pid, n], None

    def disarm(self) -> None:
        with self.lock:
            self.kill = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.kill is not None:
                self.kill[1] -= 1
                if self.kill[1] == 0:
                    pid, self.kill = self.kill[0], None
                    os.kill(pid, signal.SIGKILL)
                    self.killed = pid
                    return "421 4.3.0 the sender was killed"
            self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def since(self, n: int) -> list[tuple[list[str], email.message.EmailMessage]]:
        with self.lock:
            return [(to, email.message_from_bytes(raw, policy=policy.default)) for to, raw in self.messages[n:]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def smtp():
    from aiosmtpd.controller import Controller

    handler = Recorder()
    ctl = Controller(handler, hostname="127.0.0.1", port=free_port())
    ctl.start()
    handler.port = ctl.port
    yield handler
    ctl.stop()


def smtp_env(port: int) -> dict:
    return {"BRIEF_SMTP_HOST": "127.0.0.1", "BRIEF_SMTP_PORT": str(port), "BRIEF_SMTP_STARTTLS": "0",
            "BRIEF_SMTP_FROM": "Analysis Unit <briefs@example.org>", "BRIEF_SMTP_USER": "", "BRIEF_SMTP_PASSWORD": ""}


# ---- running the command -------------------------------------------------------------------


def command(project: Path, *args) -> list[str]:
    """`python -m brief --project P distribute ARGS`."""
    return [sys.executable, "-m", "brief", "--project", str(project), "distribute", *map(str, args)]


def command_env(env=None) -> dict:
    full = dict(os.environ, PYTHONIOENCODING="utf-8")
    full.pop("SOURCE_DATE_EPOCH", None)
    full.update(env or {})
    return full


def distribute(project: Path, *args, env=None) -> subprocess.CompletedProcess:
    """`brief --project P distribute ARGS` in a subprocess."""
    return subprocess.run(command(project, *args), env=command_env(env), capture_output=True, text=True,
                          encoding="utf-8", timeout=120)


def distribute_here(project: Path, *args, env=None):
    """The same command in this process, through the CLI app (faster); returns (exit code, stdout + stderr)."""
    from helpers import invoke

    r = invoke(["--project", str(project), "distribute", *map(str, args)], env=env)
    if r.exception is not None:
        raise r.exception
    return r.exit_code, r.output


def ledger_rows(out: Path) -> list[dict]:
    db = sqlite3.connect(out / "ledger.sqlite")
    db.row_factory = sqlite3.Row
    rows = [dict(r) for r in db.execute("SELECT * FROM messages")]
    db.close()
    return rows


def passwords(out: Path) -> dict[str, str]:
    with open(out / "passwords.csv", newline="", encoding="utf-8") as fh:
        return {r["recipient"]: r["password"] for r in csv.DictReader(fh)}


# ---- one full distribution, shared by many tests -------------------------------------------


@pytest.fixture(scope="session")
def full(smtp, project_root, tmp_path_factory):
    """A dry run, then --send, then the same --send again, into one output directory."""
    out = tmp_path_factory.mktemp("dist") / "out"
    env = smtp_env(smtp.port)
    n0 = len(smtp.messages)
    dry = distribute(project_root, "--list", LIST, *BASE, "--out", out, env=env)
    n1 = len(smtp.messages)
    send = distribute(project_root, "--list", LIST, *BASE, "--out", out, "--send", env=env)
    n2 = len(smtp.messages)
    again = distribute(project_root, "--list", LIST, *BASE, "--out", out, "--send", env=env)
    return {"out": out, "project": project_root, "dry": dry, "send": send, "again": again, "dry_sent": n1 - n0,
            "received": smtp.since(n1)[: n2 - n1], "again_sent": len(smtp.messages) - n2}


def test_dry_run_shows_each_message_and_sends_nothing(full):
    r = full["dry"]
    assert r.returncode == 0, r.stderr
    assert full["dry_sent"] == 0
    assert r.stdout.count("would send: ") == len(COPIES)
    assert "To: Ana Ferreira <ana@example.org>" in r.stdout
    assert "Subject: [TLP:AMBER] " in r.stdout
    size = (full["out"] / "ana" / f"{TOPIC}.en.pdf").stat().st_size
    assert f"Attachment: ana/{TOPIC}.en.pdf ({size:,} bytes, application/pdf, encrypted)" in r.stdout
    assert "nothing was sent" in r.stdout


def test_full_send_delivers_one_message_per_copy(full):
    r = full["send"]
    assert r.returncode == 0, r.stdout + r.stderr
    got = {(to[0], next(m.iter_attachments()).get_filename()) for to, m in full["received"]}
    assert len(full["received"]) == len(COPIES) == len(got)
    assert sorted(to[0] for to, _ in full["received"]) == sorted(ADDRESS[rid] for rid, _ in COPIES)
    assert "messages: 4 sent, 0 already sent, 0 failed" in r.stdout
    rows = ledger_rows(full["out"])
    assert {(x["recipient"], x["file"]) for x in rows} == COPIES
    assert all(x["status"] == "sent" and x["accepted_at"] for x in rows)


def test_rerun_sends_nothing(full):
    r = full["again"]
    assert r.returncode == 0, r.stdout + r.stderr
    assert full["again_sent"] == 0
    assert "messages: 0 sent, 4 already sent, 0 failed" in r.stdout
    assert "copies: 0 written, 4 unchanged" in r.stdout


def test_message_carries_tlp_bottom_line_and_the_copy(full):
    topic = load_yaml(full["project"] / "briefs" / f"{TOPIC}.yaml")
    manifest = {row["file"]: row for row in json.loads((full["out"] / "manifest.json").read_text())["copies"]}
    for to, msg in full["received"]:
        lang = "zh" if to == ["bo@example.org"] else "en"
        # The whole subject, compared with folding whitespace normalised: Python's email package
        # folds a long Subject right after "Subject:", and reads the value back with a leading space.
        assert " ".join(msg["Subject"].split()) == f"[TLP:AMBER] {' '.join(topic['title'][lang].split())}"
        body = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert body.startswith("TLP:AMBER\n")
        assert "Handling: TLP:AMBER." in body or "处理要求: TLP:AMBER." in body
        first = " ".join(topic["bottom_line"][0][lang].split())
        assert first in " ".join(body.split())
        (att,) = list(msg.iter_attachments())
        data = att.get_content()
        rid = next(k for k, v in ADDRESS.items() if v == to[0])
        row = manifest[f"{rid}/{att.get_filename()}"]
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
        # The Message-ID names what the recipient receives, whatever the bytes of the copy.
        from brief.distribute.mail import message_id

        key = (rid, TOPIC, row["language"], row["format"], row["brief_sha256"])
        assert msg["Message-ID"] == message_id(key, "Analysis Unit <briefs@example.org>")


def test_tlp_refusal_is_named_in_the_report(full):
    r = full["send"]
    line = line_containing(LIST, "- id: dee")
    assert f"refused: dee ({LIST}:{line}): '{TOPIC}' is TLP:AMBER, above the recipient's clearance TLP:GREEN" in r.stdout
    assert not (full["out"] / "dee").exists()
    assert all(to != ["dee@example.com"] for to, _ in full["received"])
    refused = json.loads((full["out"] / "manifest.json").read_text())["refused"]
    assert refused == [{"recipient": "dee", "topic": TOPIC, "tlp": "TLP:AMBER", "clearance": "TLP:GREEN",
                        "reason": f"'{TOPIC}' is TLP:AMBER, above the recipient's clearance TLP:GREEN"}]


def test_manifest_lists_every_copy_with_its_hash(full):
    out = full["out"]
    with open(out / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["recipient"], r["file"]) for r in rows} == COPIES
    for r in rows:
        assert {"recipient", "file", "topic", "language", "tlp", "sha256", "encrypted"} <= set(r)
        assert r["sha256"] == hashlib.sha256((out / r["file"]).read_bytes()).hexdigest()
        assert r["tlp"] == "TLP:AMBER" and r["topic"] == TOPIC
        assert r["encrypted"] == ("yes" if r["recipient"] == "ana" else "no")
        assert r["language"] == ("zh" if r["recipient"] == "bo" else "en")
    assert not [p for p in files_under(out) if p.suffix == ".tmp"]


def test_encrypted_copy_opens_only_with_its_password(full):
    path = full["out"] / "ana" / f"{TOPIC}.en.pdf"
    pw = passwords(full["out"])["ana"]
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(path)
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(path, password=pw[:-1] + ("x" if pw[-1] != "x" else "y"))
    with pikepdf.open(path, password=pw) as pdf:
        assert pdf.is_encrypted and len(pdf.pages) > 1
        enc = pdf.encryption
        assert enc.R == 6 and enc.bits == 256 and "aesv3" in str(enc.stream_method).lower()
    assert "Ana Ferreira" in pdftotext(path, "-upw", pw)


def test_passwords_file_is_private_and_passwords_appear_nowhere_else(full):
    out = full["out"]
    pw_file = out / "passwords.csv"
    assert stat.S_IMODE(pw_file.stat().st_mode) == 0o600
    pws = passwords(out)
    assert set(pws) == {"ana"} and len(pws["ana"]) >= 16
    places = [full[k].stdout + full[k].stderr for k in ("dry", "send", "again")]
    places += [p.read_bytes().decode("latin-1") for p in files_under(out) if p != pw_file]
    places += [m.as_string() for _, m in full["received"]]
    for pw in pws.values():
        assert not any(pw in text for text in places)


def test_pdftotext_shows_the_marking_on_every_page(full):
    out = full["out"]
    for rid, file, name in (("cy", f"cy/{TOPIC}.en.pdf", "Cy Thompson"), ("bo", f"bo/{TOPIC}.zh.pdf", "王博")):
        pages = pdftotext(out / file).split("\f")
        pages = [p for p in pages if p.strip()]
        row = next(c for c in json.loads((out / "manifest.json").read_text())["copies"] if c["file"] == file)
        for text in pages:
            assert name in text and "TLP:AMBER" in text and row["brief_sha256"][:12] in text and row["date"] in text
        if rid == "cy":
            assert "Example Holdings <R&D>" in pages[0]  # escaped for reportlab, shown literally


def test_docx_copy_is_marked_in_its_footer(full):
    import docx

    d = docx.Document(str(full["out"] / "cy" / f"{TOPIC}.en.docx"))
    footer = " ".join(p.text for s in d.sections for p in s.footer.paragraphs)
    assert "Cy Thompson" in footer and "Example Holdings <R&D>" in footer and "TLP:AMBER" in footer


def test_ledger_command_lists_the_messages(full):
    code, text = distribute_here(full["project"], "--ledger", "--out", full["out"])
    assert code == 0, text
    assert text.count("\nsent ") + text.startswith("sent ") == 4 and "4 message(s): 4 sent" in text


# ---- crash, refusal, server down, changed brief ---------------------------------------------


def test_killed_mid_run_then_resume_sends_each_message_once(smtp, project_root, tmp_path):
    """SIGKILL when the third message's DATA arrives: two messages were accepted and recorded; the
    third was with the server, so the rerun reports it as possibly sent and sends only the fourth;
    with --resend-uncertain it goes out too (under the same Message-ID), and none twice."""
    out = tmp_path / "out"
    env = smtp_env(smtp.port)
    n0 = len(smtp.messages)
    proc = subprocess.Popen(command(project_root, "--list", LIST, *BASE, "--out", out, "--send"), env=command_env(env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    smtp.kill_on(proc.pid, 3)
    try:
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        smtp.disarm()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert smtp.killed == proc.pid and proc.returncode == -signal.SIGKILL, stdout + stderr
    assert len(smtp.messages) - n0 == 2
    rows = ledger_rows(out)
    assert sum(x["status"] == "sent" for x in rows) == 2
    assert [x["status"] for x in rows if x["status"] != "sent"] == ["sending"]  # the one in flight
    r = distribute(project_root, "--list", LIST, *BASE, "--out", out, "--send", env=env)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "messages: 1 sent, 2 already sent, 0 failed, 1 may have been sent" in r.stdout
    assert "may have been sent:" in r.stdout and "--resend-uncertain" in r.stderr
    assert len(smtp.messages) - n0 == 3
    r = distribute(project_root, "--list", LIST, *BASE, "--out", out, "--send", "--resend-uncertain", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "messages: 1 sent, 3 already sent, 0 failed" in r.stdout
    ids = [m["Message-ID"] for _, m in smtp.since(n0)]
    assert len(ids) == len(set(ids)) == len(COPIES)
    assert {(x["recipient"], x["file"]) for x in ledger_rows(out) if x["status"] == "sent"} == COPIES


def test_refused_recipient_fails_alone_and_is_retried(smtp, project_root, tmp_path):
    out = tmp_path / "out"
    env = smtp_env(smtp.port)
    n0 = len(smtp.messages)
    smtp.reject = {"cy@example.com"}
    try:
        code, text = distribute_here(project_root, "--list", LIST, *BASE, "--out", out, "--send", env=env)
    finally:
        smtp.reject = set()
    assert code == 3, text
    line = line_containing(LIST, "- id: cy")
    failed = [ln for ln in text.splitlines() if ln.startswith("error: cy (")]
    assert len(failed) == 2 and all(f":{line})" in ln and "550" in ln and "cy@example.com" in ln for ln in failed), text
    assert sorted(to[0] for to, _ in smtp.since(n0)) == ["ana@example.org", "bo@example.org"]
    assert {x["recipient"]: x["status"] for x in ledger_rows(out)} == {"ana": "sent", "bo": "sent", "cy": "failed"}
    n1 = len(smtp.messages)
    code, text = distribute_here(project_root, "--list", LIST, *BASE, "--out", out, "--send", env=env)
    assert code == 0, text
    assert sorted(to[0] for to, _ in smtp.since(n1)) == ["cy@example.com", "cy@example.com"]


def test_server_down_fails_every_recipient_and_exits_nonzero(smtp, project_root, tmp_path):
    out = tmp_path / "out"
    n0 = len(smtp.messages)
    code, text = distribute_here(project_root, "--list", LIST, *BASE, "--out", out, "--send", env=smtp_env(free_port()))
    assert code == 3, text
    errors = [ln for ln in text.splitlines() if ln.startswith("error: ")]
    assert {ln.split()[1] for ln in errors} == {"ana", "bo", "cy"} and len(errors) == 4
    assert "cannot connect to 127.0.0.1" in text
    assert len(smtp.messages) == n0
    assert all(x["status"] == "failed" for x in ledger_rows(out))
    assert all((out / f).is_file() for _, f in COPIES)  # the copies are made; only the mail failed


def test_changed_brief_is_sent_again(smtp, sample_project, tmp_path):
    project = sample_project
    out = tmp_path / "out"
    env = smtp_env(smtp.port)
    n0 = len(smtp.messages)
    code, text = distribute_here(project, "--list", LIST, "--topic", TOPIC, "--out", out, "--send", env=env)
    assert code == 0 and "5 sent" in text, text
    assert len(smtp.messages) - n0 == 5  # without --tlp the brief is TLP:CLEAR: dee gets it too
    before = {(x["recipient"], x["sha256"]) for x in ledger_rows(out)}
    topic = project / "briefs" / f"{TOPIC}.yaml"
    text0 = topic.read_text(encoding="utf-8")
    old = load_yaml(topic)["bottom_line"][0]["en"].split(". ")[0]
    replace_once(topic, old, old + " (revised)")
    assert topic.read_text(encoding="utf-8") != text0
    n1 = len(smtp.messages)
    code, text = distribute_here(project, "--list", LIST, "--topic", TOPIC, "--out", out, "--send", env=env)
    assert code == 0, text
    assert "4 sent, 1 already sent" in text, text  # the English copies changed; the Chinese one did not
    assert {to[0] for to, _ in smtp.since(n1)} == {"ana@example.org", "cy@example.com", "dee@example.com"}
    assert len({(x["recipient"], x["sha256"]) for x in ledger_rows(out)} - before) == 4


def test_unchanged_brief_keeps_its_date_and_hash_on_a_later_day(project_root, tmp_path, monkeypatch):
    """The run's day is a value (Request.today): a second run on a later day rebuilds the
    unchanged brief with the date of the first, byte for byte."""
    import datetime

    from brief.corpus.load import load_project
    from brief.distribute.run import DistributionLock, Request, prepare

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = tmp_path / "out"
    one = tmp_path / "one.yaml"
    text = LIST.read_text(encoding="utf-8")
    one.write_text(text[: text.index("  - id: bo")], encoding="utf-8")  # ana only (encrypted)
    runs = []
    for day in (1, 2):
        req = Request(one, out, topic=TOPIC, today=datetime.date(2030, 1, day))
        with DistributionLock(out) as lock:
            runs.append(prepare(load_project(project_root), req, lock, echo=lambda s: None))
    first, second = runs
    assert [c.status for c in second.copies] == ["unchanged"]
    assert second.copies[0].sha256 == first.copies[0].sha256
    assert second.copies[0].brief.date == "2030-01-01"
    assert "2030-01-01" in pdftotext(out / f"ana/{TOPIC}.en.pdf", "-upw", passwords(out)["ana"])


def test_failure_while_marking_leaves_nothing_behind(project_root, tmp_path, monkeypatch):
    from brief.corpus.load import load_project
    from brief.distribute import crypt
    from brief.distribute.run import DistributionLock, Request, prepare
    from brief.errors import OutputError

    def boom(pdf, password):
        raise OutputError("disk full (simulated)")

    monkeypatch.setattr(crypt, "encrypt_pdf", boom)
    out = tmp_path / "out"
    with pytest.raises(OutputError):
        with DistributionLock(out) as lock:
            prepare(load_project(project_root), Request(LIST, out, topic=TOPIC), lock, echo=lambda s: None)
    assert not out.exists()


# ---- SMTP settings ---------------------------------------------------------------------------


def test_smtp_settings_refuse_plain_text_to_a_remote_host(tmp_path):
    from brief.distribute.mail import load_settings
    from brief.errors import InputError

    env = {"BRIEF_SMTP_HOST": "smtp.example.org", "BRIEF_SMTP_STARTTLS": "0", "BRIEF_SMTP_FROM": "a@example.org"}
    with pytest.raises(InputError, match="BRIEF_SMTP_STARTTLS: STARTTLS may be turned off only for a loopback host"):
        load_settings(env)
    s = load_settings({**env, "BRIEF_SMTP_STARTTLS": "1", "BRIEF_SMTP_USER": "u", "BRIEF_SMTP_PASSWORD": "s3cret-pw"})
    assert s.starttls and s.port == 587 and "s3cret-pw" not in repr(s) + s.describe()
    with pytest.raises(InputError, match="no SMTP server configured"):
        load_settings({})
    cfg = tmp_path / "smtp.yaml"
    cfg.write_text("host: smtp.example.org\nfrom: a@example.org\nuser: u\npassword: pw\n", encoding="utf-8")
    cfg.chmod(0o644)
    with pytest.raises(InputError, match=rf"{cfg}:4: this file holds a password but others can read it"):
        load_settings({}, cfg)
    cfg.chmod(0o600)
    assert load_settings({"BRIEF_SMTP_PORT": "2525"}, cfg).port == 2525


def test_starttls_is_required_when_on(smtp):
    from brief.distribute.mail import Sender, SendFailure, SmtpSettings

    sender = Sender(SmtpSettings("127.0.0.1", smtp.port, True, "a@example.org"))
    with pytest.raises(SendFailure, match="does not offer STARTTLS"):
        sender.send(None, "x@example.org")


def test_cli_refuses_plain_text_to_a_remote_host_before_building(project_root, tmp_path):
    out = tmp_path / "out"
    env = {"BRIEF_SMTP_HOST": "smtp.example.org", "BRIEF_SMTP_STARTTLS": "0", "BRIEF_SMTP_FROM": "a@example.org"}
    code, text = distribute_here(project_root, "--list", LIST, *BASE, "--out", out, "--send", env=env)
    assert code == 1 and "error: BRIEF_SMTP_STARTTLS:" in text, text
    assert not out.exists()


# ---- bad input: exit 1, the recipient and file:line, nothing written -----------------------


def bad_list(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "stakeholders.yaml"
    text = LIST.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


BAD = {
    "missing email": ("    email: bo@example.org\n", "", "bo", "- id: bo", "missing field 'email'"),
    "invalid email": ("cy@example.com", "cy.example.com", "cy", "cy.example.com", "is not a valid email address"),
    "duplicate id": ("- id: dee", "- id: ana", "ana", "- id: ana\n    name: Dee", "duplicate recipient id 'ana'"),
    "unknown topic": ("[sovereign-compute, compute-divide]", "[sovereign-compute, compute-divde]", "cy",
                      "compute-divde", "unknown topic 'compute-divde'"),
    "unknown language": ("    language: zh\n", "    language: fr\n", "bo", "language: fr", "unknown language 'fr'"),
    "clearance not a TLP label": ("clearance: TLP:GREEN", "clearance: SECRET", "dee", "clearance: SECRET", "clearance"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_stakeholder_list(case, project_root, tmp_path):
    old, new, rid, needle, phrase = BAD[case]
    path = bad_list(tmp_path, old, new)
    out = tmp_path / "out"
    code, text = distribute_here(project_root, "--list", path, *BASE, "--out", out)
    assert code == 1, text
    if "\n" in needle:  # the duplicate: the second entry's id line
        first, second = needle.split("\n")
        line = line_containing(path, first, start=line_containing(path, second.strip()) - 2)
    else:
        line = line_containing(path, needle)
    hits = [ln for ln in text.splitlines() if f"{path}:{line}: recipient '{rid}'" in ln]
    assert hits and phrase in hits[0], text
    assert "Traceback" not in text
    assert not out.exists()


def test_clearance_error_lists_the_tlp_labels(project_root, tmp_path):
    path = bad_list(tmp_path, "clearance: TLP:GREEN", "clearance: SECRET")
    code, text = distribute_here(project_root, "--list", path, *BASE, "--out", tmp_path / "out")
    assert code == 1 and "'TLP:CLEAR'" in text and "'TLP:AMBER+STRICT'" in text, text


def test_output_dir_in_the_way_names_the_recipient(project_root, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "bo").write_text("not a folder", encoding="utf-8")
    code, text = distribute_here(project_root, "--list", LIST, *BASE, "--out", out)
    assert code == 1, text
    line = line_containing(LIST, "- id: bo")
    assert f"recipient 'bo' ({LIST}:{line})" in text, text
    assert "is a file" in text
    assert files_under(out) == [out / ".distribute.lock", out / "bo"]  # (and the empty lock file a run takes)


def test_unwritable_output_dir(project_root, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root ignores directory permissions")
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o500)
    try:
        code, text = distribute_here(project_root, "--list", LIST, *BASE, "--out", out / "dist")
    finally:
        out.chmod(0o700)
    assert code == 1 and "cannot create output directory" in text, text
    assert files_under(out) == []


def test_unknown_topic_on_the_command_line(project_root, tmp_path):
    typo = TOPIC[:-1]
    code, text = distribute_here(project_root, "--list", LIST, "--topic", typo, "--out", tmp_path / "out")
    assert code == 1 and f"unknown topic '{typo}'" in text and f"did you mean '{TOPIC}'?" in text, text


def test_tlp_option_never_lowers_a_label(project_root, tmp_path):
    code, text = distribute_here(project_root, "--list", LIST, "--topic", TOPIC, "--tlp", "TLP:PURPLE", "--out", tmp_path / "out")
    assert code == 1 and "'TLP:PURPLE' is not a TLP label" in text, text
