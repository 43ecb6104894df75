"""The incremental corpus index: a run pays only for the folders that changed, `generate` reads only
the sources it cites, and the cache never makes a build accept what a full check would reject,
even when a file is changed behind its back (same size, modification time put back)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from helpers import body_lines, load_yaml, run_brief

from brief.corpus.index import Store
from brief.corpus.load import load_project


@pytest.fixture(autouse=True)
def own_key(tmp_path, monkeypatch):
    """Each test signs its cache with a key of its own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv("BRIEF_NO_CACHE", raising=False)


def folders(project: Path) -> list[Path]:
    return sorted(p for p in (project / "seeds").iterdir() if (p / "source.yaml").exists())


def behind_its_back(path: Path, old: str, new: str) -> None:
    """Replace text with text of the same length in UTF-8, and put the modification time back."""
    assert len(old.encode()) == len(new.encode()) and old != new
    st = path.stat()
    data = path.read_bytes()
    assert data.count(old.encode()) >= 1, (path, old)
    path.write_bytes(data.replace(old.encode(), new.encode(), 1))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def check(project: Path):
    r = run_brief("--project", project, "check")
    return r.returncode, r.stdout + r.stderr


def warm(project: Path) -> None:
    code, out = check(project)
    assert code == 0, out
    assert list((project / ".brief-cache" / "folders").glob("*.pickle")), "the index was not written"


def a_quote(project: Path) -> tuple[Path, str]:
    path = folders(project)[0] / "findings.yaml"
    return path, load_yaml(path)["findings"][0]["quote"]


def swap_char(text: str) -> str:
    """The text with one character changed to another of the same UTF-8 length."""
    for i, ch in enumerate(text):
        if ch.isascii() and ch.isalpha():
            return text[:i] + ("x" if ch != "x" else "y") + text[i + 1:]
        if "\u4e00" <= ch <= "\u9fff":
            return text[:i] + ("中" if ch != "中" else "国") + text[i + 1:]
    raise AssertionError(f"nothing to change in {text!r}")


def test_a_second_load_reuses_every_folder_and_a_change_reloads_only_its_folder(sample_project):
    first = load_project(sample_project)
    n = len(folders(sample_project))
    assert first.index.made == n and first.index.reused == 0
    second = load_project(sample_project)
    assert second.index.reused == n and second.index.made == 0
    assert [(f.id, f.source_id, f.loc.line, f.topics) for f in second.findings.values()] == \
           [(f.id, f.source_id, f.loc.line, f.topics) for f in first.findings.values()]
    assert [f.finding for f in second.findings.values()] == [f.finding for f in first.findings.values()]
    assert [(s.source, s.paragraphs) for s in second.sources.values()] == \
           [(s.source, s.paragraphs) for s in first.sources.values()]
    path = folders(sample_project)[1] / "findings.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# an analyst's note\n", encoding="utf-8")
    third = load_project(sample_project)
    assert third.index.reused == n - 1 and third.index.made == 1


def test_a_generate_reads_only_the_sources_its_brief_cites(sample_project):
    from brief.check import preflight
    from brief.corpus.load import Project

    load_project(sample_project)
    project: Project = load_project(sample_project)
    topic = sorted(project.topics)[0]
    selection = preflight(project, [topic])[topic]
    read = {sid for sid, e in project.sources.items() if e._source is not None}
    assert read <= set(selection.source_ids), read - set(selection.source_ids)
    assert all(e._source is None for sid, e in project.sources.items() if sid not in selection.source_ids)


def test_a_quote_changed_behind_the_caches_back_is_caught(sample_project):
    warm(sample_project)
    path, quote = a_quote(sample_project)
    behind_its_back(path, quote, swap_char(quote))
    code, out = check(sample_project)
    assert code == 1 and re.search(r"quote not found in source", out), out
    r = run_brief("--project", sample_project, "generate", "--all", "--out", sample_project / "out")
    assert r.returncode == 1 and "quote not found" in r.stdout + r.stderr


