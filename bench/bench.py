"""Speed figures for `brief` (run on demand: `make bench`). Prints medians; asserts nothing.

Targets on a 2-core machine: generate (both formats, cold process) <= 0.8 s; one brief in both
formats inside a warm process <= 0.25 s; `brief --help` <= 0.15 s; `brief check` <= 0.5 s;
all topics in both languages and both formats (16 files) in one process <= 3 s; a brief with
charts (cold) <= 1.2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BRIEF = [sys.executable, "-m", "brief"]


def cold(args: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(BRIEF + args, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return times


def warm(topic: str, runs: int, out: Path) -> list[float]:
    sys.path.insert(0, str(ROOT / "src"))
    from brief.build import generate, prewarm
    from brief.corpus.load import load_project

    prewarm(ROOT)  # (a long-running process, as brief serve and brief watch: the PDF in the worker)
    project = load_project(ROOT)
    generate(project, [topic], out_dir=out)  # first call pays imports and font loading
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        generate(project, [topic], out_dir=out)
        times.append(time.perf_counter() - t)
    return times


def all_in_one_process(runs: int, out: Path) -> list[float]:
    """`brief generate --all` for en and zh (16 files), each run one cold process."""
    code = ("import sys; from brief.cli import app; "
            "sys.exit(max(app(['generate', '--all', '--lang', l, '--out', sys.argv[1]]) for l in ('en', 'zh')))")
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, str(out)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return times


def report(name: str, times: list[float], target: float) -> None:
    med = statistics.median(times)
    flag = "ok" if med <= target else "OVER"
    print(f"{name:<44} median {med:6.3f} s  min {min(times):6.3f} s  (n={len(times)}, target <= {target} s) {flag}")


def html_figures(topic: str, runs: int, out: str) -> None:
    """The HTML writer: one brief as HTML in a cold process (target <= 0.5 s)."""
    report(f"generate --topic {topic} --format html (cold)",
           cold(["generate", "--topic", topic, "--format", "html", "--out", out], runs), 0.5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--topic", default="sovereign-ai", help="a topic without charts")
    ap.add_argument("--chart-topic", default="compute-concentration", help="a topic with charts")
    a = ap.parse_args()
    print(f"brief benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as d:
        report("brief --help (cold)", cold(["--help"], a.runs), 0.15)
        report("brief check (cold)", cold(["check"], a.runs), 0.5)
        report(f"generate --topic {a.topic} docx+pdf (cold)", cold(["generate", "--topic", a.topic, "--out", d], a.runs), 0.8)
        report(f"generate --topic {a.topic} --lang zh (cold)",
               cold(["generate", "--topic", a.topic, "--lang", "zh", "--out", d], a.runs), 0.8)
        report(f"generate {a.topic} docx+pdf (warm process)", warm(a.topic, a.runs, Path(d)), 0.25)
        report(f"generate --topic {a.chart_topic} (with charts, cold)",
               cold(["generate", "--topic", a.chart_topic, "--out", d], a.runs), 1.2)
        report("16 files: all topics x en,zh x docx,pdf (1 process)", all_in_one_process(max(3, a.runs // 2), Path(d)), 3.0)
        # The PDF engines side by side, measured in this same run.
        pdf = {e: cold(["generate", "--topic", a.topic, "--format", "pdf", "--pdf-engine", e, "--out", d], a.runs)
               for e in ("reportlab", "typst")}
        both = {e: cold(["generate", "--topic", a.topic, "--pdf-engine", e, "--out", d], a.runs)
                for e in ("reportlab", "typst")}
        report(f"generate --topic {a.topic} --format pdf, reportlab (cold)", pdf["reportlab"], 0.8)
        report(f"generate --topic {a.topic} --format pdf --pdf-engine typst (cold)", pdf["typst"], 0.4)
        report(f"generate --topic {a.topic} docx+pdf --pdf-engine typst (cold)", both["typst"], 0.6)
        for what, runs in (("pdf only", pdf), ("docx+pdf", both)):
            ratio = statistics.median(runs["typst"]) / statistics.median(runs["reportlab"])
            print(f"typst / reportlab, {what}: {ratio:.2f}")
        html_figures(a.topic, a.runs, d)


if __name__ == "__main__":
    main()
