"""`prepare()` builds, gates, marks, encrypts and writes the copies; `deliver()` emails them.

prepare, as a list of stages:

    load the stakeholder list -> choose topics -> gate every (recipient, topic) by TLP
    -> check the output folders -> build each brief once per language (library, in memory)
    -> mark a copy per recipient and format -> encrypt where asked
    -> write passwords.csv (0600), the copies, the ledger's copy rows, the manifest (CSV + JSON)

Nothing is written until every copy is ready in memory, so bad input or a failed build leaves
no file behind; each file is written to a temporary name and renamed.

Dates are values: `Request.today` is the day of this run, and `Request.pinned` says the caller
fixed it (SOURCE_DATE_EPOCH). A brief carries the date its content was first built for this
output directory (kept in the ledger), so an unchanged brief is rebuilt byte for byte on any
later day, its copies keep their SHA-256, and a rerun sends nothing twice; a pinned date wins.

deliver, per copy: skip it if the ledger has it as sent; otherwise (with --send) mark it
`sending`, hand it to the SMTP server, and mark it `sent` the moment the server accepts it.
Without --send it prints what would be sent and sends nothing.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from brief.distribute.stakeholders import TLP_ORDER, RecipientEntry, cleared
from brief.errors import InputError, OutputError, Problem

MANIFEST_CSV = "manifest.csv"
MANIFEST_JSON = "manifest.json"
MANIFEST_FIELDS = ("recipient", "name", "organisation", "file", "topic", "language", "format", "tlp",
                   "sha256", "encrypted", "version", "brief_sha256", "date")

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Request:
    """What `brief distribute` was asked to do."""

    list_path: Path
    out_dir: Path
    topic: str | None = None       # one topic id, or
    all_topics: bool = False       # every topic each recipient asked for
    tlp: str | None = None         # mark this distribution at a label above the topics' own
    today: datetime.date | None = None  # the day of this run (None: today)
    pinned: bool = False           # `today` is fixed by the caller: it wins over the ledger's dates


@dataclass
class Brief:
    """One brief built once for all recipients of a language: bytes per format."""

    topic: str
    lang: str
    tlp: str
    date: str
    title: str
    question: str
    bottom_line: list[str]
    data: dict[str, bytes]
    fingerprint: str  # SHA-256 of the document model: the content, whatever the bytes
    version: str = ""  # the topic's `version`


@dataclass
class Copy:
    """One marked copy for one recipient; `key` is what the recipient receives, which names its
    message in the ledger."""

    recipient: RecipientEntry
    brief: Brief
    fmt: str
    file: str              # relative to the output directory: <recipient>/<topic>.<lang>.<fmt>
    path: Path
    sha256: str            # of the file as written (encrypted if encrypted)
    plain_sha256: str      # of the marked copy before encryption
    brief_sha256: str      # of the built, unmarked brief
    size: int
    encrypted: bool
    data: bytes | None     # None when the copy on disk is kept unchanged
    status: str = "written"  # written | unchanged

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.recipient.id, self.brief.topic, self.brief.lang, self.fmt, self.brief_sha256)

    @property
    def mode(self) -> int:
        """Copies above TLP:CLEAR are readable by their owner only."""
        return 0o644 if self.brief.tlp == "TLP:CLEAR" else 0o600


@dataclass(frozen=True)
class Refusal:
    """A copy not made: the brief's label is above the recipient's clearance."""

    recipient: RecipientEntry
    topic: str
    tlp: str

    @property
    def reason(self) -> str:
        return f"'{self.topic}' is {self.tlp}, above the recipient's clearance {self.recipient.recipient.clearance}"


@dataclass
class Distribution:
    out_dir: Path
    copies: list[Copy] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    passwords: Path | None = None


@dataclass
class Delivery:
    sent: int = 0
    already: int = 0
    would_send: int = 0
    failed: list[tuple[Copy, str]] = field(default_factory=list)
    uncertain: list[Copy] = field(default_factory=list)  # may have been delivered; not sent again


# ---- the lock -------------------------------------------------------------------------------


class DistributionLock:
    """One distribution at a time per output directory, held for the whole run: from reading
    the ledger and passwords.csv to the last message. A second run refuses at once.

    Entering creates the output directory if need be (after checking it can be created); if the
    run then fails before writing anything, the directory it created is removed again."""

    NAME = ".distribute.lock"

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.created: list[Path] = []
        self.fh = None

    def __enter__(self) -> "DistributionLock":
        import fcntl

        from brief.outputs import check_out_dir

        check_out_dir(self.out_dir)
        missing = []
        p = self.out_dir
        while not p.exists():
            missing.append(p)
            p = p.parent
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self.created = list(reversed(missing))
            self.fh = open(self.out_dir / self.NAME, "a+")
        except OSError as e:
            self._cleanup()
            raise OutputError(Problem(str(self.out_dir), None, f"cannot create output directory: {e.strerror}",
                                      "choose another directory with --out DIR")) from None
        try:
            # A POSIX record lock: unlike flock(), a forked child (the PDF writer's worker) does not
            # inherit it, so the lock ends with this run, never later with a worker.
            fcntl.lockf(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.fh.close()
            self.fh = None
            raise OutputError(Problem(str(self.out_dir), None, "another `brief distribute` is using this output directory",
                                      "wait for it to finish, then run the same command again")) from None
        return self

    @property
    def held(self) -> bool:
        return self.fh is not None

    def __exit__(self, *exc) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None
        self._cleanup()

    def _cleanup(self) -> None:
        """Remove the directories this run created if nothing but the lock file is in them."""
        for d in reversed(self.created):
            try:
                names = set(os.listdir(d))
                if names <= {self.NAME}:
                    if names:
                        os.unlink(d / self.NAME)
                    os.rmdir(d)
            except OSError:
                pass


# ---- prepare ---------------------------------------------------------------------------------


def prepare(project, req: Request, lock: DistributionLock, echo: Echo = print) -> Distribution:
    """Build, gate, mark, encrypt and write every copy; return what was made and refused.
    `lock` must be held on `req.out_dir`."""
    from brief.check import preflight
    from brief.distribute.stakeholders import load_stakeholders

    assert lock.held and lock.out_dir == req.out_dir
    entries = load_stakeholders(req.list_path, project)
    topic_ids = _choose_topics(project, req)
    _apply_tlp(project, topic_ids, req.tlp)
    selections = preflight(project, topic_ids)
    plan, refusals = _gate(entries, project, topic_ids)
    _check_dirs(req.out_dir, list({e.id: e for e, _, _ in plan}.values()))
    dist = Distribution(req.out_dir, refusals=refusals)
    if not plan:
        return dist
    from brief.distribute import crypt
    from brief.distribute.ledger import LEDGER, Ledger

    builds = {(tid, e.recipient.language) for e, tid, _ in plan}
    echo(f"building {len(builds)} brief(s) once each, then marking {len(plan)} cop{'y' if len(plan) == 1 else 'ies'}")
    pw_path = req.out_dir / crypt.PASSWORDS
    state = Ledger(req.out_dir / LEDGER) if (req.out_dir / LEDGER).is_file() else None
    try:
        passwords = crypt.read_passwords(pw_path)
        if state is not None:
            _check_passwords_kept(pw_path, passwords, state, plan)
        briefs = _build(project, plan, state, selections, req)
        dist.copies = _mark(project, plan, briefs, req.out_dir, state, passwords)
    finally:
        if state is not None:
            state.close()
    _write(dist, briefs, passwords, pw_path)
    return dist


def _check_passwords_kept(pw_path: Path, passwords: dict[str, dict], state, plan) -> None:
    """Recipients with encrypted copies keep their password: a lost passwords.csv is an error,
    never a silent new password (and a second copy under it)."""
    wanted = {e.id for e, _, fmt in plan if e.recipient.encrypt and fmt == "pdf"}
    lost = sorted((state.encrypted_recipients() & wanted) - set(passwords))
    if lost:
        what = "is missing" if not pw_path.exists() else "has no password for " + ", ".join(lost)
        raise InputError(Problem(str(pw_path), None,
                                 f"{pw_path.name} {what}, but the ledger records encrypted copies made for "
                                 f"{', '.join(lost)}",
                                 "restore passwords.csv from your backup and run again; to start over with new "
                                 "passwords (every copy is then sent again), use a new --out DIR"))


def _choose_topics(project, req: Request) -> list[str]:
    from brief.select import get_topic

    if req.topic and req.all_topics:
        raise InputError(Problem(None, None, "both --topic and --all given", "use one of them"))
    if not req.topic and not req.all_topics:
        raise InputError(Problem(None, None, "no topic given", "use --topic ID or --all (see `brief topics`)"))
    return [get_topic(project, req.topic).topic.id] if req.topic else sorted(project.topics)


def _apply_tlp(project, topic_ids: list[str], label: str | None) -> None:
    """--tlp: mark the briefs at a higher label than their own (never a lower one)."""
    import dataclasses

    if label is None:
        return
    if label not in TLP_ORDER:
        raise InputError(Problem(None, None, f"--tlp: '{label}' is not a TLP label", f"choose from {', '.join(TLP_ORDER)}"))
    for tid in topic_ids:
        entry = project.topics[tid]
        if TLP_ORDER[label] < TLP_ORDER[entry.topic.tlp]:
            raise InputError(Problem(entry.loc.path, entry.data.lines.get("tlp"),
                                     f"--tlp {label} is below the topic's own label {entry.topic.tlp}",
                                     "a distribution may raise a brief's TLP label, never lower it"))
        project.topics[tid] = dataclasses.replace(entry, topic=entry.topic.model_copy(update={"tlp": label}))


def _gate(entries: list[RecipientEntry], project, topic_ids: list[str]):
    """Every (recipient, topic, format) to make, and every (recipient, topic) refused by TLP."""
    plan: list[tuple[RecipientEntry, str, str]] = []
    refusals: list[Refusal] = []
    for e in entries:
        for tid in topic_ids:
            if not e.wants(tid):
                continue
            label = project.topics[tid].topic.tlp
            if not cleared(label, e.recipient.clearance):
                refusals.append(Refusal(e, tid, label))
                continue
            for fmt in e.recipient.formats:
                plan.append((e, tid, fmt))
    return plan, refusals


def _check_dirs(out_dir: Path, recipients: list[RecipientEntry]) -> None:
    """Each recipient's folder can be written (nothing is created yet)."""
    from brief.outputs import check_out_dir

    problems = []
    for e in recipients:
        try:
            check_out_dir(out_dir / e.id)
        except OutputError as err:
            problems.extend(Problem(p.path, p.line, f"recipient '{e.id}' ({e.where}): {p.message}", p.hint)
                            for p in err.problems)
    if problems:
        raise OutputError(problems)


