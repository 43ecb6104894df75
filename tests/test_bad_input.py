"""Bad input: a copy of the fixture project broken one way must fail cleanly.

Each failure: exit code 1, a `path:line: message` naming the broken place, no traceback, and no
output (nor temporary) file left in --out.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import CONTESTED_TOPIC, ZH_TOPIC
from helpers import Corpus, body_lines, files_under, line_containing

BOTH = pytest.mark.parametrize("command", ["check", "generate"])
TOPIC = ZH_TOPIC


def run_cmd(run_brief, project: Path, command: str, out: Path):
    if command == "check":
        return run_brief("--project", project, "check")
    return run_brief("--project", project, "generate", "--topic", TOPIC, "--out", out)


def assert_clean_failure(r, where: str, *phrases: str, out: Path | None = None):
    """Exit 1; one reported line holds `where` and every phrase; no traceback; nothing in `out`."""
    text = r.stdout + r.stderr
    assert r.returncode == 1, text
    assert "Traceback" not in r.stderr, r.stderr
    lines = [ln for ln in text.splitlines() if where in ln]
    assert lines, f"no line mentions {where!r}:\n{text}"
    assert any(all(p in ln for p in phrases) for ln in lines), f"no line at {where!r} says {phrases!r}:\n{text}"
    if out is not None:
        assert files_under(out) == [], f"files left in --out: {files_under(out)}"


def set_line(path: Path, n: int, new: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[n - 1] = new
    path.write_text("\n".join(lines), encoding="utf-8")


def insert_line(path: Path, n: int, new: str) -> None:
    """Insert `new` so that it becomes line `n`."""
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(n - 1, new)
    path.write_text("\n".join(lines), encoding="utf-8")


def finding_lines(path: Path, fid: str) -> dict[str, int]:
    """Line numbers of a finding's id, quote, locator and claim.en lines in its findings file."""
    start = line_containing(path, f"id: {fid}")
    return {
        "id": start,
        "quote": line_containing(path, "quote:", start),
        "locator": line_containing(path, "locator:", start),
        "en": line_containing(path, " en:", line_containing(path, "claim:", start)),
    }


