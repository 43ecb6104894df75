"""How `brief` scales with the corpus (run on demand: `make bench-scale`). Prints a table; asserts nothing.

It builds copies of the project's corpus replicated 10 and 100 times (`--sizes 1,10,100,1000` for
more; see bench/replicate.py: every source, body, original and finding copied under new ids, every
link kept inside its copy, the copies' topic tags suffixed so the briefs stay the same size) and
measures cold processes (`python -m brief …`), medians of --runs:

- generate --topic T (DOCX + PDF) with the corpus index warm;
- brief check with one findings file changed since the last run;
- brief check with no cache (BRIEF_NO_CACHE=1);
- brief search QUERY (its own index warm);
- peak memory (max RSS of the largest process) of generate;
- CPU time (user + system, every process) of a cold generate on the unreplicated corpus, against
  writing the same content straight with python-docx and reportlab in one process; the two are
  run interleaved, and their ratio printed.

Targets (2 cores): generate <= 0.7 / 0.8 / 1.0 s (1x / 10x / 100x), < 3 s at 1000x; check with
one file changed <= 0.4 / 0.5 / 1.0 s; check with no cache <= 1.0 s at 10x and <= 4 s at 100x;
search <= 0.3 / 0.3 / 0.5 s; generate's peak memory <= 300 MB at 100x; CPU ratio <= 1.5.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from replicate import replicate  # noqa: E402

PY = sys.executable
TARGETS = {  # measure -> {size: seconds}
    "generate": {1: 0.7, 10: 0.8, 100: 1.0, 1000: 3.0},
    "check, one file changed": {1: 0.4, 10: 0.5, 100: 1.0},
    "check, no cache": {10: 1.0, 100: 4.0},
    "search": {1: 0.3, 10: 0.3, 100: 0.5},
}


def run(args: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system of the process and its children) and the peak RSS
    in kB of one cold `python -m brief ARGS` run."""
    full = dict(os.environ, **(env or {}))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen([PY, "-m", "brief", *args], cwd=cwd, env=full, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, err = proc.communicate()
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"brief {' '.join(args)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def touch_one(project: Path, i: int) -> None:
    """Change one findings file (a comment line), as an analyst's edit would."""
    path = sorted((project / "seeds").glob("*/findings.yaml"))[i % 3]
    path.write_text(path.read_text(encoding="utf-8") + f"# edit {i}\n", encoding="utf-8")


def measure(project: Path, topic: str, query: str, runs: int, out: Path) -> dict[str, float]:
    res: dict[str, float] = {}
    gen = ["generate", "--topic", topic, "--out", str(out)]
    run(gen, project)  # warms the corpus index
    walls, peaks = [], []
    for _ in range(runs):
        w, _, _ = run(gen, project)
        walls.append(w)
    res["generate"] = median(walls)
    # peak memory of one generate, in a process of its own (RUSAGE_CHILDREN keeps the maximum so far)
    code = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    peak = subprocess.run([PY, "-c", code, PY, "-m", "brief", *gen], cwd=project, capture_output=True, text=True)
    res["peak MB"] = int(peak.stdout.strip() or 0) / 1024
    run(["check"], project)
    walls = []
    for i in range(runs):
        touch_one(project, i)
        w, _, _ = run(["check"], project)
        walls.append(w)
    res["check, one file changed"] = median(walls)
    walls = [run(["check"], project, {"BRIEF_NO_CACHE": "1"})[0] for _ in range(max(1, runs // 2))]
    res["check, no cache"] = median(walls)
    run(["search", query], project)  # builds the search index
    res["search"] = median([run(["search", query], project)[0] for _ in range(runs)])
    return res


BASELINE = r'''
import json, sys, io
from docx import Document
from reportlab.lib.styles import getSampleStyleSheet, ParagraphStyle
from reportlab.platypus import SimpleDocTemplate, Paragraph
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from xml.sax.saxutils import escape
blocks, fonts = json.load(open(sys.argv[1], encoding="utf-8"))
d = Document()
for kind, text in blocks:
    (d.add_heading(text, 2) if kind == "h" else d.add_paragraph(text))
d.save(io.BytesIO())
pdfmetrics.registerFont(TTFont("L", fonts[0])); pdfmetrics.registerFont(TTFont("C", fonts[1]))
base = ParagraphStyle("b", fontName="C", fontSize=10, leading=14, wordWrap="CJK")
head = ParagraphStyle("h", parent=base, fontSize=13, leading=17)
story = [Paragraph(escape(t), head if k == "h" else base) for k, t in blocks]
SimpleDocTemplate(io.BytesIO()).build(story)
'''


def baseline_content(project: Path, topic: str, path: Path) -> None:
    """The text of the brief (headings and paragraphs, as the model holds them) and the two font
    files, for the direct python-docx + reportlab baseline."""
    sys.path.insert(0, str(ROOT / "src"))
    from brief import fonts
    from brief import model as m
    from brief.build import build_date, compose_document
    from brief.corpus.load import load_project
    from brief.writers.styles import pdf_style

    project_ = load_project(project)
    doc = compose_document(project_, topic, "en", date=build_date()).document
    blocks = []

    def text(nodes) -> str:
        return "".join(n.text if isinstance(n, m.Str) else text(getattr(n, "children", ())) for n in nodes)

    for b in m.walk(doc.blocks) if hasattr(m, "walk") else doc.blocks:
        if isinstance(b, m.Heading):
            blocks.append(("h", text(b.children)))
        elif isinstance(b, m.Para):
            blocks.append(("p", text(b.children)))
    spec = pdf_style(project).fonts
    paths = [fonts.find_font(spec.latin.regular, spec.search_dirs, spec.latin.package),
             fonts.find_font(spec.cjk.regular, spec.search_dirs, spec.cjk.package)]
    path.write_text(json.dumps([blocks, paths], ensure_ascii=False), encoding="utf-8")


def cpu_ratio(project: Path, topic: str, runs: int, out: Path, tmp: Path) -> tuple[float, float]:
    content = tmp / "content.json"
    baseline_content(project, topic, content)
    script = tmp / "baseline.py"
    script.write_text(BASELINE, encoding="utf-8")
    gen = ["generate", "--topic", topic, "--out", str(out)]
    run(gen, project)
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(run(gen, project)[1])
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([PY, str(script), str(content)], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        theirs.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return median(ours), median(theirs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1,10,100", help="replication factors, comma-separated (1 = the corpus as it is)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--topic", default="sovereign-ai")
    ap.add_argument("--query", default="算力")
    ap.add_argument("--project", type=Path, default=ROOT)
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    print(f"brief scale benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}, medians of {a.runs} cold runs")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows = {}
        counts = {}
        for n in sizes:
            project = tmp / f"x{n}"
            c = replicate(a.project, project, n)
            counts[n] = c["findings"]
            rows[n] = measure(project, a.topic, a.query, a.runs, tmp / "out")
            print(f"  {n}x: {c['sources']} sources, {c['findings']} findings: "
                  + ", ".join(f"{k} {v:.2f}" for k, v in rows[n].items()), flush=True)
        print()
        head = f"{'measure':<34}" + "".join(f"{f'{n}x ({counts[n]:,})':>18}" for n in sizes)
        print(head)
        print("-" * len(head))
        for measure_ in ("generate", "check, one file changed", "check, no cache", "search", "peak MB"):
            cells = []
            for n in sizes:
                v = rows[n][measure_]
                target = TARGETS.get(measure_, {}).get(n)
                if measure_ == "peak MB":
                    target = 300 if n == 100 else None
                    cell = f"{v:.0f} MB" + (f" (<={target})" if target else "")
                else:
                    cell = f"{v:.2f} s" + (f" (<={target})" if target else "")
                if target is not None and v > target:
                    cell += "!"
                cells.append(f"{cell:>18}")
            print(f"{measure_:<34}" + "".join(cells))
        ours, theirs = cpu_ratio(tmp / f"x{sizes[0]}", a.topic, a.runs, tmp / "out", tmp)
        print(f"\nCPU of a cold generate ({sizes[0]}x): brief {ours:.2f} s, python-docx + reportlab directly "
              f"{theirs:.2f} s: ratio {ours / theirs:.2f} (target <= 1.5)")
        print("('!' marks a figure over its target)")


if __name__ == "__main__":
    main()
