"""Speed of `brief distribute`: marking (and encrypting) copies of one brief for 100 recipients.

Target on the 2-core machine: <= 10 s for 100 marked, AES-256-encrypted copies. Prints medians;
asserts nothing. Run: `.venv/bin/python bench/bench_distribute.py [--runs N] [--recipients N]`.

Three figures:
  mark + encrypt      stamping every page of the built PDF and encrypting it, 100 times (in memory)
  prepare (warm)      the library's whole `prepare()`: load the list, build the brief once, mark,
                      encrypt, write 100 copies, passwords.csv, the ledger and the manifest
  CLI dry run (cold)  `brief distribute --list ... --topic T --out DIR` in a new process
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

NAMES = ["Ana Ferreira", "王博", "Cy Thompson", "李晓红", "Dee Okoro", "María López", "陈静", "Jonas Berg"]
ORGS = ["Example Ministry of Digital Affairs", "示例战略研究中心", "Example Holdings <R&D>", "Example Council"]


def stakeholders(n: int, topic: str) -> str:
    lines = ["recipients:"]
    for i in range(n):
        lines += [f"  - id: r{i:03d}", f"    name: \"{NAMES[i % len(NAMES)]} {i}\"", f"    organisation: \"{ORGS[i % len(ORGS)]}\"",
                  f"    email: r{i:03d}@example.org", "    language: en", f"    topics: [{topic}]", "    formats: [pdf]",
                  "    clearance: TLP:RED", "    encrypt: true"]
    return "\n".join(lines) + "\n"


def report(name: str, times: list[float], target: float | None) -> None:
    med = statistics.median(times)
    flag = "" if target is None else f"(target <= {target} s) {'ok' if med <= target else 'OVER'}"
    print(f"{name:<52} median {med:6.2f} s  min {min(times):6.2f} s  n={len(times)} {flag}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--recipients", type=int, default=100)
    ap.add_argument("--topic", default="sovereign-ai")
    a = ap.parse_args()
    n = a.recipients

    from brief.build import render_brief
    from brief.corpus.load import load_project
    from brief.distribute import crypt
    from brief.distribute.run import Request, prepare
    from brief.distribute.stamp import Marking, PdfStamper
    from brief.i18n import load_strings

    print(f"brief distribute benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {n} recipients, topic {a.topic}")
    project = load_project(ROOT)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        pdf = next(data for path, data in render_brief(project, a.topic, formats=("pdf",), out_dir=d) if path.suffix == ".pdf")
        stamper = PdfStamper(project.root)
        t_en = load_strings(project.root, "en")
        stamper.stamp(pdf, Marking("warm-up", "warm-up", "2026-01-01", "1.0", "0" * 12, "TLP:RED"), t_en)  # fonts, imports

        times = []
        for _ in range(a.runs):
            t = time.perf_counter()
            for i in range(n):
                m = Marking(f"{NAMES[i % len(NAMES)]} {i}", ORGS[i % len(ORGS)], "2026-01-01", "1.0", "0123456789ab", "TLP:AMBER")
                crypt.encrypt_pdf(stamper.stamp(pdf, m, t_en), crypt.new_password())
            times.append(time.perf_counter() - t)
        report(f"mark + encrypt {n} copies (in memory)", times, 10.0)

        lst = d / "stakeholders.bench.yaml"
        lst.write_text(stakeholders(n, a.topic), encoding="utf-8")
        times = []
        for k in range(a.runs):
            out = d / f"out{k}"
            t = time.perf_counter()
            dist = prepare(load_project(ROOT), Request(lst, out, topic=a.topic), echo=lambda s: None)
            times.append(time.perf_counter() - t)
            assert len(dist.copies) == n
        report(f"prepare(): build once, mark, encrypt, write {n}", times, 10.0)

        times = []
        for k in range(a.runs):
            out = d / f"cli{k}"
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "brief", "distribute", "--list", str(lst), "--topic", a.topic,
                            "--out", str(out)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t)
            shutil.rmtree(out)
        report(f"CLI dry run, {n} recipients (cold process)", times, 10.0)


if __name__ == "__main__":
    main()
