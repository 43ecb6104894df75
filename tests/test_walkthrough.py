"""The README's worked example, step by step, on a copy of the project: a saved WeChat page becomes
a graded source with four findings in a brief through ingest, search, finding add, check and
generate only (no hash computed by hand, no folder made by hand, no locator copied)."""

from __future__ import annotations

import json
import re

from helpers import FIXTURES, ROOT, copy_repo_project, pdftotext, run_brief

PAGE = FIXTURES / "ingest" / "wechat-saved.html"
QUOTES = {
    "figure": "一位行业研究者估计，部分新建园区的上架率不足五成。",
    "fact": "东部地区集中了全国大部分的算力需求，而西部地区拥有更充裕、更便宜的电力。",
    "fact2": "多位运营商人士表示，骨干网的扩容速度决定了哪些业务能够真正“西迁”。",
    "judgment": "总体来看，算力西移的方向已经明确，但节奏取决于网络、人才与需求三方面能否同步推进。",
}
CLAIMS = {
    "figure": ("One industry researcher estimates that some newly built data-centre parks have fewer than half of "
               "their racks in use.", "一位行业研究者估计，部分新建园区的上架率不足五成。", 3),
    "fact": ("Most of China's computing demand sits in the east, while the west has more plentiful and cheaper "
             "electricity.", "全国大部分算力需求集中在东部，而西部电力更充裕、更便宜。", 2),
    "fact2": ("Operators say the pace of backbone-network expansion decides which workloads can actually move west.",
              "多位运营商人士称，骨干网扩容速度决定哪些业务能真正西迁。", 3),
    "judgment": ("The author judges that the move of computing west is likely to proceed only as fast as networks, "
                 "skills and demand advance together.", "作者判断，算力西移的节奏很可能取决于网络、人才与需求能否同步推进。", 3),
}


def brief(project, *args):
    r = run_brief("--project", project, *args)
    return r.returncode, r.stdout + r.stderr


def test_the_readme_walk_through(tmp_path):
    assert "tests/test_walkthrough.py" in (ROOT / "README.md").read_text(encoding="utf-8")
    project = copy_repo_project(tmp_path / "project")
    code, out = brief(project, "ingest", PAGE, "--accessed", "2025-03-10")
    assert code == 0, out
    sid = "wechat-saved"
    folder = project / "seeds" / sid
    assert re.search(r"to fill in: title_en, source_type, reliability", out), out
    code, out = brief(project, "check")
    assert code == 1 and "title_en: to fill in" in out and "not yet graded" in out, out

    # 1. The analyst's part of source.yaml.
    src = folder / "source.yaml"
    text = src.read_text(encoding="utf-8")
    text = re.sub(r"^title_en: null.*$", 'title_en: "Observation | Three hurdles for moving computing power west"',
                  text, flags=re.M)
    text = re.sub(r"^source_type: null.*$", "source_type: wechat-account", text, flags=re.M)
    text = re.sub(r"^reliability: null.*$", "reliability:\n  grade: C\n  rationale:\n    en: \"A named author on a trade "
                  "WeChat account; its claims cite unnamed operators and one unnamed researcher.\"\n    zh: \"行业微信公众号"
                  "上的署名文章；其说法引用未具名的运营商人士和一位未具名研究者。\"", text, flags=re.M)
    src.write_text(text, encoding="utf-8")
    # 2. Delete a line of the body; check names the new hash, which the analyst sets.
    body = folder / "body.txt"
    lines = body.read_text(encoding="utf-8").split("\n")
    body.write_text("\n".join(ln for ln in lines if "本文仅代表作者观点" not in ln), encoding="utf-8")
    code, out = brief(project, "check")
    new = re.search(r"set body_sha256: ([0-9a-f]{64})", out)
    assert code == 1 and new, out
    src.write_text(re.sub(r"^body_sha256: .*$", f"body_sha256: {new.group(1)}", src.read_text(encoding="utf-8"),
                          flags=re.M), encoding="utf-8")
    code, out = brief(project, "check")
    assert code == 0, out

    code, out = brief(project, "search", "上架率", "--source", sid)
    assert code == 0 and re.search(rf"^{sid}:\d+\s+.*上架率", out, re.M), out
    ids = {}
    for key, quote in QUOTES.items():
        kind = key.rstrip("2")
        code, out = brief(project, "finding", "add", sid, quote, "--kind", kind, "--topic", "compute-concentration")
        assert code == 0, out
        ids[key] = re.search(r"finding '([a-z0-9-]+)'", out).group(1)
    code, out = brief(project, "check")
    assert code == 1 and "claim.en" in out, out

    # 3. The claims, credibilities and the figure.
    path = folder / "findings.yaml"
    text = path.read_text(encoding="utf-8")
    for key, (en, zh, cred) in CLAIMS.items():
        start = text.index(f"id: {ids[key]}\n")
        end = text.find("  - id:", start)
        end = len(text) if end < 0 else end
        part = text[start:end]
        part = re.sub(r"credibility: null.*", f"credibility: {cred}", part)
        part = re.sub(r"en: null  # to fill in: the claim.*", f'en: "{en}"', part)
        part = re.sub(r"zh: null  # to fill in: the claim.*", f'zh: "{zh}"', part)
        part = re.sub(r"- value: null.*\n(\s+)unit: .*\n(\s+)entity: .*",
                      r'- value: 50\n\1unit: {en: "percent of racks in use (less than)", zh: "%以下的上架率"}\n'
                      r'\2entity: {en: "some new data-centre parks", zh: "部分新建园区"}', part)
        text = text[:start] + part + text[end:]
    path.write_text(text, encoding="utf-8")
    code, out = brief(project, "check")
    assert code == 0, out

    code, out = brief(project, "generate", "--topic", "compute-concentration", "--out", project / "out")
    assert code == 0, out
    manifest = json.loads((project / "out" / "compute-concentration.en.manifest.json").read_text(encoding="utf-8"))
    assert set(ids.values()) <= set(manifest["provenance"]["brief.findings"].split()), manifest["provenance"]
    references = re.sub(r"\s+", "", pdftotext(project / "out" / "compute-concentration.en.pdf"))
    assert "林晓舟" in references and "算力西移的三道难题" in references
