"""Helpers shared by the tests: running the CLI, reading the corpus independently, reading outputs.

Nothing here calls the code under test except `run_brief`, which runs the real CLI in a
subprocess so that exit codes and stderr are the ones a user sees.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
# The hand-made project that behaviour tests build on (see tests/fixtures/project/README.md): its
# own seeds/, briefs/ and brief.yaml. Its templates are the repo's, copied in by copy_project.
FIXTURE_PROJECT = FIXTURES / "project"
FIXTURE_PARTS = ("seeds", "briefs", "brief.yaml")
# What makes up the repo's own project (the shipped corpus, topics, templates and config).
REPO_PARTS = ("seeds", "briefs", "templates", "brief.yaml")

# ---- running the CLI ----------------------------------------------------------------------


# Commands that only read the project (or write one file of it) run inside the test process, through
# the CLI app and its one error boundary, with the same exit code, stdout and stderr a user gets;
# it saves a cold start per call. Commands that build PDFs (which fork a writer process), send
# mail or watch run in a subprocess, as a user runs them. BRIEF_TEST_SUBPROCESS=1 runs all of
# them in subprocesses.
IN_PROCESS = {"check", "topics", "sources", "findings", "locate", "schema", "templates", "search", "finding",
              "ingest"}


def run_brief(*args, cwd=None, env=None, timeout=180) -> subprocess.CompletedProcess:
    """Run `brief ARGS` (in this process for read-only commands, else `python -m brief` in a
    subprocess); returns a CompletedProcess (text mode) either way."""
    args = [str(a) for a in args]
    command = next((a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or args[i - 1] not in
                                                                                 ("--project", "-C"))), None)
    if command in IN_PROCESS and not os.environ.get("BRIEF_TEST_SUBPROCESS"):
        return _run_in_process(args, cwd, env)
    full_env = dict(os.environ)
    full_env.setdefault("PYTHONIOENCODING", "utf-8")
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "brief", *args],
        cwd=str(cwd) if cwd else None,
        env=full_env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


@dataclass
class Invoked:
    """What a command run in this process did: its exit status, what it printed, and an
    exception that escaped the CLI's boundary (None when it ended as a command does)."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke(args: list[str], env: dict | None = None, cwd=None) -> Invoked:
    """Run `brief ARGS` in this process (as main() does, without ending the process), with `env`
    set for the run and the standard streams captured."""
    import contextlib
    import io

    from brief.cli import app
    from brief.cli.base import state

    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in (env or {})}
    old = os.getcwd()
    exception = None
    try:
        os.environ.update({k: str(v) for k, v in (env or {}).items()})
        if cwd:
            os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = app([str(a) for a in args])
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            except Exception as e:  # noqa: BLE001 - reported to the test, as a user would see it
                code, exception = 1, e
    finally:
        os.chdir(old)
        state["project"] = None
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Invoked(code, out.getvalue(), err.getvalue(), exception)


def _run_in_process(args: list[str], cwd, env) -> subprocess.CompletedProcess:
    import traceback

    r = invoke(args, env, cwd)
    stderr = r.stderr
    if r.exception is not None:
        # What a user would see had the exception escaped the CLI's boundary.
        stderr += "Traceback (most recent call last):\n" + "".join(traceback.format_exception(r.exception))
    return subprocess.CompletedProcess(["brief", *args], r.exit_code, r.stdout, stderr)


def _copy(src: Path, dest: Path) -> None:
    if src.is_dir():
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache"))
    else:
        shutil.copy2(src, dest)


def copy_project(dest: Path) -> Path:
    """A sample project in `dest`: the fixture project's seeds/, briefs/ and brief.yaml, and the
    repo's templates/ (templates are part of the product)."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in FIXTURE_PARTS:
        _copy(FIXTURE_PROJECT / part, dest / part)
    _copy(ROOT / "templates", dest / "templates")
    return dest


def copy_repo_project(dest: Path, *, tests: bool = False) -> Path:
    """A copy of the repo's own project in `dest` (seeds/, briefs/, templates/, brief.yaml), and
    with `tests` its tests/ and pytest settings (pyproject.toml) too, so that the corpus tests
    can run against the copy."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in REPO_PARTS + (("tests", "pyproject.toml") if tests else ()):
        _copy(ROOT / part, dest / part)
    return dest


BRIEF_SUFFIXES = (".docx", ".pdf")