def test_a_body_line_changed_behind_the_caches_back_is_caught(sample_project):
    warm(sample_project)
    body = folders(sample_project)[0] / "body.txt"
    line = next(ln for ln in body_lines(body) if len(ln) > 20)
    behind_its_back(body, line, swap_char(line))
    code, out = check(sample_project)
    assert code == 1 and "body has drifted from its pinned hash" in out, out


def test_a_hash_changed_behind_the_caches_back_is_caught(sample_project):
    warm(sample_project)
    path = folders(sample_project)[0] / "source.yaml"
    pinned = load_yaml(path)["body_sha256"]
    other = ("0" if pinned[5] != "0" else "1")
    behind_its_back(path, pinned, pinned[:5] + other + pinned[6:])
    code, out = check(sample_project)
    assert code == 1 and "body has drifted from its pinned hash" in out, out


def test_an_original_changed_behind_the_caches_back_is_caught(sample_project):
    warm(sample_project)
    src = load_yaml(folders(sample_project)[0] / "source.yaml")
    original = sample_project / "seeds" / src["original"]
    line = next(ln for ln in original.read_text(encoding="utf-8").split("\n") if len(ln) > 20)
    behind_its_back(original, line, swap_char(line))
    code, out = check(sample_project)
    assert code == 1 and "has changed: its SHA-256 is" in out, out


def test_a_stances_change_reaches_the_findings_that_name_a_stance(sample_project):
    warm(sample_project)
    stances = sample_project / "seeds" / "stances.yaml"
    named = {f.get("stance") for p in folders(sample_project) if (p / "findings.yaml").exists()
             for f in load_yaml(p / "findings.yaml")["findings"]} - {None}
    stance = sorted(named)[0]
    text = stances.read_text(encoding="utf-8")
    assert re.search(rf"^\s+{re.escape(stance)}:", text, re.M)
    stances.write_text(re.sub(rf"^(\s+){re.escape(stance)}:", r"\1renamed-position:", text, count=1, flags=re.M),
                       encoding="utf-8")
    code, out = check(sample_project)
    assert code == 1 and f"unknown stance '{stance}'" in out, out


def test_a_cache_signed_by_someone_else_is_not_trusted(sample_project, tmp_path, monkeypatch):
    warm(sample_project)
    name = folders(sample_project)[0].name
    mine = Store(sample_project, "folders")
    assert mine.get(name, "") is not None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    assert Store(sample_project, "folders").get(name, "") is None


def test_a_damaged_or_edited_cache_file_is_ignored(sample_project):
    warm(sample_project)
    entry = sorted((sample_project / ".brief-cache" / "folders").glob("*.pickle"))[0]
    data = bytearray(entry.read_bytes())
    data[-10] ^= 0xFF
    entry.write_bytes(bytes(data))
    payload = sorted((sample_project / ".brief-cache" / "folders").glob("*.payload"))[1]
    payload.write_bytes(payload.read_bytes()[:-5])
    code, out = check(sample_project)
    assert code == 0, out
    project = load_project(sample_project)
    for e in project.sources.values():  # every source still reads (the damaged payload from its files)
        assert e.paragraphs and e.source.id == e.id
    path, quote = a_quote(sample_project)
    behind_its_back(path, quote, swap_char(quote))
    code, out = check(sample_project)
    assert code == 1 and "quote not found" in out, out


def test_the_cache_is_safe_to_delete_and_is_ignored_by_git(sample_project, repo_root):
    warm(sample_project)
    shutil.rmtree(sample_project / ".brief-cache")
    code, out = check(sample_project)
    assert code == 0, out
    assert "/.brief-cache/" in (repo_root / ".gitignore").read_text(encoding="utf-8").split()


def test_check_remembers_only_passing_compositions(sample_project):
    """A template broken after a passing check is reported: what passed is keyed by the templates' content."""
    warm(sample_project)
    template = sample_project / "templates" / "brief.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n{{ t.no_such_string_key }}\n", encoding="utf-8")
    code, out = check(sample_project)
    assert code == 1 and "no_such_string_key" in out, out


