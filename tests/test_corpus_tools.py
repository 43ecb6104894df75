"""Growing the corpus: `brief finding add`, quote misses that explain themselves, `brief search`.

Every test works on a copy of the repo's project and picks its sources, paragraphs and words from
that copy at test time, through the real CLI. Expected values (locators, matching paragraphs,
the findings quoting a paragraph) are computed here from the files, independently of the code
under test.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml
from helpers import add_source, body_lines, copy_project, load_yaml, run_brief

# ---- picking material from the copy -----------------------------------------------------------


def sources_of(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "seeds").iterdir() if (p / "source.yaml").is_file())


def body(project: Path, sid: str) -> list[str]:
    return body_lines(project / "seeds" / sid / "body.txt")


def findings_path(project: Path, sid: str) -> Path:
    return project / "seeds" / sid / "findings.yaml"


def selected_tags(project: Path) -> list[str]:
    tags = set()
    for p in (project / "briefs").glob("*.yaml"):
        if not p.name.startswith("stakeholders"):
            tags.update(load_yaml(p)["select"]["topics"])
    return sorted(tags)


def occurrences(project: Path, sid: str, text: str) -> list[tuple[int, int]]:
    out = []
    for n, line in enumerate(body(project, sid), 1):
        i = line.find(text)
        while i != -1:
            out.append((n, i))
            i = line.find(text, i + 1)
    return out


def fresh_passage(project: Path, length: int = 24) -> tuple[str, int, int, str]:
    """(source, para, start, quote): a passage of `length` characters that stands once in its
    body, is not already quoted (overlapping) by a finding, and holds no space at either end."""
    for sid in sources_of(project):
        quoted = {}
        for f in load_yaml(findings_path(project, sid)).get("findings") or []:
            quoted.setdefault(f["locator"]["para"], []).append((f["locator"]["start"], f["locator"]["end"]))
        for n, line in enumerate(body(project, sid), 1):
            for start in range(0, max(0, len(line) - length), 7):
                q = line[start:start + length]
                if q != q.strip() or len(occurrences(project, sid, q)) != 1:
                    continue
                if any(s < start + length and start < e for s, e in quoted.get(n, [])):
                    continue
                return sid, n, start, q
    raise AssertionError("no fresh passage in the corpus")


def window_around(line: str, i: int, before: int = 10, after: int = 12) -> tuple[int, str]:
    s = max(0, i - before)
    return s, line[s:i + after]


def find_feature(project: Path, pattern: str, *, at_end: bool = False):
    """(source, para, paragraph, index of the feature) for the first match of `pattern` in the bodies."""
    for sid in sources_of(project):
        for n, line in enumerate(body(project, sid), 1):
            if at_end:
                if len(line) > 30 and not line[-1].isspace():
                    return sid, n, line, len(line)
                continue
            m = re.search(pattern, line)
            if m and m.start() > 10 and m.end() + 12 <= len(line):
                return sid, n, line, m.start()
    pytest.skip(f"no body holds {pattern!r}")


def add(project: Path, *args: str):
    return run_brief("--project", project, "finding", "add", *args)


def added_id(stdout: str) -> str:
    m = re.search(r"finding '([a-z0-9-]+)'", stdout)
    assert m, stdout
    return m.group(1)


def assert_clean_error(r, *phrases: str):
    text = r.stdout + r.stderr
    assert r.returncode == 1, text
    assert "Traceback" not in text, text
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("error: ")]
    assert lines, text
    assert any(all(p in ln for p in phrases) for ln in lines), f"no error line says {phrases!r}:\n{text}"


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "p")


# ---- finding add --------------------------------------------------------------------------------


def test_finding_add_appends_the_exact_quote_with_its_locator_and_keeps_comments(project):
    sid, para, start, quote = fresh_passage(project)
    path = findings_path(project, sid)
    # Comments of every kind the file may hold: a full line, an end-of-line one, a trailing one.
    text = path.read_text(encoding="utf-8")
    text = text.replace("findings:\n", "# analyst's note: keep this line\nfindings:  # the list\n", 1)
    text = text.rstrip("\n") + "  # end of the last finding\n# trailing comment\n"
    path.write_text(text, encoding="utf-8")
    tag = selected_tags(project)[0]

    r = add(project, sid, quote, "--kind", "fact", "--topic", tag)
    assert r.returncode == 0, r.stderr
    fid = added_id(r.stdout)
    assert f"locator: {{para: {para}, start: {start}, end: {start + len(quote)}}}" in r.stdout

    new = path.read_text(encoding="utf-8")
    old_lines, new_lines = text.splitlines(), new.splitlines()
    ops = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes()
    assert all(op[0] in ("equal", "insert") for op in ops), "an existing line changed"
    assert sum(op[0] == "insert" for op in ops) == 1
    assert new_lines[-1] == "# trailing comment", "the trailing comment stays at the end"

    data = yaml.safe_load(new)
    before = yaml.safe_load(text)["findings"]
    assert data["findings"][:-1] == before
    entry = data["findings"][-1]
    assert entry["id"] == fid and fid not in {f["id"] for f in before}
    assert entry["quote"] == quote == body(project, sid)[para - 1][start:start + len(quote)]
    assert entry["locator"] == {"para": para, "start": start, "end": start + len(quote)}
    assert entry["kind"] == "fact" and entry["topics"] == [tag]
    assert entry["claim"] == {"en": None, "zh": None} and entry["credibility"] is None
    # The id takes the prefix the source's findings already use.
    prefixes = {f["id"].split("-")[0] for f in before}
    assert fid.split("-")[0] in prefixes

    # Adding the same passage again gets another id, and says it overlaps.
    r2 = add(project, sid, quote)
    assert r2.returncode == 0, r2.stderr
    assert added_id(r2.stdout) != fid and fid in r2.stdout


def test_finding_add_takes_an_id_and_refuses_a_taken_one(project):
    sid, _, _, quote = fresh_passage(project)
    taken = load_yaml(findings_path(project, sid))["findings"][0]["id"]
    before = findings_path(project, sid).read_bytes()
    r = add(project, sid, quote, "--id", taken)
    assert_clean_error(r, f"'{taken}'", "already taken")
    r = add(project, sid, quote, "--id", "Not An Id")
    assert_clean_error(r, "is not an id")
    assert findings_path(project, sid).read_bytes() == before
    r = add(project, sid, quote, "--id", "my-new-finding")
    assert r.returncode == 0, r.stderr
    assert load_yaml(findings_path(project, sid))["findings"][-1]["id"] == "my-new-finding"


def test_finding_add_creates_a_missing_findings_file(project):
    lines = ["First paragraph of a new source, in English.", "第二段：新来源的中文段落，含有数字2024年。"]
    folder = add_source(project, {
        "id": "new-test-source", "title": "新来源", "title_en": "A new source", "language": "zh", "source_type": "blog",
        "reliability": {"grade": "C", "rationale": {"en": "Test source.", "zh": "测试来源。"}},
    }, lines, [])
    (folder / "findings.yaml").unlink()
    r = add(project, folder.name, "新来源的中文段落")
    assert r.returncode == 0, r.stderr
    data = load_yaml(folder / "findings.yaml")
    assert data["source"] == folder.name
    [entry] = data["findings"]
    assert entry["locator"] == {"para": 2, "start": lines[1].index("新来源"), "end": lines[1].index("新来源") + 8}
    assert entry["quote"] == "新来源的中文段落"


def test_finding_add_para_picks_among_several_occurrences(project):
    lines = ["Same words here.", "Other text.", "Same words here."]
    folder = add_source(project, {
        "id": "dup-test-source", "title": "Dup", "title_en": "Dup", "language": "en", "source_type": "blog",
        "reliability": {"grade": "C", "rationale": {"en": "Test.", "zh": "测试。"}},
    }, lines, [])
    r = add(project, folder.name, "Same words")
    assert r.returncode == 0, r.stderr
    assert "para 3" in r.stdout  # the other occurrence is named
    r = add(project, folder.name, "Same words", "--para", "3")
    assert r.returncode == 0, r.stderr
    assert load_yaml(folder / "findings.yaml")["findings"][-1]["locator"]["para"] == 3
    r = add(project, folder.name, "Same words", "--para", "2")
    assert_clean_error(r, "quote not found in the body at para 2")


# ---- quote misses explain themselves ------------------------------------------------------------

def _near_miss(project, case):
    """(source, para, passage start, the passage, the altered quote, the phrases that must be said)."""
    if case == "double space":
        sid, n, line, i = find_feature(project, r"(?<=\S) (?=\S)")
        s, passage = window_around(line, i)
        k = i - s
        quote = passage[:k] + "  " + passage[k + 1:]
        return sid, n, s, passage, quote, [f"col {k + 1}: two spaces where the source has one"]
    if case == "ascii comma":
        sid, n, line, i = find_feature(project, "，")
        s, passage = window_around(line, i)
        k = i - s
        quote = passage[:k] + "," + passage[k + 1:]
        return sid, n, s, passage, quote, [f"col {k + 1}: ',' (U+002C COMMA) where the source has '，' (U+FF0C FULLWIDTH COMMA)"]
    if case == "nbsp":
        sid, n, line, i = find_feature(project, r"(?<=\S) (?=\S)")
        s, passage = window_around(line, i)
        k = i - s
        quote = passage[:k] + "\u00a0" + passage[k + 1:]
        return sid, n, s, passage, quote, [f"col {k + 1}: a no-break space (U+00A0 NO-BREAK SPACE) where the source has a space (U+0020)"]
    if case == "full-width digit":
        sid, n, line, i = find_feature(project, r"[0-9]")
        s, passage = window_around(line, i)
        k = i - s
        wide = chr(ord(passage[k]) - ord("0") + 0xFF10)
        quote = passage[:k] + wide + passage[k + 1:]
        return sid, n, s, passage, quote, [f"col {k + 1}: '{wide}' (U+{ord(wide):04X} {unicodedata.name(wide)})",
                                           f"where the source has '{passage[k]}' (U+{ord(passage[k]):04X})", "full-width"]
    if case == "trailing space":
        sid, n, line, i = find_feature(project, "", at_end=True)
        passage = line[-20:]
        s = len(line) - 20
        quote = passage + " "
        return sid, n, s, passage, quote, [f"col {len(quote)}: a trailing space (U+0020) that the source does not have"]
    if case == "zero-width space":
        sid, n, line, i = find_feature(project, r"[\u4e00-\u9fff]{4}")
        s, passage = window_around(line, i + 2)
        k = i + 2 - s
        quote = passage[:k] + "\u200b" + passage[k:]
        return sid, n, s, passage, quote, [f"col {k + 1}: a zero-width space (U+200B ZERO WIDTH SPACE) that the source does not have"]
    raise AssertionError(case)


NEAR_MISSES = ["double space", "ascii comma", "nbsp", "full-width digit", "trailing space", "zero-width space"]


@pytest.mark.parametrize("case", NEAR_MISSES)
def test_near_miss_quote_is_refused_with_the_nearest_passage_and_each_difference(project, case):
    sid, n, s, passage, quote, phrases = _near_miss(project, case)
    assert not occurrences(project, sid, quote), "the altered quote must not be in the body"
    path = findings_path(project, sid)
    before = path.read_bytes()
    r = add(project, sid, quote, "--kind", "fact")
    assert_clean_error(r, f"seeds/{sid}/body.txt:{n}:", "quote not found", f"nearest passage: para {n}, cols {s + 1}–{s + len(passage)}",
                       passage, *phrases)
    assert "nothing was written" in r.stderr
    assert path.read_bytes() == before, "a refused quote writes nothing"
    # locate says the same.
    r = run_brief("--project", project, "locate", sid, quote)
    assert_clean_error(r, f"seeds/{sid}/body.txt:{n}:", "quote not found", f"para {n}", *phrases)


def test_check_explains_a_quote_that_is_not_in_the_source(project):
    sid, n, s, passage, quote, phrases = _near_miss(project, "ascii comma")
    path = findings_path(project, sid)
    data = load_yaml(path)
    victim = data["findings"][0]
    text = path.read_text(encoding="utf-8")
    # Give the first finding the near-miss quote (its locator does not matter: the quote is absent).
    old = next(ln for ln in text.splitlines() if ln.strip().startswith("quote:"))
    line_no = text.splitlines().index(old) + 1
    text = text.replace(old, old[:old.index("quote:")] + "quote: " + json.dumps(quote, ensure_ascii=False), 1)
    path.write_text(text, encoding="utf-8")
    r = run_brief("--project", project, "check")
    assert r.returncode == 1
    shown = path.relative_to(project).as_posix()
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith(f"{shown}:{line_no}:")), None)
    assert line, r.stdout
    assert f"finding '{victim['id']}': quote not found in source '{sid}'" in line
    assert f"nearest passage: para {n}, cols {s + 1}–{s + len(passage)}" in line
    assert all(p in line for p in phrases), line
    assert "Traceback" not in r.stderr


# ---- the skeleton and brief check ---------------------------------------------------------------

def _problems_in(stdout: str, shown: str) -> dict[int, str]:
    out = {}
    for ln in stdout.splitlines():
        m = re.match(re.escape(shown) + r":(\d+): (.*)", ln)
        if m:
            out.setdefault(int(m.group(1)), "")
            out[int(m.group(1))] += m.group(2) + "\n"
    return out


def _line_of(path: Path, after: int, key: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    for i in range(after - 1, len(lines)):
        if lines[i].strip().startswith(key + ":"):
            return i + 1
    raise AssertionError(f"{key} not found after line {after} of {path}")


def test_check_names_the_fields_to_fill_in_and_passes_once_they_are(project):
    sid, _, _, quote = fresh_passage(project)
    path = findings_path(project, sid)
    shown = path.relative_to(project).as_posix()
    r = add(project, sid, quote, "--kind", "fact", "--topic", selected_tags(project)[0])
    assert r.returncode == 0, r.stderr
    fid = added_id(r.stdout)
    m = re.search(re.escape(shown) + r":(\d+)", r.stdout)
    assert m, r.stdout
    entry_line = int(m.group(1))
    assert path.read_text(encoding="utf-8").splitlines()[entry_line - 1].strip() == f"- id: {fid}"

    r = run_brief("--project", project, "check")
    assert r.returncode == 1
    problems = _problems_in(r.stdout, shown)
    expected = {_line_of(path, entry_line, "en"): "claim.en", _line_of(path, entry_line, "zh"): "claim.zh",
                _line_of(path, entry_line, "credibility"): "credibility"}
    assert set(problems) == set(expected), r.stdout
    for line, field in expected.items():
        assert f".{field}:" in problems[line], problems[line]
    assert "quote" not in r.stdout and "locator" not in r.stdout

    # Fill them in: check passes.
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[_line_of(path, entry_line, "en") - 1] = '      en: "The source describes this passage."'
    lines[_line_of(path, entry_line, "zh") - 1] = '      zh: "该来源描述了这一段落。"'
    cred = _line_of(path, entry_line, "credibility") - 1
    lines[cred] = lines[cred][:lines[cred].index("credibility:")] + "credibility: 3"
    path.write_text("\n".join(lines), encoding="utf-8")
    r = run_brief("--project", project, "check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("ok:")


def test_a_bare_skeleton_names_kind_and_topics_too(project):
    sid, _, _, quote = fresh_passage(project)
    path = findings_path(project, sid)
    shown = path.relative_to(project).as_posix()
    r = add(project, sid, quote)
    assert r.returncode == 0, r.stderr
    assert "to fill in: kind, topics, claim.en, claim.zh, credibility" in r.stdout
    r = run_brief("--project", project, "check")
    said = "".join(_problems_in(r.stdout, shown).values())
    for field in ("kind", "topics", "claim.en", "claim.zh", "credibility"):
        assert f".{field}:" in said, r.stdout


def test_a_figure_skeleton_asks_for_its_figure(project):
    sid, _, _, quote = fresh_passage(project)
    path = findings_path(project, sid)
    shown = path.relative_to(project).as_posix()
    r = add(project, sid, quote, "--kind", "figure", "--topic", selected_tags(project)[0])
    assert r.returncode == 0, r.stderr
    r = run_brief("--project", project, "check")
    said = "".join(_problems_in(r.stdout, shown).values())
    for field in ("figures.0.value", "figures.0.unit.en", "figures.0.entity.zh"):
        assert f".{field}:" in said, r.stdout


# ---- search -------------------------------------------------------------------------------------

def folded(s: str) -> str:
    out = []
    for c in s:
        f = unicodedata.normalize("NFKC", c).casefold()
        out.append(f if len(f) == 1 else c)
    return "".join(out)


def paragraphs_with(project: Path, term: str, source: str | None = None) -> set[tuple[str, int]]:
    t = folded(term)
    return {(sid, n) for sid in sources_of(project) if source in (None, sid)
            for n, line in enumerate(body(project, sid), 1) if t in folded(line)}


def quoting(project: Path, sid: str, para: int) -> list[str]:
    return [f["id"] for f in load_yaml(findings_path(project, sid)).get("findings") or [] if f["locator"]["para"] == para]


def search_json(project: Path, *args: str) -> list[dict]:
    r = run_brief("--project", project, "search", *args, "--json", "--limit", "1000")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def pick_term(project: Path, pattern: str) -> str:
    """The first run matching `pattern` in the bodies that stands in at least two paragraphs."""
    for sid in sources_of(project):
        for line in body(project, sid):
            for m in re.finditer(pattern, line):
                if len(paragraphs_with(project, m.group())) >= 2:
                    return m.group()
    pytest.skip(f"no term matching {pattern!r}")


@pytest.mark.parametrize("pattern", [r"[\u4e00-\u9fff]{2}", r"[\u4e00-\u9fff]{3}", r"[\u4e00-\u9fff]{5}", r"[A-Za-z]{6,}"],
                         ids=["zh-2", "zh-3", "zh-5", "en"])
def test_search_finds_every_paragraph_holding_the_text(project, pattern):
    term = pick_term(project, pattern)
    hits = search_json(project, term)
    passages = [h for h in hits if h["kind"] == "passage"]
    assert {(h["source"], h["para"]) for h in passages} == paragraphs_with(project, term)
    for h in passages:
        line = body(project, h["source"])[h["para"] - 1]
        assert h["paragraph"] == line
        assert h["text"] == line[h["start"]:h["end"]], "the passage is exact text of the body"
        assert folded(term) in folded(h["text"])
        assert h["quoted_by"] == quoting(project, h["source"], h["para"])
    for h in hits:
        if h["kind"] == "finding":
            f = next(f for f in load_yaml(findings_path(project, h["source"]))["findings"] if f["id"] == h["finding"])
            assert folded(term) in folded(f["quote"] + " ".join(f["claim"].values()) + f["id"])
    # Upper case finds lower case.
    if term.isascii():
        assert {(h["source"], h["para"]) for h in search_json(project, term.upper()) if h["kind"] == "passage"} == \
            paragraphs_with(project, term)


def test_search_text_output_is_ready_for_finding_add(project):
    term = pick_term(project, r"[\u4e00-\u9fff]{3}")
    r = run_brief("--project", project, "search", term)
    assert r.returncode == 0, r.stderr
    expected = paragraphs_with(project, term)
    shown = set()
    for ln in r.stdout.splitlines():
        m = re.match(r"^([a-z0-9-]+):(\d+)  (.*)$", ln)
        if m:
            sid, n, passage = m.group(1), int(m.group(2)), m.group(3)
            assert passage in body(project, sid)[n - 1]
            shown.add((sid, n))
    assert shown == expected
    # A passage it prints is a quote `finding add` takes as it is.
    first = next(ln for ln in r.stdout.splitlines() if re.match(r"^[a-z0-9-]+:\d+  ", ln))
    sid, rest = first.split(":", 1)
    r = add(project, sid, rest.split("  ", 1)[1])
    assert r.returncode == 0, r.stderr


def test_search_filters_by_source_and_topic(project):
    term = pick_term(project, r"[\u4e00-\u9fff]{2}")
    everything = search_json(project, term)
    sources = {h["source"] for h in everything}
    sid = min(sources)
    only = search_json(project, term, "--source", sid)
    assert only and {h["source"] for h in only} == {sid}
    assert [h for h in everything if h["source"] == sid] == only

    topic_file = min(p for p in (project / "briefs").glob("*.yaml") if not p.name.startswith("stakeholders"))
    tags = set(load_yaml(topic_file)["select"]["topics"]) | {topic_file.stem}
    with_tags = {s for s in sources_of(project)
                 if any(set(f["topics"]) & tags for f in load_yaml(findings_path(project, s)).get("findings") or [])}
    hits = search_json(project, term, "--topic", topic_file.stem)
    for h in hits:
        if h["kind"] == "finding":
            assert set(h["topics"]) & tags
        else:
            assert h["source"] in with_tags
    expected = [h for h in everything if (h["kind"] == "finding" and set(h["topics"]) & tags)
                or (h["kind"] == "passage" and h["source"] in with_tags)]
    assert hits == expected


def test_search_index_notices_changes_and_never_returns_stale_text(project):
    sid = sources_of(project)[0]
    bpath = project / "seeds" / sid / "body.txt"
    lines = body(project, sid)
    n = max(range(len(lines)), key=lambda i: len(lines[i])) + 1
    old = lines[n - 1]
    probe = pick_term(project, r"[\u4e00-\u9fff]{4}")
    assert search_json(project, probe)
    assert (project / ".brief-cache" / "search.sqlite").is_file()

    # Replace one paragraph by new text of the same length, keeping the file's mtime.
    marker = "独角兽测试"
    new = marker + old[len(marker):]
    assert len(new) == len(old) and marker not in "".join(lines)
    stat = bpath.stat()
    bpath.write_text("\n".join(lines[:n - 1] + [new] + lines[n:]) + "\n", encoding="utf-8")
    os.utime(bpath, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    hits = search_json(project, marker)
    assert [(h["source"], h["para"]) for h in hits if h["kind"] == "passage"] == [(sid, n)]
    assert hits[0]["paragraph"] == new
    gone = old[:len(marker)]
    assert (sid, n) not in {(h["source"], h["para"]) for h in search_json(project, gone) if h["kind"] == "passage"} \
        or gone in new
    # A new finding is found, and is named as quoting its paragraph.
    r = add(project, sid, marker + old[len(marker):len(marker) + 6])
    assert r.returncode == 0, r.stderr
    fid = added_id(r.stdout)
    hits = search_json(project, marker)
    assert any(h["kind"] == "finding" and h["finding"] == fid for h in hits)
    assert fid in next(h for h in hits if h["kind"] == "passage")["quoted_by"]
    # The cache is safe to delete, and rebuilt; a damaged one is replaced.
    cache = project / ".brief-cache" / "search.sqlite"
    cache.unlink()
    assert search_json(project, marker) == hits
    cache.write_bytes(b"not a database" * 100)
    assert search_json(project, marker) == hits


def test_search_output_carries_no_control_characters_from_the_data(project):
    sid = sources_of(project)[0]
    bpath = project / "seeds" / sid / "body.txt"
    lines = body(project, sid)
    lines.append("控制字符测试\x1b[31m红色\x07铃声\u202e反向")
    bpath.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = run_brief("--project", project, "search", "控制字符测试")
    assert r.returncode == 0, r.stderr
    assert "控制字符测试" in r.stdout
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", r.stdout), repr(r.stdout)
    r = run_brief("--project", project, "search", "控制字符测试", "--json")
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e]", r.stdout), repr(r.stdout)
    assert "\x1b[31m红色" in json.loads(r.stdout)[0]["paragraph"]


# ---- bad input ----------------------------------------------------------------------------------

def test_bad_input_is_reported_at_its_place_without_traceback(project):
    sid = sources_of(project)[0]
    close = sid[:-1]
    r = add(project, close, "x")
    assert_clean_error(r, f"seeds/{close}:", f"unknown source '{close}'", f"did you mean '{sid}'")
    r = add(project, sid, "")
    assert_clean_error(r, "empty quote")
    r = add(project, sid, "   ")
    assert_clean_error(r, "empty quote")
    r = run_brief("--project", project, "locate", sid, "")
    assert_clean_error(r, "empty quote")
    r = run_brief("--project", project, "locate", close, "x")
    assert_clean_error(r, f"seeds/{close}:", "unknown source")
    r = add(project, sid, body(project, sid)[0][:6], "--kind", "facts")
    assert_clean_error(r, "unknown kind 'facts'", "did you mean 'fact'")
    r = add(project, sid, body(project, sid)[0][:6], "--topic", "No_Tag")
    assert_clean_error(r, "--topic 'No_Tag' is not a topic tag")
    r = run_brief("--project", project, "search", "   ")
    assert_clean_error(r, "empty query")
    r = run_brief("--project", project, "search", "x", "--source", close)
    assert_clean_error(r, f"seeds/{close}:", "unknown source", f"did you mean '{sid}'")
    r = run_brief("--project", project, "search", "x", "--topic", "no-such-topic")
    assert_clean_error(r, "unknown topic 'no-such-topic'")
    r = add(project, sid, "这段文字不在任何来源之中，绝对没有")
    assert_clean_error(r, f"seeds/{sid}/body.txt", "quote not found")


def test_a_tag_no_topic_selects_yet_is_written_with_a_warning(project):
    # A corpus may be ahead of its briefs: the finding is added with a warning that names the
    # closest tag a topic selects, and the tag is no error for `brief check`.
    sid = sources_of(project)[0]
    tags = sorted({t for p in (project / "briefs").glob("*.yaml")
                   for t in (yaml.safe_load(p.read_text(encoding="utf-8")).get("select") or {}).get("topics", [])})
    typo = tags[0] + "x"
    r = add(project, sid, body(project, sid)[0][:6], "--topic", typo)
    assert r.returncode == 0, r.stderr
    assert f"warning: no topic selects the tag '{typo}' yet (did you mean '{tags[0]}'?)" in r.stdout
    text = (project / "seeds" / sid / "findings.yaml").read_text(encoding="utf-8")
    assert f"topics: [{typo}]" in text
    r = run_brief("--project", project, "check")  # (the skeleton's fields are still to fill in)
    assert "kind" in r.stdout and typo not in r.stdout.replace(f"topics: [{typo}]", "")


def test_a_skeleton_not_yet_filled_in_is_reported_field_by_field_at_its_lines(project):
    sid = sources_of(project)[0]
    r = add(project, sid, body(project, sid)[0][:8], "--topic", _selected_tag(project))
    assert r.returncode == 0, r.stderr
    path = project / "seeds" / sid / "findings.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    r = run_brief("--project", project, "check")
    assert r.returncode == 1
    for field in ("kind", "credibility", "en", "zh"):
        n = max(i for i, text in enumerate(lines, 1) if text.strip().startswith(f"{field}: null"))
        assert re.search(rf"findings\.yaml:{n}: findings\.\d+\.(claim\.)?{field}: still to fill in", r.stdout), (field, r.stdout)
    reported = [int(m) for m in re.findall(r"findings\.yaml:(\d+): ", r.stdout)]
    assert reported == sorted(reported), "problems of a file come in the order of its lines"


def _selected_tag(project: Path) -> str:
    return sorted({t for p in (project / "briefs").glob("*.yaml")
                   for t in (yaml.safe_load(p.read_text(encoding="utf-8")).get("select") or {}).get("topics", [])})[0]


def test_help_stays_light():
    code = ("import sys, brief.cli; heavy = [m for m in ('rapidfuzz', 'sqlite3', 'yaml', 'brief.corpus.edit', "
            "'brief.corpus.search', 'brief.corpus.quotes') if m in sys.modules]; print(heavy); assert not heavy")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