def brief_files(path: Path) -> list[Path]:
    """The briefs (DOCX and PDF files) under `path`, leaving out side files such as manifests."""
    return [p for p in files_under(path) if p.suffix in BRIEF_SUFFIXES]


def files_under(path: Path) -> list[Path]:
    """Every file (including hidden temp files) under `path`; [] if it does not exist."""
    if not path.exists():
        return []
    return sorted(p for p in path.rglob("*") if p.is_file())


# ---- editing sample projects --------------------------------------------------------------


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace the single occurrence of `old` in a text file (it must occur exactly once)."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def add_source(project: Path, source: dict, body: list[str], findings: list[dict]) -> Path:
    """Add a source folder to a sample project: an original (the body plus a heading line that
    cleaning removed), body.txt, source.yaml with the pinned hashes, and findings.yaml.
    `source` gives every field but id-derived paths and hashes."""
    sid = source["id"]
    seeds = project / "seeds"
    original = seeds / "originals" / f"{sid}.txt"
    original.write_text("Heading removed by cleaning\n" + "\n".join(body) + "\n", encoding="utf-8")
    folder = seeds / sid
    folder.mkdir()
    (folder / "body.txt").write_text("\n".join(body) + "\n", encoding="utf-8")
    data = {"id": sid, "original": f"originals/{sid}.txt", "original_sha256": sha256(original),
            "body_sha256": sha256(folder / "body.txt"), **source}
    dump = dict(allow_unicode=True, sort_keys=False)
    (folder / "source.yaml").write_text(yaml.safe_dump(data, **dump), encoding="utf-8")
    (folder / "findings.yaml").write_text(yaml.safe_dump({"source": sid, "findings": findings}, **dump),
                                          encoding="utf-8")
    return folder


def line_containing(path: Path, needle: str, start: int = 1) -> int:
    """1-based number of the first line (at or after `start`) of `path` that contains `needle`."""
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if n >= start and needle in line:
            return n
    raise AssertionError(f"{needle!r} not found in {path}")


# ---- the corpus, read independently of the code under test --------------------------------


def load_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def body_lines(path: Path) -> list[str]:
    """Lines of a body.txt: one paragraph per line (the locator's `para` is 1-based)."""
    return path.read_text(encoding="utf-8").splitlines()


