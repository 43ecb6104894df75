"""Encryption of PDF copies (pikepdf, AES-256, R=6) and the passwords file.

Each recipient who asks for encryption gets one random password for all their copies. It is
written only to DIR/passwords.csv, created with mode 0600, for delivery by another channel;
never to the manifest, the ledger, stdout or a log. A rerun keeps a recipient's password.
"""

from __future__ import annotations

import csv
import io
import secrets
from pathlib import Path

from brief.errors import InputError, OutputError, Problem

PASSWORDS = "passwords.csv"
FIELDS = ("recipient", "name", "email", "password")


def new_password() -> str:
    """A random password: 20 characters from the URL-safe alphabet (120 bits), starting with a
    letter or digit, so that no spreadsheet takes it for a formula."""
    while True:
        pw = secrets.token_urlsafe(15)
        if pw[0].isalnum():
            return pw


def permissions():
    """What a reader of an encrypted copy may do, said in full: print, copy text, extract it for
    accessibility (bit 10 of /P: what a screen reader needs, and PDF/UA requires), fill forms,
    annotate and change it; not reassemble its pages."""
    import pikepdf

    return pikepdf.Permissions(accessibility=True, extract=True, print_lowres=True, print_highres=True,
                               modify_annotation=True, modify_form=True, modify_other=True, modify_assembly=False)


def encrypt_pdf(pdf: bytes, password: str) -> bytes:
    """`pdf` encrypted with AES-256 (R=6): it opens only with `password`, with `permissions()`."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        out = io.BytesIO()
        # The owner password is random and thrown away: nobody can lift the encryption.
        enc = pikepdf.Encryption(owner=secrets.token_urlsafe(24), user=password, R=6, aes=True, allow=permissions())
        doc.save(out, encryption=enc, fix_metadata_version=False)  # (the XMP packet stays the writer's)
        return out.getvalue()


def opens_with(pdf_path: Path, password: str) -> bool:
    """True if the PDF at `pdf_path` opens with `password`."""
    import pikepdf

    try:
        with pikepdf.open(pdf_path, password=password):
            return True
    except (pikepdf.PasswordError, pikepdf.PdfError, OSError):
        return False


def read_passwords(path: Path) -> dict[str, dict]:
    """The rows of an existing passwords.csv, by recipient id ({} if there is none). A file that
    is not the one `brief distribute` wrote is an error at its line, never a guess."""
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(Problem(str(path), None, "not a passwords file written by `brief distribute` (not UTF-8)",
                                 _RESTORE)) from None
    except OSError as e:
        raise OutputError(Problem(str(path), None, f"cannot read the passwords file: {e.strerror}", _RESTORE)) from None
    rows: dict[str, dict] = {}
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
        if header is None or tuple(header) != FIELDS:
            raise InputError(Problem(str(path), 1, f"the header is not {','.join(FIELDS)}", _RESTORE))
        for row in reader:
            line = reader.line_num
            if not row:
                continue
            if len(row) != len(FIELDS) or not row[0] or not row[3]:
                raise InputError(Problem(str(path), line, f"expected {len(FIELDS)} fields with a recipient and a password",
                                         _RESTORE))
            rows[row[0]] = dict(zip(FIELDS, row))
    except csv.Error as e:
        raise InputError(Problem(str(path), reader.line_num, f"malformed CSV: {e}", _RESTORE)) from None
    return rows


_RESTORE = "restore passwords.csv from your backup; to start over with new passwords, use a new --out DIR"


def passwords_csv(rows: dict[str, dict]) -> bytes:
    """passwords.csv: one row per recipient, sorted; names and addresses safe from spreadsheet
    formulas (the passwords never start with a formula character)."""
    from brief.i18n import csv_cell

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for rid in sorted(rows):
        w.writerow({k: (v if k == "password" else csv_cell(v)) for k, v in rows[rid].items()})
    return buf.getvalue().encode("utf-8")