@pytest.fixture
def out(tmp_path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def first_finding(sample_project):
    """(findings.yaml path, finding dict, source id) of the first finding of the first source."""
    corpus = Corpus(sample_project)
    sid = sorted(corpus.findings_by_source)[0]
    return corpus.source_dirs[sid] / "findings.yaml", corpus.findings_by_source[sid][0], sid


# ---- YAML and schema -----------------------------------------------------------------------


@BOTH
def test_malformed_yaml_reports_its_line(run_brief, sample_project, first_finding, out, command):
    path, f, _ = first_finding
    n = line_containing(path, "kind:", finding_lines(path, f["id"])["id"])
    set_line(path, n, f"    kind: {f['kind']}: broken")
    r = run_cmd(run_brief, sample_project, command, out)
    shown = path.relative_to(sample_project).as_posix()
    assert_clean_failure(r, f"{shown}:{n}:", "malformed YAML", out=out if command == "generate" else None)


@BOTH
def test_unknown_field_in_source_suggests_the_right_one(run_brief, sample_project, out, command):
    path = sorted((sample_project / "seeds").glob("*/source.yaml"))[0]
    n = line_containing(path, "publisher:")
    text = path.read_text(encoding="utf-8").replace("\npublisher:", "\npublsher:")
    path.write_text(text, encoding="utf-8")
    r = run_cmd(run_brief, sample_project, command, out)
    shown = path.relative_to(sample_project).as_posix()
    assert_clean_failure(r, f"{shown}:{n}:", "unknown field", "publsher", "did you mean 'publisher'",
                         out=out if command == "generate" else None)


@BOTH
def test_missing_required_field_in_topic(run_brief, sample_project, out, command):
    path = sample_project / "briefs" / f"{CONTESTED_TOPIC}.yaml"
    lines = path.read_text(encoding="utf-8").split("\n")
    q = next(i for i, ln in enumerate(lines) if ln.startswith("question:"))
    end = q + 1
    while end < len(lines) and lines[end].startswith(" "):
        end += 1
    del lines[q:end]
    path.write_text("\n".join(lines), encoding="utf-8")
    # The line the topic's mapping starts on: its first line that is not blank or a comment.
    mapping_start = next(n for n, ln in enumerate(lines, 1) if ln.strip() and not ln.lstrip().startswith("#"))
    r = run_cmd(run_brief, sample_project, command, out)
    assert_clean_failure(r, f"briefs/{CONTESTED_TOPIC}.yaml:{mapping_start}:", "missing field", "question",
                         out=out if command == "generate" else None)


# ---- cross-file consistency ----------------------------------------------------------------


@BOTH
def test_duplicate_finding_id_across_files(run_brief, sample_project, out, command):
    corpus = Corpus(sample_project)
    a, b = sorted(corpus.findings_by_source)[:2]
    fa, fb = corpus.findings_by_source[a][0], corpus.findings_by_source[b][0]
    pa, pb = corpus.source_dirs[a] / "findings.yaml", corpus.source_dirs[b] / "findings.yaml"
    la, lb = line_containing(pa, f"id: {fa['id']}"), line_containing(pb, f"id: {fb['id']}")
    text = pb.read_text(encoding="utf-8").replace(f"id: {fb['id']}", f"id: {fa['id']}", 1)
    pb.write_text(text, encoding="utf-8")
    r = run_cmd(run_brief, sample_project, command, out)
    # Reported at one of the two places, naming the other.
    where_a, where_b = f"seeds/{a}/findings.yaml:{la}", f"seeds/{b}/findings.yaml:{lb}"
    assert_clean_failure(r, f"duplicate finding id '{fa['id']}'", where_a, where_b,
                         out=out if command == "generate" else None)


@BOTH
def test_findings_file_pointing_at_missing_source(run_brief, sample_project, out, command):
    ghost = sample_project / "seeds" / "ghost-source"
    ghost.mkdir()
    (ghost / "findings.yaml").write_text("# findings without a source\nsource: ghost-source\nfindings: []\n",
                                         encoding="utf-8")
    r = run_cmd(run_brief, sample_project, command, out)
    assert_clean_failure(r, "seeds/ghost-source/findings.yaml:2:", "missing source", "ghost-source",
                         out=out if command == "generate" else None)


@BOTH
def test_quote_not_in_source(run_brief, sample_project, first_finding, out, command):
    path, f, sid = first_finding
    n = finding_lines(path, f["id"])["quote"]
    line = path.read_text(encoding="utf-8").split("\n")[n - 1]
    # Replace the quote's first character by one that makes it absent from the body.
    head = f["quote"][:12]
    assert head in line
    altered = "\u2603" + f["quote"][1:]
    set_line(path, n, line.replace(head, "\u2603" + head[1:], 1))
    assert altered not in (sample_project / "seeds" / sid / "body.txt").read_text(encoding="utf-8")
    r = run_cmd(run_brief, sample_project, command, out)
    shown = path.relative_to(sample_project).as_posix()
    assert_clean_failure(r, f"{shown}:{n}:", f"finding '{f['id']}'", "quote not found",
                         out=out if command == "generate" else None)


@BOTH
def test_locator_off_by_one_gives_the_right_locator(run_brief, sample_project, first_finding, out, command):
    path, f, sid = first_finding
    loc = f["locator"]
    n = finding_lines(path, f["id"])["locator"]
    line = path.read_text(encoding="utf-8").split("\n")[n - 1]
    new = re.sub(r"start: *\d+", f"start: {loc['start'] + 1}", line)
    new = re.sub(r"end: *\d+", f"end: {loc['end'] + 1}", new)
    assert new != line
    set_line(path, n, new)
    # Where the quote really is, found independently.
    body = body_lines(sample_project / "seeds" / sid / "body.txt")
    para = next(i for i, p in enumerate(body, 1) if f["quote"] in p)
    start = body[para - 1].index(f["quote"])
    right = f"para {para}, start {start}, end {start + len(f['quote'])}"
    r = run_cmd(run_brief, sample_project, command, out)
    shown = path.relative_to(sample_project).as_posix()
    assert_clean_failure(r, f"{shown}:{n}:", "does not match", right, out=out if command == "generate" else None)


@BOTH
def test_number_in_claim_missing_from_quote(run_brief, sample_project, first_finding, out, command):
    path, f, _ = first_finding
    assert "987654" not in f["quote"]
    n = finding_lines(path, f["id"])["en"]
    line = path.read_text(encoding="utf-8").split("\n")[n - 1]
    value = line.split("en:", 1)[1].strip()
    if value[:1] in ("'", '"'):
        new = line.replace(value, value[:-1] + " (987654 units)" + value[-1])
    else:
        new = line + " (987654 units)"
    set_line(path, n, new)
    r = run_cmd(run_brief, sample_project, command, out)
    shown = path.relative_to(sample_project).as_posix()
    assert_clean_failure(r, f"{shown}:{n}:", "987654", "claim.en", "do not appear in the quote",
                         out=out if command == "generate" else None)


@BOTH
def test_edited_body_is_reported_as_hash_drift(run_brief, sample_project, out, command):
    body = sorted((sample_project / "seeds").glob("*/body.txt"))[0]
    body.write_text(body.read_text(encoding="utf-8") + "An edited line.\n", encoding="utf-8")
    r = run_cmd(run_brief, sample_project, command, out)
    shown = body.relative_to(sample_project).as_posix()
    assert_clean_failure(r, f"{shown}:", "drifted", out=out if command == "generate" else None)


def test_unknown_topic_suggests_the_closest(run_brief, project_root, out):
    typo = TOPIC[:-1]
    r = run_brief("--project", project_root, "generate", "--topic", typo, "--out", out)
    assert_clean_failure(r, "briefs/", f"unknown topic '{typo}'", f"did you mean '{TOPIC}'", out=out)


@BOTH
def test_bottom_line_citing_an_unselected_finding(run_brief, sample_project, out, command):
    corpus = Corpus(sample_project)
    selected = set(corpus.selected(TOPIC))
    outsider = next(fid for fid in corpus.findings if fid not in selected)
    path = sample_project / "briefs" / f"{TOPIC}.yaml"
    first_cite = corpus.topics[TOPIC]["bottom_line"][0]["cites"][0]
    n = line_containing(path, "cites:", line_containing(path, "bottom_line:"))
    line = path.read_text(encoding="utf-8").split("\n")[n - 1]
    assert first_cite in line
    set_line(path, n, line.replace(first_cite, outsider, 1))
    r = run_cmd(run_brief, sample_project, command, out)
    assert_clean_failure(r, f"briefs/{TOPIC}.yaml:{n}:", "bottom_line[1]", outsider, "does not select",
                         out=out if command == "generate" else None)


# ---- templates -----------------------------------------------------------------------------


def _break_template(project: Path, text: str) -> int:
    path = project / "templates" / "brief.md.j2"
    n = line_containing(path, "{{ t.bottom_line }}")
    insert_line(path, n, text)
    return n


@BOTH
def test_template_syntax_error_reports_template_line(run_brief, sample_project, out, command):
    n = _break_template(sample_project, "{% for x in %}")
    r = run_cmd(run_brief, sample_project, command, out)
    assert_clean_failure(r, f"templates/brief.md.j2:{n}:", "syntax", out=out if command == "generate" else None)


@BOTH
def test_undefined_template_variable_reports_template_line(run_brief, sample_project, out, command):
    n = _break_template(sample_project, "{{ topic.nonexistent }}")
    r = run_cmd(run_brief, sample_project, command, out)
    assert_clean_failure(r, f"templates/brief.md.j2:{n}:", "undefined", "nonexistent",
                         out=out if command == "generate" else None)


# ---- output --------------------------------------------------------------------------------


def test_output_directory_that_cannot_be_created(run_brief, project_root, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory\n")
    out = blocker / "sub"
    r = run_brief("--project", project_root, "generate", "--topic", TOPIC, "--out", out)
    assert_clean_failure(r, str(out), "cannot create output directory")
    assert blocker.read_text() == "not a directory\n"
    assert sorted(tmp_path.iterdir()) == [blocker]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores directory permissions")
def test_output_directory_not_writable(run_brief, project_root, tmp_path):
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o500)
    try:
        r = run_brief("--project", project_root, "generate", "--topic", TOPIC, "--out", out)
        assert_clean_failure(r, str(out), "not writable", out=out)
    finally:
        out.chmod(0o700)


# ---- one mistake, one report ---------------------------------------------------------------


def _reported_paths(r) -> set[str]:
    """The files named by `path:line:` problem lines of `brief check`."""
    return {m.group(1) for m in re.finditer(r"^(?:error: )?([^\s:]+\.ya?ml):\d+:", r.stdout + r.stderr, re.M)}


def test_invalid_topic_is_reported_only_in_its_own_file(run_brief, sample_project):
    path = sample_project / "briefs" / f"{TOPIC}.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nquestion:", "\nquestoin:", 1), encoding="utf-8")
    r = run_brief("--project", sample_project, "check")
    assert r.returncode == 1
    assert _reported_paths(r) == {f"briefs/{TOPIC}.yaml"}, r.stdout


def test_invalid_source_is_reported_only_in_its_own_file(run_brief, sample_project):
    path = sorted((sample_project / "seeds").glob("*/source.yaml"))[0]
    path.write_text(path.read_text(encoding="utf-8").replace("\npublisher:", "\npublsher:"), encoding="utf-8")
    r = run_brief("--project", sample_project, "check")
    assert r.returncode == 1
    assert _reported_paths(r) == {path.relative_to(sample_project).as_posix()}, r.stdout
