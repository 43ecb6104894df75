"""Distribution: per-recipient marked copies of built briefs, TLP gating, encryption, and email.

Stages, each its own module:

    stakeholders  load and check the stakeholder list (pydantic schema, file:line errors)
    run           plan the copies, gate them by TLP, build each brief once, write the copies
    stamp         mark every page of a copy with the recipient, date, version and TLP label
    crypt         AES-256 (R=6) encryption with pikepdf, random passwords, passwords.csv (0600)
    mail          SMTP settings from the environment or a config file, one message per copy
    ledger        the SQLite ledger: what was built and what the server accepted
    command       the thin `brief distribute` command

Heavy libraries (pikepdf, reportlab, smtplib, email) are imported inside functions.
"""
