"""Publication quality: markings, navigation, metadata, charts, the three templates, looks in
style data, provenance and the template workflow (`brief templates`, `brief watch`).

All on the fixture project (tests/fixtures/project); expectations come from its files."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from conftest import BUILD_EPOCH, CONTESTED_TOPIC, LANGS, TEMPLATES, ZH_TOPIC
from helpers import FIXTURE_PROJECT, ROOT, Corpus, docx_tables, load_yaml, pdf_count, pdf_outline, run_brief

CORPUS = Corpus(FIXTURE_PROJECT)
TOPICS = sorted(CORPUS.topics)
CONFIG = load_yaml(FIXTURE_PROJECT / "brief.yaml")


def tlp_of(topic: str) -> str:
    return CORPUS.topics[topic].get("tlp", "TLP:CLEAR")


def pages(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic", TOPICS)
def test_one_pager_fits_on_one_page(built, topic, lang):
    assert pages(built / "one-pager" / f"{topic}.{lang}.pdf") == 1


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("topic", TOPICS)
def test_full_brief_is_two_to_four_pages_before_the_back_matter(built, topic, lang):
    pdf = built / "brief" / f"{topic}.{lang}.pdf"
    heading = "Source notes" if lang == "en" else "来源说明"
    start = next(p for p in range(2, pages(pdf) + 1) if re.search(rf"^{heading}$", page_text(pdf, p), re.M))
    # The back matter (source notes, references) starts on page 3, 4 or 5: at most four pages before it.
    assert 3 <= start <= 5, f"source notes start on page {start}"


@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("lang", LANGS)
def test_every_page_carries_the_marking_in_header_and_footer_and_page_x_of_y(built, template, lang):
    for topic in TOPICS:
        pdf = built / template / f"{topic}.{lang}.pdf"
        n = pages(pdf)
        for p in range(1, n + 1):
            text = page_text(pdf, p)
            assert text.count(tlp_of(topic)) >= 2, (topic, p)
            label = f"Page {p} of {n}" if lang == "en" else f"第 {p} 页，共 {n} 页"
            assert label in text, (topic, p)


def test_marking_is_right_aligned_and_at_least_12_pt(built):
    pdf = built / "brief" / f"{ZH_TOPIC}.en.pdf"
    tlp = tlp_of(ZH_TOPIC)
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', html).group(1))
    boxes = [tuple(map(float, m.groups())) for m in
             re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                         + re.escape(tlp) + '</word>', html)]
    assert len(boxes) >= 2
    for x0, y0, x1, y1 in boxes[:1] + boxes[-1:]:
        assert y1 - y0 >= 12 * 0.95, "marking smaller than 12 pt"
        assert x1 > width * 0.8, "marking not at the right"


def test_pdf_outline_has_every_section_and_a_table_of_contents(built):
    pdf = built / "brief" / f"{CONTESTED_TOPIC}.en.pdf"
    titles = [title for _, title in pdf_outline(pdf)]
    for section in ("Bottom line", "Key judgments", "Key findings", "What we know", "What we assess",
                    "What the sources recommend", "What cuts the other way", "Source notes", "References"):
        assert section in titles
    first = page_text(pdf, 1)
    assert "Contents" in first
    assert re.search(r"Bottom line[ .]+1", first), "table of contents lists no page numbers"


def test_pdf_metadata(built):
    import pikepdf

    topic = CORPUS.topics[ZH_TOPIC]
    with pikepdf.open(built / "brief" / f"{ZH_TOPIC}.zh.pdf") as doc:
        info = doc.docinfo
        assert str(info["/Title"]) == topic["title"]["zh"]
        assert CONFIG["organisation"]["zh"] in str(info["/Author"]) and CONFIG["author"]["zh"] in str(info["/Author"])
        assert str(info["/Subject"]) == topic["question"]["zh"]
        assert ZH_TOPIC in str(info["/Keywords"])
        assert str(doc.Root.Lang) == "zh-CN"
        assert str(info["/BriefTopic"]) == ZH_TOPIC
        assert re.fullmatch(r"[0-9a-f]{64}", str(info["/BriefCorpusSha256"]))
        assert set(str(info["/BriefFindings"]).split()) == set(CORPUS.selected(ZH_TOPIC))


def test_docx_core_and_custom_properties(built):
    path = built / "brief" / f"{ZH_TOPIC}.en.docx"
    with zipfile.ZipFile(path) as z:
        core = z.read("docProps/core.xml").decode()
        custom = z.read("docProps/custom.xml").decode()
    assert "python-docx" not in core
    assert "2013" not in core  # python-docx's default dates
    assert CORPUS.topics[ZH_TOPIC]["title"]["en"] in core and CONFIG["organisation"]["en"] in core
    assert 'name="brief.topic"' in custom and ZH_TOPIC in custom
    assert 'name="brief.findings"' in custom
    assert all(fid in custom for fid in CORPUS.selected(ZH_TOPIC))


def test_manifest_beside_each_output_gives_their_sha256(built):
    d = built / "brief"
    manifest = json.loads((d / f"{CONTESTED_TOPIC}.en.manifest.json").read_text())
    for name in (f"{CONTESTED_TOPIC}.en.pdf", f"{CONTESTED_TOPIC}.en.docx"):
        assert manifest["files"][name]["sha256"] == hashlib.sha256((d / name).read_bytes()).hexdigest()
    assert manifest["provenance"]["brief.template"] == "brief"


def chart_figures(topic: str) -> list[dict]:
    """The figures a topic's charts plot: those of each chart's findings with the chart's unit."""
    out = []
    for chart in CORPUS.topics[topic]["charts"]:
        for fid in chart["findings"]:
            out += [g for g in CORPUS.findings[fid]["figures"] if chart.get("unit") in (None, unit_en(g))]
    assert out
    return out


