"""The HTML brief and `brief serve` in a real browser: headless Chromium through Selenium.

- the sovereign-ai brief (the repo's corpus, marked `corpus`; expectations read from its topic file)
  in English and Chinese at a phone's width (360 px) and a desktop's (1280 px): no horizontal
  overflow, and no tofu (every character is in one of the fonts the style data names, and
  Chromium drew the text with those fonts only); its printed form (Chromium's print to PDF) too;
- an axe-core audit at WCAG 2.1 level AA: no violations, on the written page and on the served one;
- `brief serve` on the fixture project: a template line changed on disk shows in the page within
  2 seconds with no reload by the test, and a broken template shows `path:line: message` in the
  page over the last good brief.

The screenshots go to BRIEF_SCREENSHOTS (a directory) when it is set, else to a temporary one;
each test prints where. One Chromium serves the whole module.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import pytest

import browser_driver as bd
from conftest import BUILD_EPOCH, LANGS, ZH_TOPIC
from helpers import ROOT, Corpus, copy_project, load_yaml

SHIPPED_TOPIC = "sovereign-ai"  # the brief the screenshots are of
WIDTHS = (360, 1280)            # a phone, a desktop
RELOAD_WITHIN = 2.0             # seconds from saving a template to seeing it in the page


@pytest.fixture(scope="module")
def driver():
    bd.need_browser()
    d = bd.start_chromium()
    yield d
    bd.quit_chromium(d)


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    where = os.environ.get("BRIEF_SCREENSHOTS")
    if where:
        Path(where).mkdir(parents=True, exist_ok=True)
        return Path(where)
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def shipped_pages(run_brief, tmp_path_factory) -> dict[str, Path]:
    """The shipped sovereign-ai brief as HTML, in each language."""
    out = tmp_path_factory.mktemp("html")
    for lang in LANGS:
        r = run_brief("--project", ROOT, "generate", "--topic", SHIPPED_TOPIC, "--format", "html", "--lang", lang,
                      "--out", out, env={"SOURCE_DATE_EPOCH": BUILD_EPOCH})
        assert r.returncode == 0, r.stdout + r.stderr
    return {lang: out / f"{SHIPPED_TOPIC}.{lang}.html" for lang in LANGS}


def style_fonts(root: Path) -> tuple[set[str], set[str]]:
    """The font families the style data names (pdf.yaml's Latin faces and CJK font, which the
    HTML style sheet names first) and every character they can draw, read from the font files."""
    from reportlab.pdfbase.ttfonts import TTFontFile

    spec = load_yaml(root / "templates" / "styles" / "pdf.yaml")["fonts"]
    wanted = [(spec["latin"][face], 0) for face in ("regular", "bold", "italic", "bolditalic") if spec["latin"].get(face)]
    wanted.append((spec["cjk"]["regular"], spec["cjk"].get("subfont", 0)))
    families: set[str] = set()
    chars: set[str] = set()
    for name, subfont in wanted:
        path = next(p for d in spec["search_dirs"] if Path(d).is_dir() for p in sorted(Path(d).rglob(name)))
        font = TTFontFile(str(path), subfontIndex=subfont)
        families.add(font.familyName.decode())
        chars.update(chr(c) for c in font.charToGlyph)
    return families, chars


def page_text(driver) -> str:
    try:
        return driver.execute_script("return document.body ? document.body.innerText : ''") or ""
    except Exception:  # noqa: BLE001 - the page is between two loads
        return ""


@pytest.mark.corpus
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("lang", LANGS)
def test_shipped_brief_fits_the_screen_with_no_tofu(driver, shipped_pages, shots, lang, width):
    title = Corpus(ROOT).topics[SHIPPED_TOPIC]["title"][lang]
    bd.set_viewport(driver, width)
    driver.get(shipped_pages[lang].as_uri())
    text = page_text(driver)
    assert title in text.replace("\n", " ") or title in text, "the page shows the topic's title"
    shot = bd.full_page_png(driver, shots / f"{SHIPPED_TOPIC}.{lang}.{width}.png")
    print(f"screenshot: {shot}")
    assert bd.horizontal_overflow(driver) == []
    families, drawable = style_fonts(ROOT)
    used = bd.platform_fonts(driver)
    assert used and set(used) <= families, f"text drawn with fonts the style does not name: {set(used) - families}"
    tofu = sorted(bd.text_characters(driver) - drawable)
    assert tofu == [], f"characters no style font can draw: {[f'U+{ord(c):04X} {c}' for c in tofu]}"


@pytest.mark.corpus
@pytest.mark.parametrize("lang", LANGS)
def test_shipped_brief_passes_an_accessibility_audit(driver, shipped_pages, lang):
    for width in WIDTHS:
        bd.set_viewport(driver, width)
        driver.get(shipped_pages[lang].as_uri())
        violations = bd.axe_violations(driver)
        assert violations == [], f"axe-core, WCAG 2.1 AA, {lang} at {width} px:\n{bd.describe(violations)}"


@pytest.mark.corpus
@pytest.mark.parametrize("lang", LANGS)
def test_shipped_brief_prints(driver, shipped_pages, shots, lang):
    """Chromium's print to PDF: pages, the title on the first, only the style's fonts, embedded."""
    import base64

    bd.set_viewport(driver, 1280)
    driver.get(shipped_pages[lang].as_uri())
    pdf = shots / f"{SHIPPED_TOPIC}.{lang}.print.pdf"
    pdf.write_bytes(base64.b64decode(driver.print_page()))
    print(f"printed: {pdf}")
    first = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    title = Corpus(ROOT).topics[SHIPPED_TOPIC]["title"][lang]
    assert re.sub(r"\s+", "", title) in re.sub(r"\s+", "", first)
    families, drawable = style_fonts(ROOT)
    squeezed = {f.replace(" ", "") for f in families}
    named, drawn_as_shapes = printed_fonts(pdf)
    assert named, "no font in the printed PDF"
    for name, embedded in named:
        assert any(name.split("+")[-1].startswith(f) for f in squeezed), f"printed with a font the style does not name: {name}"
        assert embedded, f"font not embedded: {name}"
    # Chromium prints glyphs it emboldens itself (WenQuanYi has no bold face) as Type 3 shapes;
    # their text is known (ToUnicode), and each must be a character the style's fonts have.
    assert drawn_as_shapes <= drawable, sorted(drawn_as_shapes - drawable)


def printed_fonts(pdf: Path) -> tuple[list[tuple[str, bool]], set[str]]:
    """The named fonts of a PDF (name, embedded), and the characters its Type 3 fonts draw."""
    import pikepdf

    named: list[tuple[str, bool]] = []
    shapes: set[str] = set()
    with pikepdf.open(pdf) as doc:
        for obj in doc.objects:
            if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/Font":
                continue
            subtype = str(obj.get("/Subtype"))
            if subtype == "/Type3":
                cmap = obj.get("/ToUnicode")
                assert cmap is not None, "a Type 3 font with no ToUnicode: its text is unknown"
                shapes.update(to_unicode(cmap.read_bytes().decode("latin-1")))
                continue
            if subtype == "/CIDFontType2" or subtype == "/CIDFontType0":
                continue  # (described by the Type 0 font that holds it)
            base = str(obj.get("/BaseFont", "")).lstrip("/")
            desc = obj.DescendantFonts[0].get("/FontDescriptor") if subtype == "/Type0" else obj.get("/FontDescriptor")
            embedded = desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            named.append((base, embedded))
    return named, {ch for ch in shapes if not ch.isspace()}


def to_unicode(cmap: str) -> set[str]:
    """The characters a ToUnicode CMap maps to (its bfchar and bfrange entries)."""
    out: set[str] = set()
    text = lambda h: bytes.fromhex(h).decode("utf-16-be")  # noqa: E731
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for _, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out.update(text(dst))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            first = ord(text(dst)[-1])
            out.update(chr(first + i) for i in range(int(hi, 16) - int(lo, 16) + 1))
    return out


def error_box(driver) -> str:
    """The text of the preview's problem box while it shows, else ''."""
    try:
        return driver.execute_script(
            "const b = document.getElementById('brief-serve-error');"
            "return b && !b.hidden && b.offsetHeight > 0 ? b.innerText : '';") or ""
    except Exception:  # noqa: BLE001 - the page is between two loads
        return ""