def test_folders_read_by_several_processes_give_the_same_project(sample_project, monkeypatch):
    """A first run over many folders reads them in parallel (BRIEF_PARALLEL_LOAD=1 forces it here):
    the same findings, sources and problems as one process, and the index is written."""
    monkeypatch.setenv("BRIEF_NO_CACHE", "1")
    serial = load_project(sample_project)
    monkeypatch.delenv("BRIEF_NO_CACHE")
    monkeypatch.setenv("BRIEF_PARALLEL_LOAD", "1")
    path, quote = a_quote(sample_project)
    parallel = load_project(sample_project)
    assert [(f.id, f.loc.line, f.finding) for f in parallel.findings.values()] == \
           [(f.id, f.loc.line, f.finding) for f in serial.findings.values()]
    assert [(s.source, s.paragraphs) for s in parallel.sources.values()] == \
           [(s.source, s.paragraphs) for s in serial.sources.values()]
    assert parallel.problems == serial.problems
    assert load_project(sample_project).index.reused == len(folders(sample_project))
    path.write_text(path.read_text(encoding="utf-8").replace(quote, swap_char(quote), 1), encoding="utf-8")
    shutil.rmtree(sample_project / ".brief-cache", ignore_errors=True)
    broken = load_project(sample_project)
    assert any("quote not found" in p.message for p in broken.problems)


def test_a_claim_changed_after_a_passing_check_is_composed_again(sample_project):
    """What passed is keyed by the validated content of every folder a brief reads: a claim that
    the PDF fonts cannot draw is reported by the next check."""
    warm(sample_project)
    topic = load_yaml(sorted((sample_project / "briefs").glob("*.yaml"))[0])
    fid = topic["key_findings"][0]  # shown in full, claim and all, in every template
    path = next(p / "findings.yaml" for p in folders(sample_project)
                if (p / "findings.yaml").exists() and f"id: {fid}\n" in (p / "findings.yaml").read_text(encoding="utf-8"))
    claim = next(f for f in load_yaml(path)["findings"] if f["id"] == fid)["claim"]["en"]
    text = path.read_text(encoding="utf-8")
    assert text.count(claim) == 1
    path.write_text(text.replace(claim, claim[:-1] + " \u0f3a\u0f3b."), encoding="utf-8")  # Tibetan marks: no font here has them
    code, out = check(sample_project)
    assert code == 1 and "0F3A" in out.upper(), out


def _compiled_entries(project: Path) -> set[str]:
    return {p.name for p in (project / ".brief-cache" / "templates").glob("*.pickle")}


def _generate_docx(project: Path) -> str:
    from helpers import docx_body

    r = run_brief("--project", project, "generate", "--topic", _a_topic(project), "--format", "docx",
                  "--out", project / "out")
    assert r.returncode == 0, r.stderr
    return "\n".join(p.text for p in docx_body(next((project / "out").glob("*.docx"))))


def _a_topic(project: Path) -> str:
    return sorted(p.stem for p in (project / "briefs").glob("*.yaml"))[0]


def test_compiled_templates_are_kept_and_a_template_edited_behind_the_caches_back_is_compiled_again(sample_project):
    _generate_docx(sample_project)
    assert _compiled_entries(sample_project), "no compiled template was kept"
    template = sample_project / "templates" / "brief.md.j2"
    text = template.read_text(encoding="utf-8")
    heading = re.search(r"^## \{\{ t\.(\w+) \}\}$", text, re.M)
    assert heading, "the brief template has a section heading from the strings"
    old = heading.group(0)
    new = "## " + "Q" * (len(old.encode()) - 3)
    behind_its_back(template, old, new)
    assert new[3:] in _generate_docx(sample_project)


PLANT = """
import sys
from pathlib import Path
from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket
from brief.corpus.index import Store
project, text = Path(sys.argv[1]), sys.argv[2]
env, bcc, store = Environment(), BytecodeCache(), Store(project, "templates")
for path in (project / "templates").rglob("*.md.j2"):
    name = path.relative_to(project / "templates").as_posix()
    bucket = Bucket(env, bcc.get_cache_key(name, str(path)), bcc.get_source_checksum(path.read_text(encoding="utf-8")))
    bucket.code = env.compile(text, name, str(path))
    store.put(bucket.key, bucket.checksum, {}, bucket.bytecode_to_string())
"""


