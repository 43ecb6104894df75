"""Email: SMTP settings, one message per copy, and a sender that fails per message.

Settings come from environment variables or a config file, never from the command line:

    BRIEF_SMTP_HOST       server host name (required)
    BRIEF_SMTP_PORT       port (default 587)
    BRIEF_SMTP_STARTTLS   1 (default) or 0; 0 is allowed only for a loopback host
    BRIEF_SMTP_USER       user name for AUTH (optional; needs BRIEF_SMTP_PASSWORD)
    BRIEF_SMTP_PASSWORD   its password
    BRIEF_SMTP_FROM       sender address, e.g. "Analysis Unit <briefs@example.org>" (required)
    BRIEF_SMTP_TIMEOUT    seconds to wait for the server (default 30)

A config file (`--smtp-config FILE` or BRIEF_SMTP_CONFIG) holds the same keys in YAML (host,
port, starttls, user, password, from, timeout); a variable that is set wins over the file. A file
holding a password must not be readable by group or others. STARTTLS is verified against the
system's CA store (ssl.create_default_context).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field

from brief.corpus.schema import Strict
from brief.errors import InputError, Problem
from brief.i18n import clean_text

ENV_CONFIG = "BRIEF_SMTP_CONFIG"

class SmtpConfigFile(Strict):
    """An SMTP config file (YAML). Every key is optional; environment variables win."""

    host: str | None = Field(None, min_length=1, description="Server host name.")
    port: int | None = Field(None, ge=1, le=65535, description="Port (default 587).")
    starttls: bool | None = Field(None, description="Use STARTTLS (default true; false only for a loopback host).")
    user: str | None = Field(None, description="User name for AUTH.")
    password: str | None = Field(None, description="Password for AUTH. The file must then be mode 0600.")
    from_: str | None = Field(None, alias="from", description="Sender address.")
    timeout: float | None = Field(None, gt=0, description="Seconds to wait for the server (default 30).")


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. The password is never printed (repr=False)."""

    host: str
    port: int
    starttls: bool
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    @property
    def envelope_from(self) -> str:
        from email.utils import parseaddr

        return parseaddr(self.sender)[1]

    def describe(self) -> str:
        tls = "STARTTLS" if self.starttls else "no TLS (loopback)"
        auth = f", user {self.user}" if self.user else ""
        return f"{self.host}:{self.port} ({tls}{auth}), from {self.sender}"


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bool(text: str, var: str) -> bool:
    v = text.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise InputError(Problem(var, None, f"'{text}' is not 1 or 0", "set it to 1 (STARTTLS, the default) or 0"))


