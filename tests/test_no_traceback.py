"""Bad input of every kind ends in `path:line: message (hint: …)` and exit 1, never a traceback,
and `brief check` rejects what `generate` would. Each test breaks one thing in its own copy of the
test project (whatever its sources and topics are) and runs the real CLI.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from helpers import copy_project, run_brief


@pytest.fixture
def project(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


def a_source(project: Path) -> Path:
    return sorted(p.parent for p in (project / "seeds").glob("*/source.yaml"))[0]


def a_topic(project: Path) -> Path:
    return sorted(p for p in (project / "briefs").glob("*.yaml") if not p.name.startswith("stakeholders"))[0]


def a_findings_file(project: Path) -> Path:
    return sorted((project / "seeds").glob("*/findings.yaml"))[0]


def check(project: Path):
    r = run_brief("--project", project, "check")
    text = r.stdout + r.stderr
    assert "Traceback" not in text, text
    return r.returncode, text


def generate(project: Path, *extra):
    r = run_brief("--project", project, "generate", "--topic", a_topic(project).stem, "--out", project / "out", *extra)
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, r.stdout + r.stderr


def rel(project: Path, path: Path) -> str:
    return str(path.relative_to(project))


def set_yaml_line(path: Path, pattern: str, new: str) -> int:
    """Replace the first line matching `pattern` (a regex) by `new`; return its line number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if re.search(pattern, line):
            lines[i] = new
            path.write_text("\n".join(lines), encoding="utf-8")
            return i + 1
    raise AssertionError(f"no line matches {pattern!r} in {path}")


# ---- files that are not UTF-8 -------------------------------------------------------------------


@pytest.mark.parametrize("bad", [b"\xb5\xc4", b"\xed\xa0\x80"], ids=["gbk", "lone-surrogate"])
def test_a_body_that_is_not_utf8_is_named_with_its_line_and_how_to_convert_it(project, bad):
    body = a_source(project) / "body.txt"
    lines = body.read_bytes().split(b"\n")
    lines[1] = lines[1] + bad
    body.write_bytes(b"\n".join(lines))
    code, text = check(project)
    assert code == 1
    assert f"{rel(project, body)}:2: not valid UTF-8" in text and "iconv -f GBK -t UTF-8" in text
    assert "unknown finding" not in text  # its findings are not reported again as missing


def test_an_original_that_is_not_utf8_is_named(project):
    src = yaml.safe_load((a_source(project) / "source.yaml").read_text(encoding="utf-8"))
    original = project / "seeds" / src["original"]
    original.write_bytes(original.read_bytes() + "中文".encode("gbk"))  # not valid UTF-8
    code, text = check(project)
    assert code == 1 and f"{rel(project, original)}:" in text and "not valid UTF-8" in text


# ---- YAML and strings tables --------------------------------------------------------------------


def test_a_complex_yaml_key_is_a_clear_error(project):
    topic = a_topic(project)
    topic.write_text(topic.read_text(encoding="utf-8") + "? [a, b]\n: x\n", encoding="utf-8")
    code, text = check(project)
    assert code == 1 and f"{rel(project, topic)}:" in text and "a key must be a plain name" in text


def test_a_list_where_a_mapping_belongs_is_a_clear_error(project):
    path = a_source(project) / "source.yaml"
    path.write_text("- id: x\n- title: y\n", encoding="utf-8")
    code, text = check(project)
    assert code == 1 and f"{rel(project, path)}:1: expected a mapping" in text


def test_a_strings_table_that_is_a_list_is_a_clear_error(project):
    path = project / "templates" / "strings" / "zh.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    code, text = generate(project, "--lang", "zh")
    assert code == 1 and "templates/strings/zh.yaml:1: expected a mapping of string keys" in text


