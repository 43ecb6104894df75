"""Style files: pdf.yaml and docx.yaml are validated by schemas; a broken one is a clean error.

Each breakage: exit 1, `templates/styles/<file>:<line>: message (hint: …)` naming the broken
line, and no traceback. The exported JSON Schemas match the models.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from helpers import ROOT, line_containing

PDF = Path("templates/styles/pdf.yaml")
DOCX = Path("templates/styles/docx.yaml")


@pytest.fixture
def project(tmp_path) -> Path:
    """A scratch copy of the repo's project files."""
    dest = tmp_path / "project"
    dest.mkdir()
    for name in ("seeds", "briefs", "templates", "brief.yaml"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def assert_clean(r, file: Path, line: int, *phrases: str) -> None:
    text = r.stdout + r.stderr
    assert r.returncode == 1, text
    assert "Traceback" not in text, text
    hits = [ln for ln in text.splitlines() if f"{file}:{line}: " in ln]
    assert hits, f"no problem at {file}:{line} in:\n{text}"
    assert any("(hint: " in ln and all(p in ln for p in phrases) for ln in hits), text


# (name, file, old text, new text, text on the reported line, phrases of the message)
BREAKAGES = [
    ("deleted palette colour", PDF, '  link: "#1F4E8C"\n', "", "links: {colour: link}", ("unknown colour 'link'",)),
    ("mistyped key", PDF, "list_indent: 14", "list_indnt: 14", "list_indnt", ("unknown field 'list_indnt'", "did you mean 'list_indent'")),
    ("mistyped key in a style", PDF, "h3:        {size: 11, leading: 15, colour: accent, bold: true, space_before: 9",
     "h3:        {size: 11, leading: 15, colour: accent, bold: true, spce_before: 9", "h3:",
     ("styles.h3.spce_before", "did you mean 'space_before'")),
    ("text for a number", PDF, "body:      {size: 9.5", "body:      {size: big", "body:", ("styles.body.size", "write a number")),
    ("five-digit colour", PDF, '  accent: "#1F3A5F"', '  accent: "#12345"', "accent:", ("'#12345' is not a colour", "#RRGGBB")),
    ("unknown colour name", PDF, "  title:     {size: 20, leading: 26, colour: accent", "  title:     {size: 20, leading: 26, colour: acent",
     "  title:", ("styles.title.colour", "unknown colour 'acent'", "did you mean 'accent'")),
    ("unknown style name", PDF, "bottom-line: {para: lead}", "bottom-line: {para: leed}", "bottom-line:",
     ("roles.bottom-line.para", "unknown style 'leed'", "did you mean 'lead'")),
    ("malformed YAML", PDF, "list_indent: 14", "list_indent: 14: 15", "list_indent:", ("malformed YAML",)),
    ("unknown page size", PDF, "size: A4", "size: A5", "size: A5", ("unknown page size 'A5'", "A4 or Letter")),
    ("negative length", PDF, "columns: {gap: 10,", "columns: {gap: -10,", "columns:", ("columns.gap",)),
    ("DOCX: unknown palette colour", DOCX, "colour: accent", "colour: blue", "colour: blue",
     ("chart.colour", "unknown colour 'blue'", "pdf.yaml")),
    ("DOCX: mistyped key", DOCX, "dpi: 200", "dpl: 200", "dpl:", ("unknown field 'chart.dpl'", "did you mean 'dpi'")),
    ("DOCX: text for a number", DOCX, "dpi: 200", "dpi: high", "dpi:", ("chart.dpi", "whole number")),
    ("DOCX: mistyped role key", DOCX, "bottom-line: {para: Brief Lead}", "bottom-line: {pra: Brief Lead}", "bottom-line:",
     ("roles.bottom-line.pra", "did you mean 'para'")),
]


@pytest.mark.parametrize("name,file,old,new,marker,phrases", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_broken_style_file_is_a_clean_error(run_brief, project, tmp_path, name, file, old, new, marker, phrases):
    edit(project / file, old, new)
    line = line_containing(project / file, marker)
    r = run_brief("--project", project, "generate", "--topic", "sovereign-ai", "--out", tmp_path / "out")
    assert_clean(r, file, line, *phrases)
    assert not any((tmp_path / "out").glob("*.pdf")) and not any((tmp_path / "out").glob("*.docx"))


@pytest.mark.parametrize("name,file,old,new,marker,phrases", BREAKAGES[:4] + BREAKAGES[10:11], ids=[b[0] for b in BREAKAGES[:4] + BREAKAGES[10:11]])
def test_check_styles_reports_a_broken_style_file(project, name, file, old, new, marker, phrases):
    from brief.writers.styles import check_styles

    edit(project / file, old, new)
    line = line_containing(project / file, marker)
    problems = check_styles(project)
    assert any(p.path == str(file) and p.line == line and p.hint and all(x in str(p) for x in phrases) for p in problems), problems


def test_the_shipped_style_files_are_valid():
    from brief.writers.styles import check_styles

    assert check_styles(ROOT) == []


def test_check_styles_names_a_word_style_missing_from_reference_docx(project):
    from brief.writers.styles import check_styles

    edit(project / DOCX, "meta: {para: Brief Meta}\n  bottom-line", "meta: {para: Brief Metta}\n  bottom-line")
    assert any("Brief Metta" in p.message for p in check_styles(project))


def test_several_breakages_are_all_reported(project, run_brief, tmp_path):
    path = project / PDF
    edit(path, "list_indent: 14", "list_indent: wide")
    edit(path, "bottom-line: {para: lead}", "bottom-line: {para: leed}")
    r = run_brief("--project", project, "generate", "--topic", "sovereign-ai", "--format", "pdf", "--out", tmp_path / "o")
    # Field errors come first; names are checked once the fields are sound.
    assert_clean(r, PDF, line_containing(path, "list_indent:"), "list_indent")
    edit(path, "list_indent: wide", "list_indent: 14")
    edit(path, "rules:\n  title: {thickness: 0.8, colour: rule", "rules:\n  title: {thickness: 0.8, colour: rul")
    r = run_brief("--project", project, "generate", "--topic", "sovereign-ai", "--format", "pdf", "--out", tmp_path / "o")
    assert_clean(r, PDF, line_containing(path, "bottom-line:"), "unknown style 'leed'")
    assert_clean(r, PDF, line_containing(path, "title: {thickness: 0.8"), "unknown colour 'rul'")


def test_style_files_point_at_their_schemas():
    for file, schema in ((PDF, "pdf-style"), (DOCX, "docx-style")):
        first = (ROOT / file).read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../../schemas/{schema}.schema.json"
        assert (ROOT / file).parent.joinpath(first.split("=", 1)[1]).resolve().is_file()


def test_exported_schemas_match_the_models(run_brief, tmp_path):
    from brief.writers.styles import DocxStyle, HtmlStyle, PdfStyle

    r = run_brief("schema", "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    for name, model in (("pdf-style", PdfStyle), ("docx-style", DocxStyle), ("html-style", HtmlStyle)):
        exported = (tmp_path / f"{name}.schema.json").read_text(encoding="utf-8")
        assert json.loads(exported) == model.model_json_schema()
        assert (ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8") == exported, \
            f"schemas/{name}.schema.json is stale: run `brief schema`"


def test_every_schema_field_has_a_description():
    from brief.writers.styles import DocxStyle, HtmlStyle, PdfStyle

    for model in (PdfStyle, DocxStyle, HtmlStyle):
        schema = model.model_json_schema()
        for title, d in [(model.__name__, schema), *schema.get("$defs", {}).items()]:
            for field, spec in d.get("properties", {}).items():
                # (pydantic leaves out a field's description when it repeats its section's)
                ref = spec.get("$ref", "").removeprefix("#/$defs/")
                described = spec.get("description") or schema["$defs"].get(ref, {}).get("description")
                assert described, f"{title}.{field} has no description"


def test_colour_names_are_checked_by_the_model():
    from pydantic import ValidationError

    from brief.corpus import yamlio
    from brief.writers.styles import PdfStyle

    data = yamlio.load(ROOT / PDF, str(PDF))
    data["quote_bar"]["colour"] = "nope"
    with pytest.raises(ValidationError) as e:
        PdfStyle.model_validate(data)
    assert [err["loc"] for err in e.value.errors()] == [("quote_bar", "colour")]


def test_style_data_is_re_read_when_the_file_changes(project):
    import os

    from brief.writers.styles import pdf_style

    assert pdf_style(project).list_indent == 14
    path = project / PDF
    edit(path, "list_indent: 14", "list_indent: 20")
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime + 5))
    assert pdf_style(project).list_indent == 20


def test_the_recipient_marking_follows_the_footer_geometry(project):
    """The marking's place comes from pdf.yaml's furniture, like the writer's footer."""
    from brief.distribute.stamp import PdfStamper

    before = PdfStamper(project).top
    edit(project / PDF, "footer_below_frame: 18", "footer_below_frame: 25")
    assert PdfStamper(project).top == pytest.approx(before - 7)


def test_palette_is_written_once():
    """#RRGGBB values live in pdf.yaml's colours: only (not in docx.yaml, not in the writers)."""
    hexes = re.compile(r"#[0-9A-Fa-f]{6}\b")
    assert not hexes.search((ROOT / DOCX).read_text(encoding="utf-8"))
    for writer in ("pdf.py", "docx.py"):
        assert not hexes.search((ROOT / "src/brief/writers" / writer).read_text(encoding="utf-8")), writer
    assert not hexes.search((ROOT / "src/brief/distribute/stamp.py").read_text(encoding="utf-8"))