def plant(project: Path, text: str, cache_home: Path) -> None:
    """Compiled code for every template, stored under the right names and source checksums by
    `brief`'s own cache code, signed with the key of `cache_home` (run as brief runs: the code
    version covers the import path)."""
    import subprocess
    import sys

    env = dict(os.environ, XDG_CACHE_HOME=str(cache_home))
    subprocess.run([sys.executable, "-c", PLANT, str(project), text], check=True, env=env)


def test_compiled_templates_signed_by_someone_else_are_not_run(sample_project, tmp_path):
    # A compiled template is code: an entry this user's key did not sign is never loaded, even
    # when it carries the right name and source checksum.
    before = _generate_docx(sample_project)
    shutil.rmtree(sample_project / ".brief-cache" / "templates")
    plant(sample_project, "PLANTED-BY-ANOTHER-USER", tmp_path / "another-user")
    after = _generate_docx(sample_project)
    assert "PLANTED" not in after and after == before


def _entries(project: Path, kind: str) -> list[Path]:
    return sorted((project / ".brief-cache" / kind).glob("*.pickle"))


def test_an_unchanged_brief_is_not_composed_again_and_any_input_change_is_seen(sample_project, tmp_path):
    """The composed document is kept; each input changed behind the cache's back (same size,
    modification time put back) reaches the next brief: a UI string, a claim, the topic file, the
    date, an outside CSL file."""
    topic = _a_topic(sample_project)
    first = _generate_docx(sample_project)
    assert len(_entries(sample_project, "composed")) == 1
    kept = _entries(sample_project, "composed")[0].stat().st_mtime_ns
    assert _generate_docx(sample_project) == first
    assert _entries(sample_project, "composed")[0].stat().st_mtime_ns == kept, "an unchanged brief was composed again"

    strings = sample_project / "templates" / "strings" / "en.yaml"
    title = re.search(r'^references: "?([^"\n]+)"?$', strings.read_text(encoding="utf-8"), re.M)
    assert title, "en.yaml has a references heading"
    behind_its_back(strings, f"references: {title.group(0)[12:]}", f"references: {'R' * len(title.group(0)[12:])}")
    assert "R" * len(title.group(1)) in _generate_docx(sample_project)

    path = folders(sample_project)[0] / "findings.yaml"
    claims = [f["claim"]["en"] for f in load_yaml(path)["findings"]]
    shown = _generate_docx(sample_project)
    claim = next((c for c in claims if c[:40] in shown), None)
    if claim is not None:  # (the first folder's findings are in this brief)
        behind_its_back(path, claim[:12], swap_char(claim[:12]))
        assert swap_char(claim[:12]) in _generate_docx(sample_project)

    topic_file = sample_project / "briefs" / f"{topic}.yaml"
    question = load_yaml(topic_file)["question"]["en"]
    behind_its_back(topic_file, question[:10], swap_char(question[:10]))
    assert swap_char(question[:10]) in _generate_docx(sample_project)

    r = run_brief("--project", sample_project, "generate", "--topic", topic, "--format", "docx",
                  "--out", sample_project / "out", env={"SOURCE_DATE_EPOCH": "1000000000"})
    assert r.returncode == 0, r.stderr
    from helpers import docx_body

    dated = "\n".join(p.text for p in docx_body(next((sample_project / "out").glob("*.docx"))))
    assert "2001" in dated and "2001" not in first


def test_a_csl_file_outside_the_project_changed_after_a_brief_is_seen(sample_project, tmp_path):
    from helpers import docx_body

    csl = tmp_path / "house.csl"
    shutil.copy(next((sample_project / "templates" / "csl").glob("chicago*.csl")), csl)

    def refs() -> str:
        r = run_brief("--project", sample_project, "generate", "--topic", _a_topic(sample_project), "--format",
                      "docx", "--csl", csl, "--out", sample_project / "out")
        assert r.returncode == 0, r.stderr
        return "\n".join(p.text for p in docx_body(next((sample_project / "out").glob("*.docx"))))

    before = refs()
    text = csl.read_text(encoding="utf-8")
    layout = re.search(r"<bibliography[^>]*>.*?(<layout[^>]*>)", text, re.S)
    assert layout, "the style has a bibliography layout"
    at = layout.end(1)
    csl.write_text(text[:at] + '<text value="SEEN-ON "/>' + text[at:], encoding="utf-8")
    after = refs()
    assert after != before and "SEEN-ON" in after