def unit_en(g: dict) -> str:
    """A figure's unit as a chart spec names it: its code or English words, then its measure."""
    unit = g["unit"] if isinstance(g["unit"], str) else g["unit"]["en"]
    return f"{unit} {g['measure']['en']}" if g.get("measure") else unit


def number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def test_chart_is_vector_with_chinese_labels_in_a_chinese_brief(built):
    pdf = built / "fact-sheet" / f"{CONTESTED_TOPIC}.zh.pdf"
    text = pdf_text(pdf)
    for g in chart_figures(CONTESTED_TOPIC):
        assert g["entity"]["zh"] in text  # bar labels are text, not pixels
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) <= 2, "the PDF chart should not be a raster image"


def test_chart_values_come_from_the_findings(built):
    text = pdf_text(built / "fact-sheet" / f"{CONTESTED_TOPIC}.en.pdf")
    for g in chart_figures(CONTESTED_TOPIC):
        assert number(g["value"]) in text


def test_docx_chart_is_an_image_of_at_least_200_dpi(built):
    from PIL import Image

    path = built / "fact-sheet" / f"{CONTESTED_TOPIC}.en.docx"
    with zipfile.ZipFile(path) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(media) == len(CORPUS.topics[CONTESTED_TOPIC]["charts"])
        doc_xml = z.read("word/document.xml").decode()
        img = Image.open(io.BytesIO(z.read(media[0])))
    extent = int(re.search(r'<wp:extent cx="(\d+)"', doc_xml).group(1))  # EMU; 914400 per inch
    assert img.width / (extent / 914400) >= 199


def key_figure_rows(topic: str, lang: str) -> list[tuple[str, float, str, str]]:
    """(entity, value, unit or measure, as of) of every figure of the topic's selected findings."""
    t = load_yaml(ROOT / "templates" / "strings" / f"{lang}.yaml")
    def as_of(value: str | None) -> str:
        if value is None:
            return t["date_not_stated"]
        assert re.fullmatch(r"\d{4}", value), "the fixture's figures are dated by year"
        return value if lang == "en" else f"{value}年"

    def unit(g: dict) -> str:  # words of a count, or the measure of a percentage or an amount
        words = "" if isinstance(g["unit"], str) else g["unit"][lang]
        measure = g["measure"][lang] if g.get("measure") else ""
        return t["figure_with_measure"].format(value=words, measure=measure) if words and measure else words or measure

    return [(g["entity"][lang], g["value"], unit(g), as_of(g.get("as_of")))
            for fid in CORPUS.selected(topic) for g in CORPUS.findings[fid].get("figures") or []]


@pytest.mark.parametrize("lang", LANGS)
def test_fact_sheet_lists_every_figure_with_its_citation(built, lang):
    expected = key_figure_rows(CONTESTED_TOPIC, lang)
    assert expected
    (table,) = docx_tables(built / "fact-sheet" / f"{CONTESTED_TOPIC}.{lang}.docx")
    from brief.corpus.numbers import value_in

    rows = [(e, u, a) for e, v, u, a, _ in table[1:]]
    assert sorted(rows) == sorted((e, u, a) for e, _, u, a in expected)
    for (entity, value, unit, _), row in zip(sorted(expected, key=lambda r: (r[0], r[2], r[3])),
                                             sorted(table[1:], key=lambda r: (r[0], r[2], r[3]))):
        assert value_in(value, row[1]), (value, row[1])  # "US$500 million", "5亿美元", "32%"
    t = load_yaml(ROOT / "templates" / "strings" / f"{lang}.yaml")
    owners = [CORPUS.findings[fid] for fid in CORPUS.selected(CONTESTED_TOPIC)
              for g in CORPUS.findings[fid].get("figures") or []]
    of_row = {(e, u, a): f for (e, _, u, a), f in zip(expected, owners)}
    for row in table[1:]:
        f = of_row[row[0], row[2], row[3]]
        form = re.escape(t["graded"].format(grade="@@")).replace("@@", "[A-F][1-6]").replace("\u00a0", r"\s")
        cell = re.fullmatch(rf"\[\d+\]{form}(?: · (.*))?", row[4], re.S)
        assert cell, row[4]
        if f.get("via_primary"):  # a figure the text attributes to the study its article relays
            primary = CORPUS.sources[CORPUS.finding_source[f["id"]]]["primary_source"]["name"][lang]
            assert cell.group(1) == t["relayed_from"].format(primary=primary), row[4]
        else:
            assert cell.group(1) is None, row[4]
    assert any(f.get("via_primary") for f in owners) and not all(f.get("via_primary") for f in owners)
    text = pdf_text(built / "fact-sheet" / f"{CONTESTED_TOPIC}.{lang}.pdf")
    assert ("Key figures" if lang == "en" else "关键数据") in text
    for entity, _, _, as_of in expected:
        assert pdf_count(text, entity) >= 1 and pdf_count(text, as_of) >= 1


