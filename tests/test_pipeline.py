"""The stages: one placeholder mechanism that reaches every container, the date decided once and
passed as a value, writers that read nothing but their arguments, and one selection per build."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from pathlib import Path

import pytest

from helpers import copy_project, run_brief


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("pipeline") / "project")


def topic_of(project: Path) -> str:
    return sorted(p.stem for p in (project / "briefs").glob("*.yaml") if not p.name.startswith("stakeholders"))[0]


def loaded(project: Path):
    from brief.corpus.load import load_project

    p = load_project(project)
    assert not p.problems, p.problems
    return p


def creation_dates(outputs) -> dict[str, str]:
    files = {path.suffix: data for path, data in outputs}
    pdf = re.search(rb"/CreationDate \(D:(\d{8})", files[".pdf"]).group(1).decode()
    core = zipfile.ZipFile(io.BytesIO(files[".docx"])).read("docProps/core.xml").decode()
    docx = re.search(r"<dcterms:created[^>]*>(\d{4})-(\d\d)-(\d\d)", core).groups()
    return {"pdf": pdf, "docx": "".join(docx)}


def test_two_briefs_built_in_one_process_each_carry_their_own_date(project, tmp_path):
    """The writers take the date from the document, never from the environment or the first
    build of the process (the PDF is written in a forked worker that outlives one build)."""
    from brief.build import render_brief

    p = loaded(project)
    topic = topic_of(project)
    for day in (datetime.date(2024, 1, 2), datetime.date(2025, 6, 7)):
        got = creation_dates(render_brief(p, topic, out_dir=tmp_path, date=day))
        assert got == {"pdf": day.strftime("%Y%m%d"), "docx": day.strftime("%Y%m%d")}


def test_writers_ignore_source_date_epoch(project, monkeypatch):
    """SOURCE_DATE_EPOCH is read once, where the build date is decided; a writer given a document
    dated otherwise writes the document's date."""
    from brief.build import compose_document
    from brief.writers import get_writer, options_for

    p = loaded(project)
    doc = compose_document(p, topic_of(project), date=datetime.date(2022, 3, 4)).document
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    pdf = get_writer("pdf")(doc, options_for("pdf", project, "en"))
    assert b"/CreationDate (D:20220304" in pdf
    docx = get_writer("docx")(doc, options_for("docx", project, "en"))
    assert "2022-03-04T00:00:00Z" in zipfile.ZipFile(io.BytesIO(docx)).read("docProps/core.xml").decode()