def test_a_strings_table_changed_behind_the_caches_back_is_checked_again(sample_project, monkeypatch):
    """The checked UI strings are kept (checking plural forms loads CLDR data); a table edited
    behind the cache's back is read and checked again: here a field no string may use."""
    warm(sample_project)
    assert list((sample_project / ".brief-cache" / "strings").glob("*.pickle")), "the strings were not kept"
    strings = sample_project / "templates" / "strings" / "en.yaml"
    line = next(x for x in strings.read_text(encoding="utf-8").splitlines()
                if re.match(r"^\w+: [A-Za-z ]{8,}$", x))
    key, text = line.split(": ", 1)
    behind_its_back(strings, line, f'{key}: "{{z}}{text[5:]}"')
    monkeypatch.setenv("BRIEF_TEST_SUBPROCESS", "1")  # (a new process: only the signed cache remembers)
    code, out = check(sample_project)
    assert code == 1 and f"'{key}': field {{z}} is not allowed" in out, out


def _fresh_styles() -> None:
    """Forget the style files this process has read (a new process would not have them)."""
    from brief.writers import styles

    for f in (styles._load_pdf_style, styles._load_docx_style, styles._load_html_style):
        f.cache_clear()


def _read_everything(project: Path):
    from brief.writers import styles

    _fresh_styles()
    loaded = load_project(project)
    return loaded, styles.pdf_style(project), styles.docx_style(project), styles.html_style(project)


def test_unchanged_config_topic_and_style_files_are_neither_parsed_nor_validated_again(sample_project, monkeypatch):
    from brief.corpus import yamlio

    first = _read_everything(sample_project)
    read: list[str] = []  # the files parsed (every file validated is parsed first)
    real_load = yamlio.load
    monkeypatch.setattr(yamlio, "load", lambda path, shown: read.append(shown) or real_load(path, shown))
    second = _read_everything(sample_project)
    assert read == []
    assert second[0].config == first[0].config and second[0].stances == first[0].stances
    assert {k: (e.topic, e.data, e.data.lines) for k, e in second[0].topics.items()} == \
           {k: (e.topic, e.data, e.data.lines) for k, e in first[0].topics.items()}
    assert second[1:] == first[1:]
    topic = sorted((sample_project / "briefs").glob("*.yaml"))[0]
    config = sample_project / "brief.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# a note\n", encoding="utf-8")
    topic.write_text(topic.read_text(encoding="utf-8") + "\n# a note\n", encoding="utf-8")
    _read_everything(sample_project)
    assert sorted(set(read)) == sorted(["brief.yaml", f"briefs/{topic.name}"])


def test_a_topic_changed_behind_the_caches_back_is_validated_again(sample_project):
    load_project(sample_project)
    topic = sorted((sample_project / "briefs").glob("*.yaml"))[0]
    label = re.search(r'^tlp: "(TLP:[A-Z]+)"', topic.read_text(encoding="utf-8"), re.M).group(1)
    behind_its_back(topic, f'"{label}"', f'"{label[:-1]}X"')
    problems = [str(p) for p in load_project(sample_project).problems]
    assert any(p.startswith(f"briefs/{topic.name}:") and "tlp" in p for p in problems), problems


def test_a_style_sheet_changed_behind_the_caches_back_is_validated_again(sample_project):
    from brief.errors import InputError
    from brief.writers import styles

    _read_everything(sample_project)
    sheet = sample_project / "templates" / "styles" / "pdf.yaml"
    colour = re.search(r'"#([0-9A-Fa-f]{6})"', sheet.read_text(encoding="utf-8")).group(1)
    behind_its_back(sheet, f'"#{colour}"', f'"#{colour[:5]}G"')
    _fresh_styles()
    with pytest.raises(InputError) as e:
        styles.pdf_style(sample_project)
    assert any(p.path == "templates/styles/pdf.yaml" and p.line for p in e.value.problems), e.value.problems
