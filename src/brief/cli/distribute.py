"""The `brief distribute` command: parse arguments, call brief.distribute.run, print.

Library modules are imported inside the command, so `brief --help` stays fast. Exit codes: 0
done (TLP refusals are reported, not errors); 1 bad input or an output problem (nothing
written); 3 one or more messages failed (the others went out; run again to retry them, the
ledger skips what was sent).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from brief.cli.base import Option, app, echo, err, load, run, state


@app.command("distribute")
def distribute(
    list_: Optional[Path] = Option(None, "--list", "-L", help="Stakeholder list (YAML), e.g. briefs/stakeholders.example.yaml."),
    topic: Optional[str] = Option(None, "--topic", "-t", help="Distribute this topic to everyone who asked for it."),
    all_: bool = Option(False, "--all", help="Distribute every topic each recipient asked for."),
    out: Path = Option(Path("out/distribution"), "--out", "-o", help="Output directory: DIR/<recipient>/, manifest, passwords.csv, ledger."),
    tlp: Optional[str] = Option(None, "--tlp", help="Mark this distribution at a higher TLP label than the topics' own, e.g. TLP:AMBER."),
    send: bool = Option(False, "--send", help="Send by SMTP (settings from BRIEF_SMTP_* or --smtp-config). Without it: a dry run."),
    smtp_config: Optional[Path] = Option(None, "--smtp-config", help="YAML file with SMTP settings (host, port, starttls, user, password, from)."),
    ledger: bool = Option(False, "--ledger", help="Print the ledger of --out DIR (what was sent) and exit."),
    verbose: bool = Option(False, "--verbose", "-v", help="In a dry run, also print each message's body."),
    resend_uncertain: bool = Option(False, "--resend-uncertain",
                                          help="Also send the messages a stopped run may have delivered (see the README)."),
):
    """Mark a copy of each brief per recipient, gate by TLP, encrypt, and (with --send) email them."""
    def resolve(p: Path) -> Path:
        base = state.get("project")
        if p.is_absolute() or base is None:
            return p
        inside = Path(base) / p
        return inside if inside.exists() or not p.exists() else p

    out_dir = resolve(out)

    def go():
        from brief.errors import InputError, Problem, SendError, for_terminal

        if ledger:
            _print_ledger(out_dir)
            return 0
        if list_ is None:
            raise InputError(Problem(None, None, "no stakeholder list given", "use --list FILE (see briefs/stakeholders.example.yaml)"))
        from brief.build import build_date
        from brief.distribute.run import DistributionLock, Request, deliver, prepare

        settings = None
        if send:
            from brief.distribute.mail import load_settings

            settings = load_settings(config=resolve(smtp_config) if smtp_config else None)
        project = load()
        req = Request(resolve(list_), out_dir, topic=topic, all_topics=all_, tlp=tlp, today=build_date(),
                      pinned=bool(os.environ.get("SOURCE_DATE_EPOCH", "").strip()))
        with DistributionLock(out_dir) as lock:  # one run per directory, from reading state to the last send
            dist = prepare(project, req, lock, echo=echo)
            for f in dist.refusals:
                echo(f"refused: {f.recipient.id} ({f.recipient.where}): {f.reason}")
            for c in dist.copies:
                tag = " (encrypted)" if c.encrypted else ""
                echo(f"{'wrote' if c.status == 'written' else 'unchanged'}: {c.path}{tag}")
            if not dist.copies:
                echo("no copies to make: no recipient asked for these topics or is cleared for them")
                return 0
            if dist.passwords:
                echo(f"passwords: {dist.passwords} (mode 0600; deliver them by another channel)")
            echo(f"manifest: {out_dir / 'manifest.csv'}, {out_dir / 'manifest.json'}")
            if send:
                echo(f"sending via {settings.describe()}")
            result = deliver(dist, project.root, lock, send=send, settings=settings, echo=echo, verbose=verbose,
                             sender_address=os.environ.get("BRIEF_SMTP_FROM"), resend_uncertain=resend_uncertain)
        written = sum(c.status == "written" for c in dist.copies)
        summary = (f"copies: {written} written, {len(dist.copies) - written} unchanged, {len(dist.refusals)} refused by TLP; ")
        uncertain = f", {len(result.uncertain)} may have been sent" if result.uncertain else ""
        if send:
            echo(summary + f"messages: {result.sent} sent, {result.already} already sent, "
                       f"{len(result.failed)} failed{uncertain}")
        else:
            echo(summary + f"dry run: {result.would_send} message(s) would be sent, {result.already} already sent"
                       f"{uncertain}; nothing was sent (add --send)")
        if result.failed:
            for c, why in result.failed:
                err(for_terminal(f"{c.recipient.id} ({c.recipient.where}) <{c.recipient.recipient.email}> {c.file}: {why}"))
            err(f"{len(result.failed)} message(s) failed; run the same command again to retry them")
        if result.uncertain:
            err(f"{len(result.uncertain)} message(s) may have been sent by a run that stopped while the server had "
                "them: ask the recipients, then run again with --resend-uncertain to send them again "
                "(same Message-ID, so a mail client can tell a duplicate)")
        if result.failed or result.uncertain:
            return SendError.exit_code
        return 0

    code = run(go)
    if code:
        raise SystemExit(code)


def _print_ledger(out_dir: Path) -> None:
    from brief.distribute.ledger import read_ledger

    rows = read_ledger(out_dir)
    if not rows:
        echo(f"{out_dir}: no messages in the ledger")
        return
    echo(f"{'status':<8} {'accepted (or attempted)':<25}  {'recipient':<20} {'email':<32} {'file':<40} sha256 of the copy")
    for r in rows:
        when = r["accepted_at"] or r["attempted_at"]
        extra = f"  ({r['error']})" if r["error"] else ""
        echo(f"{r['status']:<8} {when}  {r['recipient']:<20} {r['email']:<32} {r['file']:<40} "
                   f"sha256:{r['sha256'][:12]}{extra}")
    sent = sum(r["status"] == "sent" for r in rows)
    echo(f"{len(rows)} message(s): {sent} sent, {len(rows) - sent} not sent")