class Corpus:
    """Sources, findings and topics of a project, read straight from the YAML files."""

    def __init__(self, root: Path):
        self.root = root
        self.sources: dict[str, dict] = {}
        self.source_dirs: dict[str, Path] = {}
        self.findings: dict[str, dict] = {}
        self.finding_source: dict[str, str] = {}
        self.findings_by_source: dict[str, list[dict]] = {}
        for folder in sorted(p for p in (root / "seeds").iterdir() if p.is_dir()):
            if (folder / "source.yaml").exists():
                src = load_yaml(folder / "source.yaml")
                self.sources[src["id"]] = src
                self.source_dirs[src["id"]] = folder
        for folder in sorted(p for p in (root / "seeds").iterdir() if p.is_dir()):
            if (folder / "findings.yaml").exists():
                ff = load_yaml(folder / "findings.yaml")
                self.findings_by_source.setdefault(ff["source"], [])
                for f in ff.get("findings") or []:
                    self.findings[f["id"]] = f
                    self.finding_source[f["id"]] = ff["source"]
                    self.findings_by_source[ff["source"]].append(f)
        self.topics = {p.stem: load_yaml(p) for p in sorted((root / "briefs").glob("*.yaml"))
                       if not p.name.startswith("stakeholders")}

    def matched(self, topic_id: str) -> list[str]:
        """Ids of the findings a topic's selector matches, before its grade thresholds."""
        sel = self.topics[topic_id]["select"]
        tags = set(sel["topics"])
        out = []
        for fid, f in self.findings.items():
            sid = self.finding_source[fid]
            if fid in (sel.get("exclude") or []) or sid in (sel.get("exclude_sources") or []):
                continue
            take = (bool(tags & set(f["topics"]))
                    and (sel.get("kinds") is None or f["kind"] in sel["kinds"])
                    and (sel.get("sources") is None or sid in sel["sources"])
                    and (sel.get("stances") is None or f.get("stance") in sel["stances"]))
            if take or fid in (sel.get("include") or []):
                out.append(fid)
        return out

    def below_threshold(self, topic_id: str, fid: str) -> bool:
        """True when the topic's min_reliability / max_credibility leaves this finding out."""
        sel = self.topics[topic_id]["select"]
        grade = self.grade(self.finding_source[fid])
        minimum = sel.get("min_reliability")
        if minimum is not None and (grade == "F" or "ABCDE".index(grade) > "ABCDE".index(minimum)):
            return True
        worst = sel.get("max_credibility")
        return worst is not None and self.findings[fid]["credibility"] > worst

    def selected(self, topic_id: str) -> list[str]:
        """Ids of the findings a topic takes (as a set-like list; order not asserted)."""
        return [fid for fid in self.matched(topic_id) if not self.below_threshold(topic_id, fid)]

    def left_out(self, topic_id: str) -> list[str]:
        """Ids the selector matches but a grade threshold leaves out."""
        return [fid for fid in self.matched(topic_id) if self.below_threshold(topic_id, fid)]

    def partners(self, topic_id: str) -> list[str]:
        """Findings outside the selection that contradict a selected finding (shown side by side)."""
        chosen = self.selected(topic_id)
        out: list[str] = []
        for fid in chosen:
            for other in self.findings[fid].get("contradicts") or []:
                if other in self.findings and other not in chosen and other not in out:
                    out.append(other)
        return out

    def pairs(self, topic_id: str) -> list[tuple[str, str]]:
        """Contradiction pairs with at least one side in the selection (each pair once)."""
        seen, out = set(), []
        for fid in self.selected(topic_id):
            for other in self.findings[fid].get("contradicts") or []:
                key = frozenset((fid, other))
                if other in self.findings and key not in seen:
                    seen.add(key)
                    out.append((fid, other))
        return out

    def cited_sources(self, topic_id: str) -> set[str]:
        """Sources a brief cites: those of its selection and of the other sides of its contested pairs."""
        return {self.finding_source[f] for f in self.selected(topic_id) + self.partners(topic_id)}

    def grade(self, sid: str) -> str:
        return self.sources[sid]["reliability"]["grade"]

    def origin(self, sid: str) -> str:
        """The line of reporting a source's relayed passages belong to: its primary source's key,
        or itself."""
        primary = self.sources[sid].get("primary_source")
        return primary["key"] if primary else sid

    def finding_origin(self, fid: str) -> str:
        """The line of reporting a finding belongs to: the primary source its article relays when
        the finding is marked via_primary, else its own source."""
        sid = self.finding_source[fid]
        return self.origin(sid) if self.findings[fid].get("via_primary") else sid

    def cited(self, topic_id: str) -> list[str]:
        """Findings a full brief cites: its selection and the other sides of its contested pairs."""
        return self.selected(topic_id) + self.partners(topic_id)


# ---- reading outputs ----------------------------------------------------------------------


def ws(text: str) -> str:
    """Whitespace-normalised text."""
    return re.sub(r"\s+", " ", text).strip()


def pdftotext(path: Path, *extra: str) -> str:
    r = subprocess.run(["pdftotext", "-enc", "UTF-8", *extra, str(path), "-"], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    return r.stdout.decode("utf-8")


def pdf_page_size(path: Path) -> tuple[float, float]:
    r = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60)
    m = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", r.stdout)
    assert m, r.stdout + r.stderr
    return float(m.group(1)), float(m.group(2))


def pdf_body_text(path: Path, root: Path = ROOT, raw: bool = False) -> str:
    """pdftotext of the page frame only: the running header and footer (page furniture, drawn in
    the margins given by templates/styles/pdf.yaml) are cropped away.

    raw=True keeps the content stream's order (pdftotext -raw): a side-by-side table then reads
    cell by cell, as in the DOCX, instead of interleaving lines of neighbouring cells."""
    page = load_yaml(root / "templates" / "styles" / "pdf.yaml")["page"]
    mm = 72 / 25.4
    w, h = pdf_page_size(path)
    top = int(page["margin_top_mm"] * mm) - 4
    bottom = int(page["margin_bottom_mm"] * mm) - 4
    extra = ("-raw",) if raw else ()
    return pdftotext(path, *extra, "-x", "0", "-y", str(top), "-W", str(int(w) + 1), "-H", str(int(h) - top - bottom))


TOC_LEADER = r"[ \t]*(?:\n[ \t]*)?(?:\.[ \t]*){3,}\d+"  # a table-of-contents entry's dot leader and page


