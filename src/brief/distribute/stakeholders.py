"""The stakeholder list: one YAML file of recipients, validated by a schema.

`load_stakeholders(path, project)` returns the recipients, each with the line it starts on.
Every problem names the recipient and its `file:line`; all problems of the file are reported
together, before anything is built or written. Passwords never live in this file.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from brief.corpus.schema import ID_RE, TLP_LABELS, Strict
from brief.errors import InputError, Problem

TLP_ORDER = {label: rank for rank, label in enumerate(TLP_LABELS)}  # CLEAR < GREEN < AMBER < AMBER+STRICT < RED

# An ASCII address: local part of atext and dots, a domain of DNS labels with at least one dot.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_RE = re.compile(rf"^{_ATEXT}(?:\.{_ATEXT})*@{_LABEL}(?:\.{_LABEL})+$")


def email_problem(value: str) -> str | None:
    """Why `value` is not an email address we can send to, or None."""
    if not EMAIL_RE.match(value) or len(value) > 254:
        return f"'{value}' is not a valid email address"
    return None


def _no_controls(value: str) -> str:
    """Names and organisations go into mail headers and onto pages: no control characters."""
    bad = [c for c in value if unicodedata.category(c) in ("Cc", "Cs", "Cn") or c in "\u2028\u2029"]
    if bad:
        raise ValueError(f"contains a control character (U+{ord(bad[0]):04X})")
    if value != value.strip():
        raise ValueError("starts or ends with whitespace")
    return value


class Recipient(Strict):
    """One recipient. Each gets their own marked copy of every brief they ask for and are cleared for."""

    id: str = Field(pattern=ID_RE, description="Stable kebab-case id. Names the folder DIR/<id>/ of their copies and keys the ledger.")
    name: str = Field(min_length=1, max_length=120, description="Full name, printed on every page of their copies (any script).")
    organisation: str = Field(min_length=1, max_length=160, description="Organisation, printed beside the name.")
    email: str = Field(description="Address the copies are sent to with --send (ASCII address, e.g. li.wei@example.org).")
    language: str = Field(pattern=r"^[a-z]{2}$", description="Language of their briefs: en or zh (any language with templates/strings/<lang>.yaml).")
    topics: list[str] | Literal["all"] = Field(description="Topic ids they asked for (briefs/<id>.yaml), or `all`.")
    formats: list[Literal["pdf", "docx", "html"]] = Field(default_factory=lambda: ["pdf"], min_length=1,
                                                         description="Formats of their copies: pdf, docx, html (default: [pdf]).")
    clearance: Literal[TLP_LABELS] = Field(  # type: ignore[valid-type]
        description="Highest TLP label they may receive: TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT or TLP:RED.")
    encrypt: bool = Field(False, description="Encrypt their PDF copies (AES-256) with a random password, written only to DIR/passwords.csv.")
    notes: str | None = Field(None, description="For the analyst; never printed or sent.")

    _text = field_validator("name", "organisation")(lambda cls, v: _no_controls(v))

    @field_validator("name")
    @classmethod
    def _display_name(cls, v: str) -> str:
        bad = sorted({c for c in v if c in '<>@"'})
        if bad:
            raise ValueError(f"a name may not contain {' '.join(repr(c) for c in bad)}: it goes into the To: header "
                             "and must never read as an address")
        return v

    @field_validator("email")
    @classmethod
    def _email(cls, v: str) -> str:
        why = email_problem(v)
        if why:
            raise ValueError(why)
        return v

    @field_validator("topics", mode="before")
    @classmethod
    def _topics(cls, v: Any) -> Any:
        if v == "all" or (isinstance(v, list) and v and all(isinstance(t, str) for t in v)):
            return v
        raise ValueError("write `all` or a non-empty list of topic ids, e.g. [sovereign-ai]")

    @field_validator("formats")
    @classmethod
    def _formats(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("a format is listed twice")
        return v


class StakeholderList(Strict):
    """`briefs/stakeholders*.yaml`: who receives which briefs. Passwords never live here."""

    recipients: list[Recipient] = Field(min_length=1, description="The recipients, each with a unique id.")


class _Top(Strict):
    """The top level alone; each recipient is validated on its own so its errors can name it."""

    recipients: list[Any] = Field(min_length=1)


@dataclass(frozen=True)
class RecipientEntry:
    """A validated recipient and where it is written (`path:line` of its first key)."""

    recipient: Recipient
    path: str
    line: int
    lines: dict = field(default_factory=dict, compare=False, hash=False)  # line of each key

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)

    @property
    def id(self) -> str:
        return self.recipient.id

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def wants(self, topic_id: str) -> bool:
        t = self.recipient.topics
        return t == "all" or topic_id in t


def cleared(label: str, clearance: str) -> bool:
    """True if a brief marked `label` may go to someone cleared up to `clearance`."""
    return TLP_ORDER[label] <= TLP_ORDER[clearance]


def load_stakeholders(path: Path, project, *, shown: str | None = None) -> list[RecipientEntry]:
    """Load and check a stakeholder list against the project (topics, languages, fonts).

    Raises one InputError listing every problem, each as `file:line: recipient 'id': ...`.
    """
    from brief.corpus import yamlio
    from brief.corpus.validate import validate

    shown = shown or project.shown(path)
    if not path.is_file():
        raise InputError(Problem(str(path), None, "stakeholder list not found",
                                 "give the file with --list FILE (see briefs/stakeholders.example.yaml)"))
    data = yamlio.load(path, shown)
    validate(_Top, data, shown, "stakeholder list")
    items = data["recipients"]
    problems: list[Problem] = []
    entries: list[RecipientEntry] = []
    first_line: dict[str, int] = {}
    langs = {p.stem for p in (project.root / "templates" / "strings").glob("*.yaml")}
    topic_ids = sorted(project.topics)
    for i, item in enumerate(items):
        line = items.lines[i]
        raw_id = item.get("id") if isinstance(item, dict) else None
        who = f"recipient '{raw_id}'" if isinstance(raw_id, str) and raw_id else f"recipient #{i + 1}"
        if not isinstance(item, dict):
            problems.append(Problem(shown, line, f"{who}: expected a mapping (id:, name:, email:, …)",
                                    "see the stakeholder list format in README.md"))
            continue
        try:
            r: Recipient = validate(Recipient, item, shown, "recipient")
        except InputError as e:
            problems.extend(Problem(p.path, p.line, f"{who}: {p.message}", p.hint) for p in e.problems)
            continue
        lines = item.lines
        if r.id in first_line:
            problems.append(Problem(shown, lines.get("id", line), f"{who}: duplicate recipient id '{r.id}' (first at line {first_line[r.id]})",
                                    "give each recipient their own id"))
            continue
        first_line[r.id] = lines.get("id", line)
        if r.language not in langs:
            problems.append(Problem(shown, lines.get("language", line), f"{who}: unknown language '{r.language}'",
                                    f"available: {', '.join(sorted(langs))}"))
        if r.topics != "all":
            tl = item["topics"]
            for j, t in enumerate(r.topics):
                if t not in project.topics:
                    close = difflib.get_close_matches(t, topic_ids, n=1, cutoff=0.4)
                    hint = (f"did you mean '{close[0]}'? " if close else "") + f"known topics: {', '.join(topic_ids)}, or write `all`"
                    problems.append(Problem(shown, tl.lines[j] if hasattr(tl, "lines") else lines.get("topics", line),
                                            f"{who}: unknown topic '{t}'", hint))
        unencrypted = [f for f in r.formats if f != "pdf"]
        if r.encrypt and unencrypted:
            problems.append(Problem(shown, lines.get("encrypt", line),
                                    f"{who}: encrypt: true cannot apply to {' or '.join(unencrypted)} copies "
                                    "(only PDF copies are encrypted)",
                                    "use formats: [pdf] for this recipient, or encrypt: false"))
        entries.append(RecipientEntry(r, shown, line, dict(lines)))
    if not problems:
        problems.extend(_font_problems(entries, project))
    if problems:
        raise InputError(problems)
    return entries


def _font_problems(entries: list[RecipientEntry], project) -> list[Problem]:
    """Names and organisations are drawn on PDF pages: every character needs a glyph."""
    from brief import fonts as F
    from brief.writers.styles import pdf_style

    if not any("pdf" in e.recipient.formats for e in entries):
        return []
    fs = F.load(pdf_style(project.root).fonts, root=project.root)
    problems = []
    for e in entries:
        for key in ("name", "organisation"):
            for ch in getattr(e.recipient, key):
                if not ch.isspace() and F.font_for(ch, fs) is None:
                    problems.append(Problem(e.path, e.line_of(key),
                                            f"recipient '{e.id}': no configured font can draw {ch!r} (U+{ord(ch):04X}) in {key}",
                                            "change the text, or add a font that covers it in templates/styles/pdf.yaml"))
                    break
    return problems