@pytest.mark.parametrize("value", ["{primary} {foo}", "{0.__class__}", "{primary.__class__.__mro__}", "{primary!r}"])
def test_a_ui_string_may_use_only_its_own_named_fields(project, value):
    path = project / "templates" / "strings" / "en.yaml"
    line = set_yaml_line(path, r"^relayed_format:", f"relayed_format: {yaml.safe_dump(value).strip()}")
    code, text = check(project)
    assert code == 1, text
    assert f"templates/strings/en.yaml:{line}: 'relayed_format': field" in text and "may use {primary}, {reference}" in text
    if value == "{0.__class__}":
        code, text = generate(project)
        assert code == 1 and "<class" not in text


def test_every_language_has_every_ui_string(project):
    path = project / "templates" / "strings" / "zh.yaml"
    set_yaml_line(path, r"^more_pairs:", "")
    code, text = check(project)
    assert code == 1 and "templates/strings/zh.yaml: missing UI string(s): more_pairs" in text


# ---- templates that would never finish --------------------------------------------------------


@pytest.mark.parametrize("body, message", [
    ("{{ range(10**9) | list | length }}", "Range too big"),
    ("{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(1) }}", "RecursionError"),
    ('{{ "ab" * 100000000 }}', "too long"),
    ("{{ 2 ** 100000 }}", "too large"),
])
def test_the_sandbox_bounds_what_a_template_can_build(project, body, message):
    (project / "templates" / "evil.md.j2").write_text("# x\n\n" + body + "\n", encoding="utf-8")
    code, text = generate(project, "--template", "evil")
    assert code == 1 and "templates/evil.md.j2:3:" in text and message in text, text
    code, text = check(project)
    assert code == 1 and "templates/evil.md.j2:3:" in text


# ---- what check must catch because generate would ---------------------------------------------


@pytest.mark.parametrize("where", ["topic title", "source title", "publisher", "caveat", "claim"])
@pytest.mark.parametrize("char", ["\x07", "\x1b"], ids=["BEL", "ESC"])
def test_control_characters_in_data_are_refused_by_check_and_generate(project, where, char):
    esc = yaml.safe_dump(char).strip()  # a double-quoted YAML escape
    if where == "topic title":
        path = a_topic(project)
        line = set_yaml_line(path, r"^  en: ", f"  en: {esc[:-1]}A title\"")
    elif where == "claim":
        path = a_findings_file(project)
        sample = next(ln for ln in path.read_text(encoding="utf-8").split("\n") if re.search(r"^\s+en: ", ln))
        line = set_yaml_line(path, r"^\s+en: ", sample[: sample.index("en: ")] + f'en: {esc[:-1]}A claim."')
    else:
        path = a_source(project) / "source.yaml"
        key = {"source title": "title", "publisher": "publisher", "caveat": "caveats"}[where]
        if key == "caveats":
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"^caveats:.*\n(  .*\n)*", "", text, flags=re.M)
            path.write_text(text + f"caveats:\n  - en: {esc[:-1]}x\"\n    zh: 注意\n", encoding="utf-8")
            line = len(text.split("\n")) + 1
        else:
            line = set_yaml_line(path, rf"^{key}:", f"{key}: {esc[:-1]}Name\"")
    code, text = check(project)
    assert code == 1, text
    assert f"{rel(project, path)}:{line}:" in text and f"control character U+{ord(char):04X}" in text, text
    if char == "\x07":  # generate refuses them too (once per place is enough: it loads the same way)
        code, text = generate(project)
        assert code == 1 and "control character" in text


def test_an_infinite_figure_is_refused(project):
    for path in sorted((project / "seeds").glob("*/findings.yaml")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"^\s+- value: ", text, re.M) or re.search(r"^\s+value: ", text, re.M):
            line = set_yaml_line(path, r"^\s+(- )?value: ", re.sub(r"value: .*", "value: 1e400", next(
                ln for ln in text.split("\n") if re.search(r"^\s+(- )?value: ", ln))))
            break
    else:
        pytest.skip("the test project has no figures")
    code, text = check(project)
    assert code == 1 and f"{rel(project, path)}:{line}:" in text and "finite number" in text


