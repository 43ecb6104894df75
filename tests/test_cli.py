"""The command-line interface: help, generate, locate, schema."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ZH_TOPIC
from helpers import FIXTURE_PROJECT, FIXTURES, ROOT, Corpus, brief_files, files_under, load_yaml

SPEC_COMMANDS = {"generate", "check", "topics", "sources", "findings", "locate", "schema"}


def registered_commands() -> set[str]:
    from brief.cli import app

    return set(app.commands)


def test_console_script_help_lists_every_command():
    script = Path(sys.executable).parent / "brief"
    if not script.exists():
        pytest.skip(f"no console script beside {sys.executable}")
    r = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    listed = set(re.findall(r"^\s{2}([a-z][a-z-]*)\s", r.stdout.split("Commands:", 1)[1], re.M))
    assert registered_commands() | SPEC_COMMANDS <= listed


def test_python_m_brief_help_works(run_brief):
    r = run_brief("--help")
    assert r.returncode == 0, r.stderr
    assert "Commands:" in r.stdout and "Traceback" not in r.stderr
    assert all(c in r.stdout for c in SPEC_COMMANDS)


def test_generate_one_format_writes_only_that_file(run_brief, project_root, tmp_path):
    out = tmp_path / "out"
    r = run_brief("--project", project_root, "generate", "--topic", ZH_TOPIC, "--format", "pdf", "--out", out)
    assert r.returncode == 0, r.stderr
    assert brief_files(out) == [out / f"{ZH_TOPIC}.en.pdf"]
    assert f"wrote {out / f'{ZH_TOPIC}.en.pdf'}" in r.stdout
    assert (out / f"{ZH_TOPIC}.en.pdf").read_bytes().startswith(b"%PDF-")


def test_generate_all_writes_both_formats_of_every_topic(generated, topic_ids):
    written = [ln for ln in generated.all_en.stdout.splitlines() if ln.startswith("wrote ")]
    en_files = sorted(p.name for p in brief_files(generated.out) if ".en." in p.name)
    expected = sorted(f"{t}.en.{fmt}" for t in topic_ids for fmt in ("docx", "pdf"))
    assert topic_ids and en_files == expected
    assert sorted(n for n in (Path(ln.split(" ", 1)[1]).name for ln in written) if ".en." in n
                  and n.endswith((".docx", ".pdf"))) == expected


def test_generate_leaves_no_temporary_files(generated):
    assert not [p for p in files_under(generated.out) if p.name.startswith(".") or p.suffix == ".tmp"]


@pytest.mark.parametrize("sid", sorted(Corpus(FIXTURE_PROJECT).sources))
def test_locate_prints_the_locator_of_a_quote(run_brief, project_root, corpus, sid):
    f = corpus.findings_by_source[sid][-1]
    r = run_brief("--project", project_root, "locate", sid, f["quote"])
    assert r.returncode == 0, r.stderr
    loc = f["locator"]
    assert f"locator: {{para: {loc['para']}, start: {loc['start']}, end: {loc['end']}}}" in r.stdout.splitlines()


def test_locate_unknown_quote_fails_cleanly(run_brief, project_root, corpus):
    sid = sorted(corpus.sources)[0]
    r = run_brief("--project", project_root, "locate", sid, "this text is in no source \u2603")
    assert r.returncode == 1
    assert "quote not found" in r.stderr and f"seeds/{sid}/body.txt" in r.stderr
    assert "Traceback" not in r.stderr


# ---- schema ---------------------------------------------------------------------------------

SCHEMA_FILES = {"source": "seeds/*/source.yaml", "findings": "seeds/*/findings.yaml",
                "topic": "briefs/*.yaml", "stances": "seeds/stances.yaml", "config": "brief.yaml",
                "stakeholders": "briefs/stakeholders*.yaml",
                "pdf-style": "templates/styles/pdf.yaml", "docx-style": "templates/styles/docx.yaml",
                "html-style": "templates/styles/html.yaml"}


def files_of_kind(kind: str, root: Path = FIXTURE_PROJECT) -> list[Path]:
    """A project's files of one kind (briefs/stakeholders*.yaml are stakeholder lists, not topics).
    The fixture project's stakeholder list is the one the distribute tests use."""
    if kind == "stakeholders" and root == FIXTURE_PROJECT:
        return [FIXTURES / "distribute_stakeholders.yaml"]
    if kind.endswith("-style"):
        root = ROOT  # the styles are part of the product (templates/), not of a fixture project
    return sorted(p for p in root.glob(SCHEMA_FILES[kind])
                  if kind == "stakeholders" or not p.name.startswith("stakeholders"))