def test_serve_shows_each_save_and_the_problems_of_a_bad_one(driver, tmp_path, shots):
    project = copy_project(tmp_path / "project")
    served = bd.Served(project, "--topic", ZH_TOPIC)
    try:
        served.wait_for(r"^watching ")
        bd.set_viewport(driver, 1280)
        driver.get(served.url)
        title = Corpus(project).topics[ZH_TOPIC]["title"]["en"]
        assert bd.wait_until(lambda: title in page_text(driver), 10), page_text(driver)[:500]
        driver.execute_script("window.notReloaded = true;")

        template = project / "templates" / "brief.md.j2"
        good = template.read_text(encoding="utf-8")
        line = "## {{ t.bottom_line }}"
        assert line in good
        marker = "Edited on disk 4711"
        edited = good.replace(line, f"{line} ({marker})", 1)
        start = time.monotonic()
        template.write_text(edited, encoding="utf-8")
        assert bd.wait_until(lambda: marker in page_text(driver), RELOAD_WITHIN), \
            f"the edit did not show within {RELOAD_WITHIN} s; brief serve said {served.said()[-6:]}"
        print(f"the edit showed after {time.monotonic() - start:.2f} s")
        assert driver.execute_script("return window.notReloaded === undefined"), "the page reloaded itself"

        template.write_text(edited.replace(f"({marker})", f"({marker}) {{% if %}}"), encoding="utf-8")
        shown = bd.wait_until(lambda: error_box(driver), RELOAD_WITHIN + 3)
        assert re.search(r"templates/brief\.md\.j2:\d+: ", shown), f"no path:line: message in the page: {shown!r}"
        assert marker in page_text(driver), "the last good brief stays in the page"
        driver.save_screenshot(str(shots / "serve-error.png"))  # (what the window shows)
        violations = bd.axe_violations(driver)
        assert violations == [], f"axe-core on the served page with its problem box:\n{bd.describe(violations)}"

        template.write_text(good, encoding="utf-8")
        assert bd.wait_until(lambda: marker not in page_text(driver) and not error_box(driver), RELOAD_WITHIN + 3)
        assert served.proc.poll() is None, "brief serve stopped"
        assert served.interrupt() == 0, served.errors
    finally:
        served.close()
