"""The parsed fonts kept in the project's cache: the same font objects reportlab makes, the same
PDF bytes, and a changed font file parsed again."""

from __future__ import annotations

import shutil

import pytest

from helpers import copy_project, run_brief


def _font_files(root):
    from brief import fonts
    from brief.writers.styles import pdf_style

    spec = pdf_style(root).fonts
    return [(fonts.find_font(spec.latin.regular, spec.search_dirs, spec.latin.package), 0),
            (fonts.find_font(spec.latin.bold, spec.search_dirs, spec.latin.package), 0),
            (fonts.find_font(spec.cjk.regular, spec.search_dirs, spec.cjk.package), spec.cjk.subfont)]


def _same_font(kept, fresh):
    assert set(vars(kept)) == set(vars(fresh))
    for name, value in vars(fresh).items():
        if name not in ("face", "encoding", "state"):
            assert getattr(kept, name) == value, name
    assert type(kept.face) is type(fresh.face)
    a, b = vars(kept.face), vars(fresh.face)
    assert set(a) == set(b)
    for name, value in b.items():
        if name == "_pdfScale":
            assert [a[name](x) for x in (0, 1, 77, 2048)] == [value(x) for x in (0, 1, 77, 2048)]
        else:
            assert a[name] == value, name
            assert type(a[name]) is type(value), name
    for name in ("name", "familyName", "fullName"):
        assert kept.face.__dict__[name].ustr == fresh.face.__dict__[name].ustr
    assert kept.encoding is not fresh.encoding and len(kept.state) == 0


@pytest.mark.parametrize("which", [0, 1, 2], ids=["latin", "latin-bold", "cjk"])
def test_a_kept_font_is_the_font_reportlab_parses(project_root, tmp_path, monkeypatch, which):
    from reportlab.pdfbase import ttfonts

    from brief import fonts

    path, subfont = _font_files(project_root)[which]
    fresh = ttfonts.TTFont("F", path, subfontIndex=subfont)
    first = fonts.ttfont("F", path, subfont, tmp_path)  # parsed, then kept
    assert list((tmp_path / ".brief-cache" / "fonts").glob("*.pickle"))
    _same_font(first, fresh)

    def no_parsing(*a, **k):
        raise AssertionError("parsed although kept")

    monkeypatch.setattr(ttfonts.TTFontFile, "extractInfo", no_parsing)
    kept = fonts.ttfont("F", path, subfont, tmp_path)  # from the cache
    _same_font(kept, fresh)
    assert kept.stringWidth("Sovereign AI 主权人工智能", 10) == fresh.stringWidth("Sovereign AI 主权人工智能", 10)


def test_a_changed_font_file_is_parsed_again(project_root, tmp_path):
    from reportlab.pdfbase import ttfonts

    from brief import fonts

    (regular, _), (bold, _), _ = _font_files(project_root)
    path = tmp_path / "font.ttf"
    shutil.copyfile(regular, path)
    assert fonts.ttfont("F", str(path), 0, tmp_path).face.name == ttfonts.TTFont("F", regular).face.name
    shutil.copyfile(bold, path)  # the same path, another font
    kept = fonts.ttfont("F", str(path), 0, tmp_path)
    assert kept.face.name == ttfonts.TTFont("F", bold).face.name
    _same_font(kept, ttfonts.TTFont("F", str(path)))


def test_without_a_cache_a_font_is_parsed(project_root, tmp_path, monkeypatch):
    from brief import fonts

    monkeypatch.setenv("BRIEF_NO_CACHE", "1")
    path, subfont = _font_files(project_root)[0]
    fonts.ttfont("F", path, subfont, tmp_path)
    assert not (tmp_path / ".brief-cache" / "fonts").exists()


def test_kept_fonts_make_the_same_pdf(tmp_path):
    """A PDF from freshly parsed fonts, from fonts the run keeps and from kept fonts: the same bytes."""
    project = copy_project(tmp_path / "project")
    topic = sorted(p.stem for p in (project / "briefs").glob("*.yaml"))[0]
    env = {"SOURCE_DATE_EPOCH": "1767225600"}
    pdfs = []
    for i, extra in enumerate(({"BRIEF_NO_CACHE": "1"}, {}, {})):
        out = tmp_path / f"out{i}"
        r = run_brief("--project", project, "generate", "--topic", topic, "--lang", "zh", "-f", "pdf",
                      "--out", out, env={**env, **extra})
        assert r.returncode == 0, r.stdout + r.stderr
        pdfs.append(next(out.glob("*.pdf")).read_bytes())
    assert list((project / ".brief-cache" / "fonts").glob("*.pickle"))
    assert pdfs[0] == pdfs[1] == pdfs[2]