@pytest.fixture(scope="module")
def schemas(run_brief, project_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("schemas")
    r = run_brief("--project", project_root, "schema", "--out", out)
    assert r.returncode == 0, r.stderr
    return out, r


def _validate(instance, schema, root, path="$"):
    """A small JSON Schema validator (the keywords pydantic emits); returns a list of errors."""
    if "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        return _validate(instance, root["$defs"][name], root, path)
    errors = []
    if "anyOf" in schema:
        if all(_validate(instance, s, root, path) for s in schema["anyOf"]):
            errors.append(f"{path}: matches no anyOf branch")
        return errors
    types = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}
    t = schema.get("type")
    if t == "integer":
        if not isinstance(instance, int) or isinstance(instance, bool):
            return [f"{path}: not an integer"]
    elif t == "number":
        if not isinstance(instance, (int, float)) or isinstance(instance, bool):
            return [f"{path}: not a number"]
    elif t in types and not isinstance(instance, types[t]):
        return [f"{path}: not {t}"]
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: not in enum")
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{path}: not const")
    if isinstance(instance, str):
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            errors.append(f"{path}: does not match {schema['pattern']}")
        if len(instance) < schema.get("minLength", 0):
            errors.append(f"{path}: too short")
    if isinstance(instance, (int, float)) and "minimum" in schema and instance < schema["minimum"]:
        errors.append(f"{path}: below minimum")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0) or len(instance) > schema.get("maxItems", 10**9):
            errors.append(f"{path}: wrong number of items")
        for i, item in enumerate(instance):
            errors += _validate(item, schema.get("items", {}), root, f"{path}[{i}]")
    if isinstance(instance, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in instance:
                errors.append(f"{path}: missing {key}")
        for key, value in instance.items():
            if key in props:
                errors += _validate(value, props[key], root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unknown field {key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                errors += _validate(value, schema["additionalProperties"], root, f"{path}.{key}")
    return errors


def test_schema_writes_one_file_per_file_kind(schemas):
    out, r = schemas
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{k}.schema.json" for k in SCHEMA_FILES)
    assert r.stdout.count("wrote ") == len(SCHEMA_FILES)


@pytest.mark.parametrize("kind", sorted(SCHEMA_FILES))
def test_schema_is_a_json_schema_object(schemas, kind):
    schema = json.loads((schemas[0] / f"{kind}.schema.json").read_text(encoding="utf-8"))
    assert schema["type"] == "object" and isinstance(schema["properties"], dict)
    assert set(schema.get("required", [])) <= set(schema["properties"])
    text = json.dumps(schema)
    for ref in re.findall(r'"\$ref": "#/\$defs/([^"]+)"', text):
        assert ref in schema["$defs"]


@pytest.mark.parametrize("kind", sorted(SCHEMA_FILES))
def test_schema_accepts_every_file_of_the_fixture_project(schemas, kind):
    schema = json.loads((schemas[0] / f"{kind}.schema.json").read_text(encoding="utf-8"))
    paths = files_of_kind(kind)
    assert paths
    for p in paths:
        assert _validate(load_yaml(p), schema, schema) == [], p


@pytest.mark.corpus
@pytest.mark.parametrize("kind", sorted(SCHEMA_FILES))
def test_schema_accepts_every_shipped_file(schemas, kind):
    schema = json.loads((schemas[0] / f"{kind}.schema.json").read_text(encoding="utf-8"))
    paths = files_of_kind(kind, ROOT)
    assert paths
    for p in paths:
        assert _validate(load_yaml(p), schema, schema) == [], p


@pytest.mark.parametrize("kind", ["source", "topic"])
def test_schema_rejects_an_unknown_field(schemas, kind):
    schema = json.loads((schemas[0] / f"{kind}.schema.json").read_text(encoding="utf-8"))
    data = load_yaml(files_of_kind(kind)[0])
    data["publsher"] = "x"
    assert any("unknown field publsher" in e for e in _validate(data, schema, schema))


def test_a_command_run_as_a_process_prints_all_its_output_and_its_exit_status(project_root):
    """`brief` ends its process at once when a command is done (no interpreter teardown): what
    it printed is all there, and the exit status is the command's."""
    from helpers import _run_in_process

    env = dict(__import__("os").environ, PYTHONIOENCODING="utf-8")
    cmd = [sys.executable, "-m", "brief", "--project", str(project_root)]
    r = subprocess.run(cmd + ["findings"], capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    expected = _run_in_process(["--project", str(project_root), "findings"], None, None)
    assert r.stdout == expected.stdout and r.stdout.count("\n") > 10
    bad = subprocess.run(cmd + ["generate", "--topic", "no-such-topic"], capture_output=True, text=True, timeout=120,
                         env=env)
    assert bad.returncode == 1 and "unknown topic 'no-such-topic'" in bad.stderr
    usage = subprocess.run(cmd + ["no-such-command"], capture_output=True, text=True, timeout=120, env=env)
    assert usage.returncode == 2 and "No such command" in usage.stderr


def test_a_reader_that_goes_away_ends_the_command_quietly(project_root):
    """`brief findings | head -1`: the pipe's reader has gone; no internal error, no traceback."""
    import os

    read, write = os.pipe()
    os.close(read)
    try:
        r = subprocess.run([sys.executable, "-m", "brief", "--project", str(project_root), "findings"],
                           stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert r.returncode == 1
    assert r.stderr == "", r.stderr