def test_templates_command_lists_the_three_templates(project_root):
    r = run_brief("--project", project_root, "templates", "--json")
    assert r.returncode == 0, r.stderr
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert set(rows) >= {"brief", "one-pager", "fact-sheet"}
    for row in rows.values():
        assert row["description"]
        assert "references" in row["sections"]


@pytest.fixture
def sample(sample_project):
    return sample_project


def test_heading_1_size_in_reference_docx_changes_the_output(sample):
    from docx import Document
    from docx.shared import Pt

    ref = sample / "templates" / "styles" / "reference.docx"
    d = Document(str(ref))
    d.styles["Heading 1"].font.size = Pt(30)
    d.save(str(ref))
    r = run_brief("--project", sample, "generate", "--topic", ZH_TOPIC, "--format", "docx", "--out", sample / "o")
    assert r.returncode == 0, r.stderr
    out = Document(str(sample / "o" / f"{ZH_TOPIC}.en.docx"))
    assert out.styles["Heading 1"].font.size == Pt(30)
    assert any(p.style.name == "Heading 1" for p in out.paragraphs)


def test_pdf_page_size_comes_from_the_style_sheet(sample):
    sheet = sample / "templates" / "styles" / "pdf.yaml"
    sheet.write_text(sheet.read_text().replace("size: A4", "size: Letter"))
    r = run_brief("--project", sample, "generate", "--topic", ZH_TOPIC, "--format", "pdf", "--out", sample / "o")
    assert r.returncode == 0, r.stderr
    info = subprocess.run(["pdfinfo", str(sample / "o" / f"{ZH_TOPIC}.en.pdf")], capture_output=True, text=True).stdout
    assert "612 x 792 pts (letter)" in info


def test_check_reports_a_broken_one_pager_with_its_line(sample):
    path = sample / "templates" / "one-pager.md.j2"
    lines = path.read_text().splitlines()
    lines.insert(5, "{{ topic.nonexistent }}")
    path.write_text("\n".join(lines) + "\n")
    r = run_brief("--project", sample, "check")
    assert r.returncode == 1
    assert re.search(r"templates/one-pager\.md\.j2:6: undefined field 'nonexistent' of a topic", r.stdout), r.stdout
    assert "Traceback" not in r.stdout + r.stderr


def test_reproducible_with_charts(built, project_root, tmp_path):
    """The shared fact sheet (`built`, made with --all) and the same one built again on its own."""
    assert CORPUS.topics[CONTESTED_TOPIC]["charts"]
    r = run_brief("--project", project_root, "generate", "--topic", CONTESTED_TOPIC, "--template", "fact-sheet",
                  "--out", tmp_path, env={"SOURCE_DATE_EPOCH": BUILD_EPOCH})
    assert r.returncode == 0, r.stderr
    for ext in ("pdf", "docx", "manifest.json"):
        a = (built / "fact-sheet" / f"{CONTESTED_TOPIC}.en.{ext}").read_bytes()
        b = (tmp_path / f"{CONTESTED_TOPIC}.en.{ext}").read_bytes()
        assert a == b, ext


def test_watch_rerenders_and_survives_a_bad_edit(sample):
    import queue
    import threading

    out = sample / "o"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "brief", "--project", str(sample), "watch", "--topic", ZH_TOPIC,
                             "--format", "pdf", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    q: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [q.put(line) for line in proc.stdout], daemon=True).start()
    lines: list[str] = []

    def wait_for(pattern: str, timeout: float = 60) -> str:  # a guard against hanging, not a speed test
        end = time.time() + timeout
        while time.time() < end:
            try:
                line = q.get(timeout=max(0.1, end - time.time()))
            except queue.Empty:
                break
            lines.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r}; got {lines}")

    try:
        wait_for(r"^watching ")
        time.sleep(0.5)
        template = sample / "templates" / "brief.md.j2"
        good = template.read_text()
        template.write_text(good.replace("## {{ t.bottom_line }}", "## {{ t.bottom_line }} {% if %}"))
        wait_for(r"^error: templates/brief\.md\.j2:\d+:")
        assert proc.poll() is None, "watch exited on a bad edit"
        template.write_text(good)
        wait_for(r"^rendered ")
        assert proc.poll() is None, "watch exited after re-rendering"
        assert (out / f"{ZH_TOPIC}.en.pdf").read_bytes().startswith(b"%PDF-")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