def _fingerprint(built) -> str:
    return hashlib.sha256(repr(built.document).encode("utf-8")).hexdigest()


def _build(project, plan, state, selections, req: Request) -> dict[tuple[str, str], Brief]:
    """Each (topic, language) once, in every format its recipients asked for."""
    from brief.build import compose_document, render_formats

    wanted: dict[tuple[str, str], list[str]] = {}
    for e, tid, fmt in plan:
        fmts = wanted.setdefault((tid, e.recipient.language), [])
        if fmt not in fmts:
            fmts.append(fmt)
    briefs = {}
    today = req.today or datetime.date.today()
    for (tid, lang), fmts in wanted.items():
        topic = project.topics[tid].topic
        built = None
        date = today
        if not req.pinned and state is not None:
            row = state.brief(tid, lang, topic.tlp)
            if row is not None:
                old = datetime.date.fromisoformat(row["date"])
                candidate = compose_document(project, tid, lang, date=old, selection=selections[tid])
                if _fingerprint(candidate) == row["fingerprint"]:
                    built, date = candidate, old
        order = tuple(sorted(fmts, key=("docx", "pdf", "html").index))
        if built is None:
            built = compose_document(project, tid, lang, date=date, selection=selections[tid])
        datas = render_formats(built.document, project.root, order)
        meta = built.document.meta
        briefs[(tid, lang)] = Brief(tid, lang, topic.tlp, date.isoformat(), meta.title, meta.subtitle,
                                    [getattr(s, lang, s.en) for s in topic.bottom_line], dict(zip(order, datas)),
                                    _fingerprint(built), str(getattr(topic, "version", "") or ""))
    return briefs


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _mark(project, plan, briefs, out_dir: Path, state, passwords: dict[str, dict]) -> list[Copy]:
    """Mark (and encrypt) every planned copy in memory; keep unchanged encrypted copies."""
    from brief.distribute import crypt
    from brief.distribute.stamp import Marking, PdfStamper, stamp_docx
    from brief.distribute.stamp_html import stamp_html
    from brief.i18n import load_strings

    stamper = PdfStamper(project.root) if any(fmt == "pdf" for _, _, fmt in plan) else None
    copies = []
    for e, tid, fmt in plan:
        r = e.recipient
        b = briefs[(tid, r.language)]
        base = b.data[fmt]
        brief_sha = _sha(base)
        t = load_strings(project.root, r.language)
        marking = Marking(r.name, r.organisation, b.date, b.version, brief_sha[:12], b.tlp)
        if fmt == "pdf":
            plain = stamper.stamp(base, marking, t)
        elif fmt == "html":
            plain = stamp_html(base, marking, t)
        else:
            plain = stamp_docx(base, marking, t, project.root)
        plain_sha = _sha(plain)
        file = f"{e.id}/{tid}.{r.language}.{fmt}"
        path = out_dir / e.id / f"{tid}.{r.language}.{fmt}"
        encrypt = r.encrypt and fmt == "pdf"
        copy = Copy(e, b, fmt, file, path, plain_sha, plain_sha, brief_sha, len(plain), encrypt, plain)
        if encrypt:
            pw = passwords.get(e.id, {}).get("password") or crypt.new_password()
            passwords[e.id] = {"recipient": e.id, "name": r.name, "email": r.email, "password": pw}
            row = state.copy(e.id, file) if state is not None else None
            if (row is not None and row["plain_sha256"] == plain_sha and row["encrypted"] and path.is_file()
                    and _sha(path.read_bytes()) == row["sha256"] and crypt.opens_with(path, pw)):
                copy.sha256, copy.size, copy.data, copy.status = row["sha256"], path.stat().st_size, None, "unchanged"
            else:
                copy.data = crypt.encrypt_pdf(plain, pw)
                copy.sha256, copy.size = _sha(copy.data), len(copy.data)
        elif path.is_file() and _sha(path.read_bytes()) == plain_sha:
            copy.data, copy.status = None, "unchanged"
        copies.append(copy)
    return copies


