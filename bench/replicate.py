"""Make an N-times copy of a brief project, for scale benchmarks: every source folder is copied
N-1 more times under new ids (`<id>-r002` …), with its original, its body and its findings, and
every reference between findings (contradicts) kept inside its copy. The copies' topic tags get
the same suffix, so the shipped topics select exactly what they select in the original corpus:
a brief stays the size it is, and only the corpus around it grows.

    python bench/replicate.py DEST N [--project DIR]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def replicate(project: Path, dest: Path, n: int) -> dict[str, int]:
    """Copy `project` to `dest` (which must not exist) with n copies of each source; returns counts."""
    shutil.copytree(project, dest, ignore=shutil.ignore_patterns(".venv", ".git", ".brief-cache", "out", "__pycache__",
                                                                  "src", "tests", "bench", "tools", "*.egg-info"))
    seeds = dest / "seeds"
    folders = sorted(p for p in seeds.iterdir() if p.is_dir() and (p / "source.yaml").exists())
    counts = {"sources": 0, "findings": 0}
    for folder in folders:
        src = yaml.safe_load((folder / "source.yaml").read_text(encoding="utf-8"))
        ff_path = folder / "findings.yaml"
        ff = yaml.safe_load(ff_path.read_text(encoding="utf-8")) if ff_path.exists() else None
        counts["sources"] += 1
        counts["findings"] += len(ff["findings"]) if ff else 0
        for r in range(2, n + 1):
            suffix = f"-r{r:03d}"
            new = folder.with_name(folder.name + suffix)
            new.mkdir()
            shutil.copyfile(folder / "body.txt", new / "body.txt")
            original = Path(src["original"])
            copy_name = f"{original.stem}{suffix}{original.suffix}"
            shutil.copyfile(seeds / original, seeds / original.parent / copy_name)
            s = dict(src, id=src["id"] + suffix, original=str(original.parent / copy_name))
            if s.get("capture"):
                s.pop("capture")  # the saved page is not needed by a copy
            (new / "source.yaml").write_text(yaml.safe_dump(s, allow_unicode=True, sort_keys=False), encoding="utf-8")
            counts["sources"] += 1
            if ff:
                findings = []
                for f in ff["findings"]:
                    g = dict(f, id=f["id"] + suffix, topics=[t + suffix for t in f["topics"]])
                    if f.get("contradicts"):
                        g["contradicts"] = [c + suffix for c in f["contradicts"]]
                    findings.append(g)
                counts["findings"] += len(findings)
                out = {"source": ff["source"] + suffix, "findings": findings}
                (new / "findings.yaml").write_text(yaml.safe_dump(out, allow_unicode=True, sort_keys=False),
                                                   encoding="utf-8")
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dest", type=Path)
    ap.add_argument("n", type=int)
    ap.add_argument("--project", type=Path, default=ROOT)
    a = ap.parse_args()
    counts = replicate(a.project, a.dest, a.n)
    print(f"{a.dest}: {counts['sources']} sources, {counts['findings']} findings")


if __name__ == "__main__":
    main()