def heading_pattern(heading: str) -> re.Pattern:
    """`heading` standing on lines of its own in pdftotext output: not the same words in a sentence,
    nor its entry in the table of contents (followed by a dot leader and a page number)."""
    return re.compile(r"(?:^|(?<=[\n\f]))" + flex_pattern(heading).pattern + r"[ \t]*(?=[\n\f])(?!" + TOC_LEADER + ")")


def section(text: str, start: str, end: str | None) -> str:
    """The part of pdftotext output from heading `start` up to heading `end` (or the end)."""
    m = heading_pattern(start).search(text)
    assert m, f"heading {start!r} not found"
    if end is None:
        return text[m.end():]
    e = heading_pattern(end).search(text, m.end())
    assert e, f"heading {end!r} not found after {start!r}"
    return text[m.end():e.start()]


def flex_pattern(needle: str) -> re.Pattern:
    """A pattern for `needle` as pdftotext prints it: a line (or page) break may fall between any
    two characters, and any run of whitespace in the needle may come out as any whitespace."""
    needle = ws(needle)
    parts = []
    for i, ch in enumerate(needle):
        if ch == " ":
            parts.append(r"\s+")
            continue
        if i and needle[i - 1] != " ":
            parts.append(r"\s*")
        parts.append(re.escape(ch))
    return re.compile("".join(parts))


def pdf_count(text: str, needle: str) -> int:
    """How often `needle` occurs in pdftotext output, tolerating line breaks anywhere."""
    return len(flex_pattern(needle).findall(text))


def pdf_count_across_pages(text: str, needle: str) -> int:
    """pdf_count, plus one for each occurrence that a page break splits inside a side-by-side
    table. When a table row continues on the next page, the content stream holds the rest of the
    other column between the two parts, so the needle is not contiguous: its head stands on one
    page and its tail on the next, one of them at the page's edge (start or end)."""
    full = pdf_count(text, needle)
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    n = squash(needle)
    pages = [squash(p) for p in text.split("\f")]
    split = 0
    for a, b in zip(pages, pages[1:]):
        for k in range(2, len(n) - 1):
            head, tail = n[:k], n[k:]
            if (b.startswith(tail) and head in a) or (a.endswith(head) and tail in b):
                split += 1
                break
    return full + split


def _pdf_literal(data: bytes, i: int) -> tuple[bytes, int]:
    """Parse a PDF literal string starting just after its '('; returns (bytes, index after ')')."""
    out = bytearray()
    depth = 1
    while True:
        c = data[i]
        if c == 0x5C:  # backslash
            n = data[i + 1]
            esc = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f",
                   ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}
            if n in esc:
                out += esc[n]
                i += 2
            elif 0x30 <= n <= 0x37:
                j = i + 1
                digits = b""
                while j < len(data) and len(digits) < 3 and 0x30 <= data[j] <= 0x37:
                    digits += bytes([data[j]])
                    j += 1
                out.append(int(digits, 8) & 0xFF)
                i = j
            elif n in (0x0A, 0x0D):
                i += 2
                if n == 0x0D and data[i] == 0x0A:
                    i += 1
            else:
                out.append(n)
                i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(c)
        i += 1