def _write(dist: Distribution, briefs, passwords: dict[str, dict], pw_path: Path) -> None:
    """Write passwords.csv, the copies and the manifests as one set (all or nothing), then record
    them in the ledger. Files that name recipients or hold copies above TLP:CLEAR are 0600."""
    from brief.outputs import write_set
    from brief.i18n import csv_cell
    from brief.distribute import crypt
    from brief.distribute.ledger import LEDGER, Ledger

    out = dist.out_dir
    files: list[tuple[Path, bytes, int]] = []
    if any(c.encrypted for c in dist.copies):
        files.append((pw_path, crypt.passwords_csv(passwords), 0o600))  # before the copies it opens
    files.extend((c.path, c.data, c.mode) for c in dist.copies if c.data is not None)
    rows = [manifest_row(c) for c in dist.copies]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    doc = {"copies": [dict(r, encrypted=c.encrypted) for r, c in zip(rows, dist.copies)],
           "refused": [{"recipient": f.recipient.id, "topic": f.topic, "tlp": f.tlp,
                        "clearance": f.recipient.recipient.clearance, "reason": f.reason} for f in dist.refusals]}
    files.append((out / MANIFEST_CSV, buf.getvalue().encode("utf-8"), 0o600))
    files.append((out / MANIFEST_JSON, (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"), 0o600))
    # The ledger is opened first, so that a ledger that cannot be opened stops the run before any
    # file is written; its rows are written in one transaction, committed only once the files are.
    existed = (out / LEDGER).exists()
    ledger = Ledger(out / LEDGER)
    try:
        ledger.db.execute("BEGIN")
        for c in dist.copies:
            ledger.set_copy(c.recipient.id, c.file, topic=c.brief.topic, lang=c.brief.lang, format=c.fmt,
                            tlp=c.brief.tlp, brief_sha256=c.brief_sha256, plain_sha256=c.plain_sha256,
                            sha256=c.sha256, encrypted=c.encrypted)
        for b in briefs.values():
            ledger.set_brief(b.topic, b.lang, b.tlp, b.date, b.fingerprint)
        write_set(files, what=lambda path: _whose(dist, path))
        ledger.db.execute("COMMIT")
    except sqlite3.Error as e:
        raise OutputError(Problem(str(out / LEDGER), None, f"cannot write the ledger: {e}",
                                  "fix its disk or permissions, then run the same command again")) from None
    except BaseException:
        if ledger.db.in_transaction:
            ledger.db.execute("ROLLBACK")
        if not existed:
            ledger.close()
            (out / LEDGER).unlink(missing_ok=True)
        raise
    finally:
        ledger.close()
    if any(c.encrypted for c in dist.copies):
        dist.passwords = pw_path
    for c in dist.copies:
        c.data = None  # free memory


def _whose(dist: Distribution, path: Path) -> str:
    for c in dist.copies:
        if c.path == path:
            return f"recipient '{c.recipient.id}' ({c.recipient.where}): "
    return ""


def manifest_row(c: Copy) -> dict:
    r = c.recipient.recipient
    return {"recipient": r.id, "name": r.name, "organisation": r.organisation, "file": c.file,
            "topic": c.brief.topic, "language": c.brief.lang, "format": c.fmt, "tlp": c.brief.tlp,
            "sha256": c.sha256, "encrypted": "yes" if c.encrypted else "no", "version": c.brief.version,
            "brief_sha256": c.brief_sha256, "date": c.brief.date}


# ---- deliver ---------------------------------------------------------------------------------


def letter_for(c: Copy, sender: str | None, t):
    from brief.distribute import mail

    r = c.recipient.recipient
    b = c.brief
    name = Path(c.file).name
    return mail.Letter(
        to_name=r.name, to_email=r.email,
        subject=mail.subject(b.tlp, b.title),
        body=mail.body(t=t, tlp=b.tlp, title=b.title, question=b.question, bottom_line=b.bottom_line,
                       filename=name, name=r.name, organisation=r.organisation, encrypted=c.encrypted),
        filename=name, fmt=c.fmt,
        message_id=mail.message_id(c.key, sender or "briefs@brief.invalid"))


def deliver(dist: Distribution, root: Path, lock: DistributionLock, *, send: bool, settings=None,
            echo: Echo = print, verbose: bool = False, sender_address: str | None = None,
            resend_uncertain: bool = False) -> Delivery:
    """Send every copy not yet accepted (with `send`), or show what would be sent. A message an
    earlier run was sending when it stopped may have been delivered: it is marked uncertain and
    sent again only with `resend_uncertain`. Without settings, `sender_address` is the From of
    the messages shown. `lock` must be held on the distribution's directory."""
    from brief.distribute import mail
    from brief.distribute.ledger import LEDGER, Ledger
    from brief.i18n import clean_text, load_strings

    assert lock.held and lock.out_dir == dist.out_dir
    result = Delivery()
    if not dist.copies:
        return result
    ledger = Ledger(dist.out_dir / LEDGER)
    sender = mail.Sender(settings) if send else None
    try:
        for c in dist.copies:
            r = c.recipient.recipient
            letter = letter_for(c, settings.sender if settings else sender_address, load_strings(root, c.brief.lang))
            row = ledger.message(c.key)
            if row is not None and row["status"] == "sent":
                result.already += 1
                echo(f"already sent: {r.id} <{r.email}> {c.file} (accepted {row['accepted_at']})")
                continue
            if row is not None and row["status"] in ("sending", "uncertain") and not resend_uncertain:
                if send and row["status"] == "sending":
                    ledger.uncertain(c.key)
                result.uncertain.append(c)
                echo(f"may have been sent: {r.id} <{r.email}> {c.file}: a run stopped while the server had it "
                     f"(Message-ID {row['message_id']}); not sent again without --resend-uncertain")
                continue
            if not send:
                result.would_send += 1
                kind = "/".join(mail.MIME[c.fmt])
                echo(f"would send: {r.id}\n  To: {clean_text(mail.to_header(letter))}\n  Subject: {clean_text(letter.subject)}\n"
                     f"  Attachment: {c.file} ({c.size:,} bytes, {kind}{', encrypted' if c.encrypted else ''})")
                if verbose:
                    echo("  Body:\n" + "".join(f"    {clean_text(ln)}\n" for ln in letter.body.splitlines()).rstrip("\n"))
                continue
            if row is not None and row["status"] in ("sending", "uncertain"):
                echo(f"note: {r.id} {c.file} may have been delivered by an earlier run; sending it again as asked "
                     f"(same Message-ID {letter.message_id})")
            ledger.sending(c.key, sha256=c.sha256, file=c.file, email=r.email, subject=letter.subject,
                           message_id=letter.message_id)
            try:
                data = c.path.read_bytes()
                if _sha(data) != c.sha256:
                    raise mail.SendFailure(f"{c.file} changed on disk since it was made; run again")
                sender.send(mail.to_bytes(letter, settings.sender, data), r.email)
            except OSError as e:
                ledger.failed(c.key, f"cannot read {c.file}: {e.strerror}")
                result.failed.append((c, f"cannot read {c.file}: {e.strerror}"))
                continue
            except mail.SendFailure as e:
                ledger.failed(c.key, str(e))
                result.failed.append((c, str(e)))
                echo(f"failed: {r.id} <{r.email}> {c.file}: {e}")
                continue
            try:
                ledger.sent(c.key)
            except sqlite3.Error as e:
                raise OutputError(Problem(str(dist.out_dir / LEDGER), None,
                                          f"the server accepted {c.file} for {r.id}, but the ledger could not record it: {e}",
                                          "fix the ledger's disk or permissions before running again: that message "
                                          "will be reported as possibly sent")) from None
            result.sent += 1
            echo(f"sent: {r.id} <{r.email}> {c.file}")
    except sqlite3.Error as e:
        raise OutputError(Problem(str(dist.out_dir / LEDGER), None, f"cannot write the ledger: {e}",
                                  "fix its disk or permissions, then run the same command again")) from None
    finally:
        if sender is not None:
            sender.close()
        ledger.close()
    return result