def test_source_date_epoch_still_makes_rebuilds_byte_identical(project, tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    outs = []
    for n in (1, 2):
        out = tmp_path / f"o{n}"
        r = run_brief("--project", project, "generate", "--topic", topic_of(project), "--out", out, env=env)
        assert r.returncode == 0, r.stderr
        outs.append({f.name: f.read_bytes() for f in out.iterdir()})
    assert outs[0] == outs[1]


NESTED = """{#- description: placeholders at every depth -#}
# {{ topic.title }}

{% for f in findings[:2] %}
- {{ f.claim }} {{ cite(f) }}
{% endfor %}

- References in a list item:

  ::: references
  :::

> ::: source-notes
> :::

> - ::: toc
>   :::
"""


def test_placeholders_are_filled_in_list_items_and_block_quotes(project):
    from brief import model as m
    from brief.build import compose_document

    (project / "templates" / "nested.md.j2").write_text(NESTED, encoding="utf-8")
    try:
        doc = compose_document(loaded(project), topic_of(project), template="nested").document
    finally:
        (project / "templates" / "nested.md.j2").unlink()
    blocks = list(m.walk(doc.blocks))
    assert not any(isinstance(b, m.Placeholder) for b in blocks)
    refs = {b.kind: b for b in blocks if isinstance(b, m.References)}
    assert set(refs) == {"references", "source-notes"}
    cited = {n for b in blocks if isinstance(b, m.Para) for c in b.children if isinstance(c, m.Cite) for n in c.numbers}
    assert cited and {e.number for e in refs["references"].entries} == cited
    assert {e.number for e in refs["source-notes"].entries} == cited
    assert any(isinstance(b, m.Toc) for b in blocks)
    # The item's own paragraph stays in front of the list it now holds.
    item = next(b for b in blocks if isinstance(b, m.BulletList) and any(isinstance(x, m.References)
                                                                          for i in b.items for x in i))
    assert m.inline_text(item.items[-1][0].children) == "References in a list item:"


def test_a_placeholder_that_cannot_be_filled_is_an_error_at_its_template_line(project):
    (project / "templates" / "badchart.md.j2").write_text(
        "# {{ topic.title }}\n\n- item\n\n  ::: chart no-such-chart\n  caption\n  :::\n", encoding="utf-8")
    try:
        r = run_brief("--project", project, "generate", "--topic", topic_of(project), "--template", "badchart",
                      "--out", project / "out")
        c = run_brief("--project", project, "check")
    finally:
        (project / "templates" / "badchart.md.j2").unlink()
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "templates/badchart.md.j2:5: chart 'no-such-chart' is not defined by topic" in r.stderr, r.stderr
    assert c.returncode == 1 and "templates/badchart.md.j2:5: chart 'no-such-chart'" in c.stdout, c.stdout


def test_a_build_selects_each_topic_once(project, tmp_path, monkeypatch):
    from brief import select
    from brief.build import generate

    p = loaded(project)
    calls = []
    real = select.select

    def counting(project_, entry):
        calls.append(entry.topic.id)
        return real(project_, entry)

    monkeypatch.setattr(select, "select", counting)
    import brief.check

    monkeypatch.setattr(brief.check, "select", counting)
    topics = sorted(p.topics)
    generate(p, topics, out_dir=tmp_path, formats=("docx",))
    assert sorted(calls) == topics


def test_the_number_memo_never_accepts_what_the_check_rejects(tmp_path):
    """The number check's answers are remembered in .brief-cache/numbers.json, keyed by the exact
    texts and the number code: a claim changed behind the memo's back is checked afresh."""
    import json
    import re as re_

    project = copy_project(tmp_path / "project")
    assert run_brief("--project", project, "check").returncode == 0
    memo = project / ".brief-cache" / "numbers.json"
    assert memo.is_file() and len(json.loads(memo.read_text(encoding="utf-8"))) > 1
    path = next(p for p in sorted((project / "seeds").glob("*/findings.yaml"))
                if re_.search(r"^\s+en: .*\d", p.read_text(encoding="utf-8"), re_.M))
    text = path.read_text(encoding="utf-8")
    line = next(ln for ln in text.split("\n") if re_.search(r"^\s+en: .*\d", ln))
    path.write_text(text.replace(line, re_.sub(r"\d+", "987654", line, count=1), 1), encoding="utf-8")
    r = run_brief("--project", project, "check")
    assert r.returncode == 1 and "987654" in r.stdout and "do not appear in the quote" in r.stdout, r.stdout
    path.write_text(text, encoding="utf-8")
    data = json.loads(memo.read_text(encoding="utf-8"))
    data["version"] = "made by other code"
    data = {k: (["1"] if isinstance(v, list) else v) for k, v in data.items()}  # wrong answers, other version
    memo.write_text(json.dumps(data), encoding="utf-8")
    assert run_brief("--project", project, "check").returncode == 0  # ignored: not this code's memo


KILL_THE_WORKER = """
import os, signal, sys, time
from pathlib import Path
import brief.build as b
from brief.corpus.load import load_project
project, out = load_project(Path(sys.argv[1])), Path(sys.argv[2])
topic = sorted(project.topics)[0]
b.prewarm(project.root)  # (as brief serve and brief watch do)
first = b.generate(project, [topic], out_dir=out / "1")
for pid in list(b._POOL._processes):
    os.kill(pid, signal.SIGKILL)
time.sleep(0.3)
second = b.generate(project, [topic], out_dir=out / "2")  # the pool is broken: the PDF is written here
third = b.generate(project, [topic], out_dir=out / "3")   # and a new worker writes the next one
for run in (first, second, third):
    print(sorted(p.name for p in run))
"""


def test_a_killed_writer_worker_costs_no_brief(project, tmp_path):
    """A long-running process (brief serve, brief watch) keeps building PDFs after its forked
    writer worker was killed: the PDF in hand is written in the process, the next by a new worker."""
    import subprocess
    import sys

    import os

    r = subprocess.run([sys.executable, "-c", KILL_THE_WORKER, str(project), str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=300, env=dict(os.environ, SOURCE_DATE_EPOCH="1767225600"))
    assert r.returncode == 0, r.stderr
    runs = r.stdout.strip().splitlines()
    assert len(runs) == 3 and len(set(runs)) == 1 and ".pdf'" in runs[0], r.stdout
    pdfs = [next((tmp_path / "out" / n).glob("*.pdf")).read_bytes() for n in "123"]
    assert pdfs[0] == pdfs[1] == pdfs[2]