def load_settings(environ: dict | None = None, config: Path | None = None) -> SmtpSettings:
    """SMTP settings from a config file (optional) and the environment (which wins)."""
    from email.utils import parseaddr

    from brief.distribute.stakeholders import email_problem

    env = dict(os.environ if environ is None else environ)
    if config is None and env.get(ENV_CONFIG):
        config = Path(env[ENV_CONFIG])
    values: dict = {}
    where: dict[str, tuple[str, int | None]] = {}
    if config is not None:
        from brief.corpus import yamlio
        from brief.corpus.validate import validate

        if not config.is_file():
            raise InputError(Problem(str(config), None, "SMTP config file not found", "give an existing file, or use BRIEF_SMTP_* variables"))
        data = yamlio.load(config, str(config))
        cf: SmtpConfigFile = validate(SmtpConfigFile, data, str(config), "SMTP config")
        if cf.password is not None and config.stat().st_mode & 0o077:
            raise InputError(Problem(str(config), data.lines.get("password"), "this file holds a password but others can read it",
                                     f"chmod 600 {config}"))
        for key, val in cf.model_dump(by_alias=True).items():
            if val is not None:
                values[key] = val
                where[key] = (str(config), data.lines.get(key))
    for key in ("host", "port", "starttls", "user", "password", "from", "timeout"):
        var = f"BRIEF_SMTP_{key.upper()}"
        if env.get(var, "") != "":
            values[key] = env[var]
            where[key] = (var, None)

    def problem(key: str, message: str, hint: str | None) -> InputError:
        path, line = where.get(key, (f"BRIEF_SMTP_{key.upper()}", None))
        return InputError(Problem(path, line, message, hint))

    host = str(values.get("host", "")).strip()
    if not host:
        raise problem("host", "no SMTP server configured", "export BRIEF_SMTP_HOST=smtp.example.org (or host: in an --smtp-config file)")
    starttls = values.get("starttls", True)
    if isinstance(starttls, str):
        starttls = _bool(starttls, "BRIEF_SMTP_STARTTLS")
    if not starttls and not is_loopback(host):
        raise problem("starttls", f"STARTTLS may be turned off only for a loopback host, not {host}",
                      "unset BRIEF_SMTP_STARTTLS: mail leaves this machine only over verified TLS")
    try:
        port = int(values.get("port", 587))
        if not 1 <= port <= 65535:
            raise ValueError
    except ValueError:
        raise problem("port", f"'{values.get('port')}' is not a port number", "write a number from 1 to 65535") from None
    sender = str(values.get("from", "")).strip()
    if not sender:
        raise problem("from", "no sender address", 'export BRIEF_SMTP_FROM="Analysis Unit <briefs@example.org>"')
    if "\n" in sender or "\r" in sender or email_problem(parseaddr(sender)[1]):
        raise problem("from", f"'{sender}' is not a valid sender address", 'write e.g. "Analysis Unit <briefs@example.org>"')
    user = values.get("user") or None
    password = values.get("password") or None
    if user and not password:
        raise problem("password", "a user name is set but no password", "set BRIEF_SMTP_PASSWORD too (never on the command line)")
    if password and not user:
        raise problem("user", "a password is set but no user name", "set BRIEF_SMTP_USER too")
    try:
        timeout = float(values.get("timeout", 30))
        if timeout <= 0:
            raise ValueError
    except ValueError:
        raise problem("timeout", f"'{values.get('timeout')}' is not a number of seconds", "write e.g. 30") from None
    return SmtpSettings(host, port, bool(starttls), sender, user, password, timeout)


# ---- messages --------------------------------------------------------------------------------