@pytest.mark.parametrize("url, what", [
    ("https://example.org/a b", "a space"),
    ("https://example.org/\\u202eabc", "an invisible character"),
    ("https://example.org/\\nx", "a space"),
    ("javascript:alert(1)", "must start with http"),
    ("http:/example.org", "must start with http"),
])
def test_a_source_url_must_be_a_valid_http_url(project, url, what):
    path = a_source(project) / "source.yaml"
    line = set_yaml_line(path, r"^url:", f'url: "{url}"')
    code, text = check(project)
    assert code == 1 and f"{rel(project, path)}:{line}: url:" in text and what in text, text


def test_over_long_claims_are_refused_with_the_limit(project):
    from brief.corpus.schema import CLAIM_MAX

    path = a_findings_file(project)
    sample = next(ln for ln in path.read_text(encoding="utf-8").split("\n") if re.search(r"^\s+en: ", ln))
    line = set_yaml_line(path, r"^\s+en: ", re.sub(r"en: .*", "en: " + "word " * (CLAIM_MAX // 5 + 10), sample))
    code, text = check(project)
    assert code == 1 and f"more than {CLAIM_MAX}" in text, text
    assert re.search(rf"{re.escape(rel(project, path))}:({line}|{line - 1}): ", text), text  # claim.en or claim


def test_a_bug_is_one_line_and_a_non_zero_exit(project, monkeypatch):
    """A Python error that no input explains is reported as a bug in brief, not as a template
    error, in one line; BRIEF_DEBUG=1 shows the traceback."""
    from helpers import invoke

    from brief import views

    def broken(*a, **k):
        raise TypeError("simulated bug")

    monkeypatch.setattr(views, "build_context", broken)
    r = invoke(["--project", str(project), "generate", "--topic", a_topic(project).stem, "--out", str(project / "out")])
    assert r.exit_code == 70
    assert "internal error: TypeError: simulated bug" in r.output and "template" not in r.output.split("hint")[0]
    assert not (project / "out").exists()


# ---- style data and fonts ------------------------------------------------------------------------


def test_a_font_given_as_a_path_is_used_or_reported(project):
    import glob

    path = project / "templates" / "styles" / "pdf.yaml"
    text = path.read_text(encoding="utf-8")
    regular = re.search(r"^    regular: (\S+)$", text, re.M).group(1)
    found = sorted(glob.glob(f"/usr/share/fonts/**/{regular}", recursive=True))
    assert found, regular
    path.write_text(text.replace(f"    regular: {regular}\n", f"    regular: {found[0]}\n", 1), encoding="utf-8")
    code, text_ = check(project)
    assert code == 0, text_
    code, text_ = generate(project)
    assert code == 0, text_
    path.write_text(text.replace(f"    regular: {regular}\n", "    regular: /no/such/font.ttf\n", 1), encoding="utf-8")
    code, text_ = check(project)
    assert code == 1 and "font file '/no/such/font.ttf' not found" in text_


def test_a_broken_reference_docx_is_caught_by_check(project):
    (project / "templates" / "styles" / "reference.docx").write_bytes(b"not a zip")
    code, text = check(project)
    assert code == 1 and "templates/styles/reference.docx" in text and "cannot read reference.docx" in text
    code, text = generate(project, "--format", "docx")
    assert code == 1 and "reference.docx" in text


def test_a_character_no_font_draws_is_caught_by_check_where_it_stands(project):
    """Only what a brief shows must be drawable: here a topic's title, shown by every template."""
    path = a_topic(project)
    set_yaml_line(path, r"^  en: ", '  en: "\U00013000 A title"')
    code, text = check(project)
    assert code == 1, text
    assert re.search(rf"{re.escape(rel(project, path))}:\d+: title.en: no configured font can draw", text), text
    assert "U+13000" in text
    code, text = generate(project)
    assert code == 1 and "U+13000" in text


# ---- one error, the right one --------------------------------------------------------------------


def test_an_unknown_stance_is_one_error_at_the_finding(project):
    path = next(p for p in sorted((project / "seeds").glob("*/findings.yaml")) if "stance: " in p.read_text("utf-8"))
    sample = next(ln for ln in path.read_text(encoding="utf-8").split("\n") if "stance: " in ln)
    line = set_yaml_line(path, r"^\s+stance: ", sample[: sample.index("stance: ")] + "stance: no-such-position")
    code, text = check(project)
    assert code == 1
    errors = [ln for ln in text.splitlines() if ln and not ln.endswith("problem(s)")]
    assert errors == [next(e for e in errors if f"{rel(project, path)}:{line}:" in e)], text
    assert "unknown stance 'no-such-position'" in errors[0]


def test_each_pattern_gets_its_own_hint(project):
    path = a_source(project) / "source.yaml"
    line = set_yaml_line(path, r"^original_sha256:", "original_sha256: abc123")
    code, text = check(project)
    assert code == 1 and f"{rel(project, path)}:{line}: original_sha256:" in text
    assert "64 lowercase hexadecimal digits" in text and "kebab-case" not in text


@pytest.mark.parametrize("template, old, new, says", [
    ("brief.md.j2", "t.bottom_line", "t.bottom_lin", "undefined UI string t.bottom_lin"),
    ("partials/finding.md.j2", "f.claim", "f.clam", "undefined field 'clam' of a finding"),
])
def test_an_unknown_string_or_field_is_named_at_its_template_line(project, template, old, new, says):
    path = project / "templates" / template
    text = path.read_text(encoding="utf-8")
    line = next(n for n, ln in enumerate(text.split("\n"), 1) if re.search(re.escape(old) + r"\b", ln))
    path.write_text(re.sub(re.escape(old) + r"\b", new, text, count=1), encoding="utf-8")
    code, out = check(project)
    assert code == 1 and f"templates/{template}:{line}: {says}" in out, out
    assert "object' has no attribute" not in out


def test_one_root_error_per_broken_file_says_how_many_problems_depend_on_it(project):
    """A mistyped field drops its findings file; the topics citing those findings would report
    them as unknown: those follow-on errors are counted on the root error, not printed."""
    path = sorted((project / "seeds").glob("*/findings.yaml"))[1]
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"\n    credibility: ", "\n    credibilty: ", text, count=1), encoding="utf-8")
    code, out = check(project)
    assert code == 1
    lines = [ln for ln in out.splitlines() if ln and not ln.endswith("problem(s)")]
    assert all(ln.startswith(rel(project, path) + ":") for ln in lines), out
    assert re.search(r"\(\d+ later problem\(s\) depend on this file\)", out), out
    assert "unknown finding" not in out


def test_a_corpus_may_be_ahead_of_its_briefs(project):
    """A topic tag that no brief selects yet is a warning (an error with --strict), and
    `brief findings --topic TAG` lists its findings."""
    path = a_findings_file(project)
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"topics: \[", "topics: [brief-to-come, ", text, count=1), encoding="utf-8")
    code, out = check(project)
    assert code == 0, out
    assert re.search(rf"^warning: {re.escape(rel(project, path))}:\d+: finding '[a-z0-9-]+': topic tag 'brief-to-come' "
                     r"is not selected by any topic yet", out, re.M), out
    r = run_brief("--project", project, "check", "--strict")
    assert r.returncode == 1 and "topic tag 'brief-to-come'" in r.stdout
    r = run_brief("--project", project, "findings", "--topic", "brief-to-come", "--json")
    assert r.returncode == 0 and len(__import__("json").loads(r.stdout)) == 1, r.stdout + r.stderr
    code, out = generate(project)
    assert code == 0, out
