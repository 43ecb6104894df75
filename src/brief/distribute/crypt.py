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

from brief.errors import OutputError, Problem

PASSWORDS = "passwords.csv"
FIELDS = ("recipient", "name", "email", "password")


def new_password() -> str:
    """A random password: 20 characters from the URL-safe alphabet (120 bits)."""
    return secrets.token_urlsafe(15)


def encrypt_pdf(pdf: bytes, password: str) -> bytes:
    """`pdf` encrypted with AES-256 (R=6): it opens only with `password`."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        out = io.BytesIO()
        # The owner password is random and thrown away: nobody can lift the encryption.
        enc = pikepdf.Encryption(owner=secrets.token_urlsafe(24), user=password, R=6, aes=True)
        doc.save(out, encryption=enc)
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
    """The rows of an existing passwords.csv, by recipient id ({} if there is none)."""
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["recipient"]: row for row in csv.DictReader(fh) if row.get("recipient") and row.get("password")}


def write_passwords(path: Path, rows: dict[str, dict]) -> None:
    """Write passwords.csv atomically; the file is created with mode 0600 and never wider."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for rid in sorted(rows):
        w.writerow(rows[rid])
    data = buf.getvalue().encode("utf-8")
    from brief.build import write_atomic

    try:
        write_atomic(path, data, mode=0o600)
    except OSError as e:
        raise OutputError(Problem(str(path), None, f"cannot write the passwords file: {e.strerror}",
                                  "choose another directory with --out DIR")) from None