MIME = {"pdf": ("application", "pdf"),
        "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "html": ("text", "html")}


@dataclass(frozen=True)
class Letter:
    """Everything one message says, before it becomes MIME."""

    to_name: str
    to_email: str
    subject: str
    body: str
    filename: str
    fmt: str
    message_id: str


def subject(tlp: str, title: str) -> str:
    return f"[{tlp}] {' '.join(clean_text(title).split())}"


def body(*, t, tlp: str, title: str, question: str, bottom_line: list[str], filename: str,
         name: str, organisation: str, encrypted: bool) -> str:
    """Plain-text body in the language of the strings `t`: the TLP label first and last, the
    title, the bottom line, the attachment."""
    def one_line(text: str) -> str:  # data never brings control characters or line breaks
        return " ".join(clean_text(text).split())

    lines = [tlp, "", one_line(title), one_line(question), "",
             f"{t.bottom_line}:", t.sentence_sep.join(one_line(s) for s in bottom_line), "",
             t.mail_sources, t.mail_attached.format(file=one_line(filename), name=one_line(name),
                                                    organisation=one_line(organisation))]
    if encrypted:
        lines.append(t.mail_encrypted)
    lines += ["", f"{t.mail_handling}: {tlp}. {t.tlp_meaning[tlp]}"]
    return "\n".join(lines) + "\n"


def message_id(key: tuple[str, ...], sender: str) -> str:
    """What one recipient receives (recipient, topic, language, format, brief SHA-256) always
    has the same Message-ID, however often its copy is re-encrypted, so a message that may have
    been delivered twice is recognisable as one."""
    import hashlib
    from email.utils import parseaddr

    domain = parseaddr(sender)[1].rpartition("@")[2] or "brief.invalid"
    digest = hashlib.sha256("\0".join(key).encode("utf-8")).hexdigest()[:32]
    return f"<{digest}.{key[0]}@{domain}>"


def address_header(field: str, name: str, addr: str) -> str:
    """`Field: display name <addr>`, folded at 78 columns, the name and the address kept apart.

    Python's header folder drops the quotes of a long display name when it folds it (a name
    with a comma then reads as two addresses), so address headers are written here: an ASCII
    name that needs quoting is one quoted-string, folded only at its spaces (folding white
    space is allowed inside a quoted-string); any other name is a run of RFC 2047 encoded words
    of at most 75 characters, which hold no specials at all."""
    import base64
    import re

    name = " ".join(name.split())
    if not name:
        words = []
    elif name.isascii():
        if re.search(r'[][\\()<>@,:;".]', name):
            name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        words = name.split(" ")
    else:
        words, chunk = [], b""
        for ch in name:
            b = ch.encode("utf-8")
            if len(chunk) + len(b) > 45:
                words.append("=?utf-8?b?" + base64.b64encode(chunk).decode("ascii") + "?=")
                chunk = b""
            chunk += b
        words.append("=?utf-8?b?" + base64.b64encode(chunk).decode("ascii") + "?=")
    words.append(f"<{addr}>")
    lines, line = [], f"{field}:"
    for w in words:
        if len(line) + 1 + len(w) > 78 and line.strip() != f"{field}:":
            lines.append(line)
            line = ""
        line += " " + w
    lines.append(line)
    return "\r\n".join(lines)


def to_header(letter: Letter) -> str:
    """The display name and address of the To: header (for showing in a dry run)."""
    return f"{' '.join(letter.to_name.split())} <{letter.to_email}>"


def to_bytes(letter: Letter, sender: str, attachment: bytes) -> bytes:
    """The message as sent: From and To written by address_header, the rest by the email package."""
    from email.message import EmailMessage
    from email.policy import SMTP
    from email.utils import formatdate, parseaddr

    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = letter.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = letter.message_id
    msg.set_content(letter.body)
    maintype, subtype = MIME[letter.fmt]
    msg.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=letter.filename)
    from_name, from_addr = parseaddr(sender)
    head = address_header("From", from_name, from_addr) + "\r\n" + address_header("To", letter.to_name, letter.to_email)
    return head.encode("ascii") + b"\r\n" + msg.as_bytes()


# ---- sending ---------------------------------------------------------------------------------


class SendFailure(Exception):
    """One message was not accepted; the text says why (never a password). `recipient_only`:
    the server refused this one address, which says nothing about the server."""

    def __init__(self, message: str, recipient_only: bool = False):
        super().__init__(message)
        self.recipient_only = recipient_only


def _smtp_class():
    """smtplib.SMTP with a deadline on every network step: each reply (banner, EHLO, STARTTLS,
    AUTH, MAIL, RCPT, DATA, QUIT) must arrive whole within `timeout` seconds however slowly the
    server trickles it, and each command or message must be sent within `timeout` seconds."""
    import io
    import smtplib
    import socket
    import time

    class DeadlineReader(io.RawIOBase):
        def __init__(self, sock, timeout: float):
            self.sock, self.timeout, self.deadline = sock, timeout, time.monotonic() + timeout

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout(f"no complete answer within {self.timeout:g} s")
            self.sock.settimeout(remaining)
            return self.sock.recv_into(b)

    class DeadlineSMTP(smtplib.SMTP):
        _reader = None

        def getreply(self):
            if self.file is None or self._reader is None or self._reader.sock is not self.sock:
                self._reader = DeadlineReader(self.sock, self.timeout)
                self.file = io.BufferedReader(self._reader)
            self._reader.deadline = time.monotonic() + self.timeout
            return super().getreply()

        def send(self, s):
            if self.sock is not None:
                self.sock.settimeout(self.timeout)  # sendall: the timeout bounds the whole send
            return super().send(s)

        def starttls(self, *args, **kwargs):
            if self.sock is not None:
                self.sock.settimeout(self.timeout)
            return super().starttls(*args, **kwargs)

    return DeadlineSMTP