def _pdf_text_string(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be")
    return raw.decode("latin-1")


def pdf_objects(data: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) \d+ obj\s*(.*?)endobj", data, re.S)}


def _title_of(obj: bytes) -> str:
    m = re.search(rb"/Title\s*([(<])", obj)
    assert m, obj[:200]
    if m.group(1) == b"(":
        raw, _ = _pdf_literal(obj, m.end())
    else:
        end = obj.index(b">", m.end())
        raw = bytes.fromhex(obj[m.end():end].decode())
    return _pdf_text_string(raw)


def pdf_outline(path: Path) -> list[tuple[int, str]]:
    """The PDF's bookmarks as (depth, title), in document (pre-)order."""
    data = path.read_bytes()
    objs = pdf_objects(data)
    roots = [o for o in objs.values() if re.search(rb"/Type\s*/Outlines", o)]
    assert len(roots) == 1, "expected one /Outlines dictionary"

    def ref(obj: bytes, key: bytes) -> int | None:
        m = re.search(rb"/" + key + rb"\s+(\d+)\s+\d+\s+R", obj)
        return int(m.group(1)) if m else None

    out: list[tuple[int, str]] = []

    def walk(first: int | None, depth: int):
        node = first
        while node is not None:
            obj = objs[node]
            out.append((depth, _title_of(obj)))
            walk(ref(obj, b"First"), depth + 1)
            node = ref(obj, b"Next")

    walk(ref(roots[0], b"First"), 0)
    return out


def pdf_uris(path: Path) -> list[str]:
    """Every /URI action target in the PDF (annotations are uncompressed dictionaries)."""
    data = path.read_bytes()
    out = []
    for m in re.finditer(rb"/URI\s*\(", data):
        raw, _ = _pdf_literal(data, m.end())
        out.append(_pdf_text_string(raw))
    return out


def docx_part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def docx_paragraphs(path: Path) -> list[tuple[str, str]]:
    """(style name, text) of every body paragraph of a DOCX, read with python-docx."""
    import docx

    d = docx.Document(str(path))
    return [(p.style.name if p.style is not None else "", p.text) for p in d.paragraphs]


@dataclass(frozen=True)
class DocxPara:
    """One paragraph of a DOCX body in document order; `table` is the index of the table whose
    cell holds it (None outside tables), `cell` the (row, column) of that cell."""

    style: str
    text: str
    table: int | None = None
    cell: tuple[int, int] | None = None


def docx_body(path: Path) -> list[DocxPara]:
    """Every paragraph of a DOCX body in document order, table cells included (row by row, cell
    by cell), read by walking the body's w:p and w:tbl children."""
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    d = docx.Document(str(path))
    out: list[DocxPara] = []
    tables = 0

    def style_of(p) -> str:
        return p.style.name if p.style is not None else ""

    def walk(parent, table: int | None, cell: tuple[int, int] | None):
        nonlocal tables
        for el in parent.iterchildren():
            if el.tag == qn("w:p"):
                p = Paragraph(el, d)
                out.append(DocxPara(style_of(p), p.text, table, cell))
            elif el.tag == qn("w:tbl"):
                index = tables if table is None else table
                if table is None:
                    tables += 1
                for r, row in enumerate(Table(el, d).rows):
                    for c, tc in enumerate(row.cells):
                        walk(tc._tc, index, (r, c) if cell is None else cell)

    walk(d.element.body, None, None)
    return out


def docx_tables(path: Path) -> list[list[list[str]]]:
    """Each body table as rows of cells, each cell the text of its paragraphs joined by newlines."""
    tables: dict[int, dict[tuple[int, int], list[str]]] = {}
    for p in docx_body(path):
        if p.table is not None:
            tables.setdefault(p.table, {}).setdefault(p.cell, []).append(p.text)
    out = []
    for index in sorted(tables):
        cells = tables[index]
        rows = max(r for r, _ in cells) + 1
        out.append([["\n".join(cells[(r, c)]) for c in sorted(c for rr, c in cells if rr == r)] for r in range(rows)])
    return out


def grade_text(lang: str, grade: str) -> str:
    """A grade after its citation as the strings write it (`graded`), no-break spaces read as
    spaces: ' · Grade C1' (en), '·C1' (zh)."""
    return strings(lang)["graded"].format(grade=grade).replace("\u00a0", " ")


def grade_re(lang: str) -> str:
    """A regular expression of any grade after its citation (see `grade_text`)."""
    return re.escape(grade_text(lang, "@@")).replace("@@", "[A-F][1-6]")


def cite(lang: str, *numbers: int) -> str:
    """A citation as the strings write it (`cite_sep`): '[1, 2]' (en), '[1,2]' (zh)."""
    return "[" + strings(lang)["cite_sep"].join(str(n) for n in numbers) + "]"


def shown_in_full(paragraphs: list[DocxPara], claims: dict[str, str], lang: str) -> dict[str, list[int]]:
    """Where each finding stands in full: indices of the paragraphs that are its finding line
    ('<claim> [n] · Grade XN' as the strings write the grade, joined by no-break spaces; no space
    before the citation after full-width punctuation). `claims` maps finding ids to claims in
    the brief's language. A finding only named (in the list of an 'N more findings' line, or of
    a stance position) is absent from the result: list items are never findings shown in full."""
    out: dict[str, list[int]] = {}
    marker = re.compile(r"\]" + grade_re(lang))
    bullet = load_yaml(ROOT / "templates" / "styles" / "docx.yaml")["bullet"]
    for fid, claim in claims.items():
        hits = [i for i, p in enumerate(paragraphs)
                if p.style != bullet and re.match(re.escape(claim) + r" ?\[", p.text)
                and marker.search(p.text.replace("\u00a0", " "))]
        if hits:
            out[fid] = hits
    return out


def is_heading_style(name: str) -> bool:
    return name == "Title" or name.startswith("Heading")


CITE_RE = re.compile(r"\[(\d+(?:,\s*\d+)*)\]")


def cite_numbers(text: str) -> list[int]:
    """Citation numbers in order of appearance ("[1, 2] ... [3]" -> [1, 2, 3])."""
    return [int(n) for m in CITE_RE.finditer(text) for n in re.split(r",\s*", m.group(1))]


# ---- reading briefs: UI strings, sections, running headers, references ------------------------


def strings(lang: str) -> dict:
    return load_yaml(ROOT / "templates" / "strings" / f"{lang}.yaml")


def summary(claim: str, lang: str) -> str:
    """A claim as a brief shows it: labelled as the analyst's summary (claim_format)."""
    return strings(lang)["claim_format"].format(claim=claim)


def quote_label(lang: str, para: int, source_language: str, quote: str) -> str:
    """A quote as a brief shows it: 'Original (Chinese), para. 12: …' when the source's language
    differs from the brief's, else 'Para. 12: …' (quote_translated / quote_original)."""
    t = strings(lang)
    if source_language == lang:
        return t["quote_original"].format(para=para, quote=quote)
    return t["quote_translated"].format(language=t["language_names"][source_language], para=para, quote=quote)


def split_sections(paragraphs, lang):
    """(body paragraphs before Source notes, Source notes entry texts, References entry texts)."""
    t = strings(lang)

    def heading(text):
        hits = [i for i, p in enumerate(paragraphs) if is_heading_style(p.style) and p.text == text]
        assert len(hits) == 1, (text, hits)
        return hits[0]

    notes_at, refs_at = heading(t["source_notes"]), heading(t["references"])
    assert notes_at < refs_at, "Source notes stand before References"
    notes = [p.text for p in paragraphs[notes_at + 1:refs_at] if p.text.strip()]
    refs = [p.text for p in paragraphs[refs_at + 1:] if p.text.strip()]
    return paragraphs[:notes_at], notes, refs


def page_margins(path) -> list[tuple[str, str]]:
    """(header, footer) text of each page of a PDF, whitespace-normalised."""
    page = load_yaml(ROOT / "templates" / "styles" / "pdf.yaml")["page"]
    mm = 72 / 25.4
    w, h = pdf_page_size(path)
    top, bottom = int(page["margin_top_mm"] * mm) - 4, int(page["margin_bottom_mm"] * mm) - 4
    heads = pdftotext(path, "-x", "0", "-y", "0", "-W", str(int(w) + 1), "-H", str(top)).split("\f")[:-1]
    feet = pdftotext(path, "-x", "0", "-y", str(int(h) - bottom), "-W", str(int(w) + 1), "-H", str(bottom)).split("\f")[:-1]
    assert feet and len(heads) == len(feet)
    return [(ws(a), ws(b)) for a, b in zip(heads, feet)]


def header_title(head: str, tlp: str) -> str:
    """The title part of a running header: what stands before the TLP label at its right."""
    assert head.endswith(f" {tlp}"), head
    return head[: -len(tlp) - 1]


def is_shortened(shown: str, title: str) -> bool:
    """`shown` is `title` cut short with an ellipsis: a prefix of the title, then '…'."""
    prefix = shown.removesuffix("…").rstrip()
    return shown.endswith("…") and len(prefix) < len(title) and title.startswith(prefix)


def entry_source(entry: str, corpus) -> str:
    """The source a reference entry is about, found by its title. The English style title-cases
    English titles, so those are compared without regard to case."""
    hits = [sid for sid, s in corpus.sources.items()
            if s["title"] in entry or s["title_en"].casefold() in entry.casefold()]
    assert len(hits) == 1, (entry, hits)
    return hits[0]


def reference_title(source: dict, lang: str) -> str:
    """How a reference entry names a source: in an English brief, the analyst's English title when
    the title is supplied, and a title in another language followed by its English one; else the
    title as it stands."""
    if lang == "en" and source["title_supplied"]:
        return source["title_en"]
    if lang == "en" and source["language"] != "en":
        return f"{source['title']} [{source['title_en']}]"
    return source["title"]