class Sender:
    """One SMTP connection, opened on first use and reopened when the server went away.

    Every network step has a deadline (`timeout`). After three failures in a row of any kind
    but a refused address (no connection, no or late answer, TLS, a refused message, a lost
    connection) or a rejected login, the remaining messages fail without another attempt.
    """

    GIVE_UP_AFTER = 3

    def __init__(self, settings: SmtpSettings):
        self.s = settings
        self.conn = None
        self.used = False
        self.failures = 0
        self.given_up: str | None = None

    def _connect(self) -> None:
        import smtplib
        import ssl

        try:
            conn = _smtp_class()(self.s.host, self.s.port, timeout=self.s.timeout)
        except (OSError, smtplib.SMTPException) as e:
            raise SendFailure(f"cannot connect to {self.s.host}:{self.s.port}: {_reason(e)}") from None
        try:
            conn.ehlo()
            if self.s.starttls:
                if not conn.has_extn("starttls"):
                    raise SendFailure(f"{self.s.host} does not offer STARTTLS; refusing to send in clear text")
                conn.starttls(context=ssl.create_default_context())
                conn.ehlo()
            if self.s.user:
                try:
                    conn.login(self.s.user, self.s.password)
                except smtplib.SMTPAuthenticationError as e:
                    self.given_up = f"login rejected by {self.s.host}: {_reason(e)}"
                    raise SendFailure(self.given_up) from None
        except (OSError, smtplib.SMTPException) as e:
            _close(conn)
            raise SendFailure(f"cannot talk to {self.s.host}:{self.s.port}: {_reason(e)}") from None
        except BaseException:
            _close(conn)
            raise
        self.conn = conn
        self.used = False

    def _ensure(self) -> None:
        import smtplib

        if self.conn is not None and self.used:
            try:
                if self.conn.noop()[0] != 250:
                    raise smtplib.SMTPServerDisconnected("NOOP failed")
            except (OSError, smtplib.SMTPException):
                self.drop()
        if self.conn is None:
            self._connect()

    def send(self, msg: bytes, to_addr: str) -> None:
        """Send one message (bytes, from to_bytes) to one address; returns once the server has accepted it."""
        if self.given_up:
            raise SendFailure(f"not attempted: {self.given_up}")
        try:
            self._ensure()
            self._send(msg, to_addr)
        except SendFailure as e:
            if not e.recipient_only and not self.given_up:
                self.failures += 1
                if self.failures >= self.GIVE_UP_AFTER:
                    self.given_up = f"the server failed {self.failures} times in a row (last: {e})"
            raise
        self.failures = 0

    def _send(self, msg: bytes, to_addr: str) -> None:
        import smtplib

        try:
            self.conn.sendmail(self.s.envelope_from, [to_addr], msg)
            self.used = True
        except smtplib.SMTPRecipientsRefused as e:
            code, resp = e.recipients.get(to_addr, (None, b""))
            self.used = True
            raise SendFailure(f"address refused by the server: {code} {_text(resp)}", recipient_only=True) from None
        except smtplib.SMTPSenderRefused as e:
            self.used = True
            raise SendFailure(f"sender refused by the server: {e.smtp_code} {_text(e.smtp_error)}") from None
        except smtplib.SMTPResponseException as e:
            if e.smtp_code == 421:  # the server is closing the connection
                self.drop()
            else:
                self.used = True
            raise SendFailure(f"message refused by the server: {e.smtp_code} {_text(e.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as e:
            self.drop()
            raise SendFailure(f"connection lost: {_reason(e)}") from None

    def drop(self) -> None:
        _close(self.conn)
        self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except Exception:  # noqa: BLE001 - closing a connection that may be gone
                pass
            self.drop()


def _close(conn) -> None:
    if conn is None:
        return
    try:
        conn.close()
    except Exception:  # noqa: BLE001
        pass


def _text(resp) -> str:
    if isinstance(resp, bytes):
        resp = resp.decode("utf-8", "replace")
    return " ".join(str(resp).split())


def _reason(e: BaseException) -> str:
    import smtplib

    if isinstance(e, smtplib.SMTPResponseException):
        return f"{e.smtp_code} {_text(e.smtp_error)}"
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e) or type(e).__name__
