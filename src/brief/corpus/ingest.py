"""Ingest: turn one saved article into a proposed new source, ready for the analyst to grade.

`propose(root, file, source_id=…)` reads a saved HTML page (a browser's "save page", WeChat
articles included), a plain-text or Markdown capture (with or without a YAML front-matter block)
or a PDF report, and returns a `Proposal`: what `brief ingest` would write. Nothing is written
here; `Proposal.files()` lists the files, and the CLI writes them all or none.

- The original is copied unchanged. For HTML and PDF the main text is extracted by a well-kept
  extractor (trafilatura, which dates pages with htmldate; pypdf), and that text, pinned by its
  SHA-256, is what `original:` names and what body.txt's lines come from.
- The proposed body only deletes whole lines (`clean`): blank lines, front matter, image links,
  page counters, navigation, share prompts and app furniture, the masthead above the first
  paragraph, a repeated title, a traditional-character duplicate of the title, and everything
  after the article's end. Each deleted line carries its reason.
- Metadata (title, author, publisher, dates, URL, language) comes from the file only. Every
  value is checked against the original before it is proposed (`appears_in`): a value the file
  does not contain is dropped, never written. What is not found stays empty, "to fill in".
"""

from __future__ import annotations

import contextlib
import hashlib
import html as html_lib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from brief.errors import InputError, Problem

KINDS = {"html": "HTML page", "pdf": "PDF report", "text": "text capture"}
HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
FIELDS = ("title", "publisher", "author", "published", "accessed", "url", "language")
FRONT_MATTER_KEYS = {
    "title": ("title",),
    "publisher": ("source", "publisher", "site", "site_name", "sitename", "account", "outlet"),
    "author": ("author", "authors", "byline"),
    "published": ("date", "published", "publish_date", "pubdate", "published_at", "created"),
    "accessed": ("fetch_date", "accessed", "access_date", "retrieved", "captured", "saved", "saved_at"),
    "url": ("url", "link", "source_url", "original_url", "canonical"),
}
PLATFORM_NAMES = {"微信公众平台", "微信", "WeChat", "Weixin Official Accounts Platform", "mp.weixin.qq.com"}


# ---- what a proposal holds ------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A metadata value and where in the file it was read (shown to the analyst)."""

    value: str
    where: str


@dataclass(frozen=True)
class Line:
    """One line of the extracted text: its number (1-based), text, and why it was deleted
    (`reason`; None when the proposed body keeps it)."""

    n: int
    text: str
    reason: str | None = None

    @property
    def kept(self) -> bool:
        return self.reason is None


@dataclass
class Extraction:
    """The text a body is cut from, and what the extractor says about the file."""

    text: str                       # the lines body.txt keeps; for a text capture, the capture itself
    extractor: str | None = None    # None when the capture is used as it is
    extractor_version: str | None = None
    method: str | None = None       # what was done besides the extractor, in a few words
    meta: dict[str, Found] = field(default_factory=dict)   # values the extractor read from the file
    furniture: frozenset[str] = frozenset()  # lines the extractor knows are page furniture
    haystack: str = ""              # the original as text: every proposed value must stand in it


@dataclass
class Proposal:
    """What `brief ingest` writes for one file (see the module docstring)."""

    source_id: str
    kind: str                        # html | pdf | text
    input_path: Path
    original_name: str               # file name under seeds/originals/
    original_data: bytes
    original_exists: bool            # an identical file is already there: nothing to copy
    extraction: Extraction
    extracted_name: str | None       # seeds/originals/<id>.extracted.txt, for HTML and PDF
    lines: list[Line]
    meta: dict[str, Found | None]
    hints: list[str]

    @property
    def original_sha256(self) -> str:
        return sha256(self.original_data)

    @property
    def extracted_data(self) -> bytes | None:
        return self.extraction.text.encode("utf-8") if self.extracted_name else None

    @property
    def pinned_name(self) -> str:
        """The file `original:` names: the extracted text, or the capture itself."""
        return self.extracted_name or self.original_name

    @property
    def pinned_data(self) -> bytes:
        return self.extracted_data if self.extracted_name else self.original_data

    @property
    def body(self) -> str:
        return "".join(f"{ln.text}\n" for ln in self.lines if ln.kept)

    @property
    def to_fill(self) -> list[str]:
        """Fields the analyst fills in: those not found, and those that are theirs by nature."""
        out = [f for f in ("title",) if self.meta.get(f) is None]
        out.append("title_en")
        out += [f for f in ("publisher", "author", "published", "accessed", "url", "language") if self.meta.get(f) is None]
        return out + ["source_type", "reliability"]

    def files(self, seeds: Path) -> list[tuple[Path, bytes]]:
        """The files to write, in order (source.yaml last)."""
        out = []
        if not self.original_exists:
            out.append((seeds / "originals" / self.original_name, self.original_data))
        if self.extracted_name:
            out.append((seeds / "originals" / self.extracted_name, self.extracted_data))
        folder = seeds / self.source_id
        out.append((folder / "body.txt", self.body.encode("utf-8")))
        out.append((folder / "source.yaml", self.source_yaml().encode("utf-8")))
        return out

    def source_yaml(self) -> str:
        """The source.yaml skeleton: found values filled in, the rest null with a comment."""
        def v(name):
            f = self.meta.get(name)
            return _yaml_scalar(f.value) if f else "null"

        missing = "  # to fill in: not found in the file"
        lines = [
            "# yaml-language-server: $schema=../../schemas/source.schema.json",
            f"# Proposed by `brief ingest` from {self.input_path.name}. Check every value against the original, fill in",
            "# what says 'to fill in', delete or restore whole lines of body.txt, then run `brief check`.",
        ]
        if self.extracted_name:
            ex = self.extraction
            capture = [
                "capture:  # the file as saved; `original` below is the text extracted from it",
                f"  file: {_yaml_scalar('originals/' + self.original_name)}",
                f"  sha256: {self.original_sha256}",
                f"  extractor: {ex.extractor}",
                f"  extractor_version: {_yaml_scalar(ex.extractor_version or '')}",
            ]
            if ex.method:
                capture.append(f"  method: {_yaml_scalar(ex.method)}")
        else:
            capture = []
        lines += [
            f"id: {self.source_id}",
            f"original: {_yaml_scalar('originals/' + self.pinned_name)}",
            f"original_sha256: {sha256(self.pinned_data)}",
            f"body_sha256: {sha256(self.body.encode('utf-8'))}",
            f"title: {v('title')}" + ("" if self.meta.get("title") else
                                      "  # to fill in: the title, or a bracketed description with title_supplied: true"),
            "title_supplied: false",
            "title_en: null  # to fill in: the English title (the analyst's translation)",
        ]
        for name in ("publisher", "author", "published"):
            lines.append(f"{name}: {v(name)}" + ("" if self.meta.get(name) else missing))
        lines.append(f"accessed: {v('accessed')}" + ("" if self.meta.get("accessed") else
                                                     "  # to fill in: not found in the file (or pass --accessed DATE)"))
        lines.append(f"url: {v('url')}" + ("" if self.meta.get("url") else missing + " (or pass --url URL)"))
        lines.append(f"language: {v('language')}" + ("" if self.meta.get("language") else "  # to fill in: e.g. zh or en"))
        lines += [
            "source_type: null  # to fill in: news-site, blog, magazine, wechat-account, essay, report or other",
            "primary_source: null",
            "reliability: null  # not yet graded: the analyst sets {grade: A-F, rationale: {en: ..., zh: ...}}",
            "caveats: []",
            f"notes: {_yaml_scalar(self.notes())}",
            *capture,
        ]
        return "\n".join(lines) + "\n"

    def notes(self) -> str:
        found = [f"{k} from {f.where}" for k in FIELDS if (f := self.meta.get(k)) is not None]
        how = "; ".join(found) if found else "no metadata found in the file"
        return f"Proposed by brief ingest from {self.input_path.name} ({KINDS[self.kind]}): {how}."


# ---- helpers ---------------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _yaml_scalar(value: str) -> str:
    import yaml

    text = yaml.safe_dump({"k": value}, allow_unicode=True, width=1 << 30, default_flow_style=False)
    return text[len("k: "):].rstrip("\n")


_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _plain(line: str) -> str:
    """A line without Markdown quote, heading and emphasis marks, list bullets or outer spaces."""
    s = line.strip()
    s = re.sub(r"^(>\s*)+", "", s)
    s = re.sub(r"^#{1,6}\s+", "", s)
    s = re.sub(r"^(\*\*|__)(.*)\1$", r"\2", s.strip())
    s = re.sub(r"^[*_](.+)[*_]$", r"\1", s)
    return re.sub(r"\s+", " ", s).strip()


def _width(s: str) -> int:
    """Display width: a Han or full-width character counts two."""
    return sum(2 if ("\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\uffef") else 1 for c in s)


def _is_heading(line: str) -> bool:
    return bool(re.match(r"^\s*(>\s*)*#{1,6}\s+\S", line))


_NUMBERED_HEADING = re.compile(r"([一二三四五六七八九十百]+、|第[一二三四五六七八九十百\d]+[章节部分篇]|\d+(\.\d+)+\s|[IVX]+\.\s)\S")


def _is_section_heading(line: str) -> bool:
    """A Markdown heading, or a short numbered one (一、…, 第二章 …, 2.1 …)."""
    p = _plain(line)
    return _is_heading(line) or (len(p) <= 30 and bool(_NUMBERED_HEADING.match(p)) and not re.search(r"[。；]$", p))


def _is_list_item(line: str) -> bool:
    return bool(re.match(r"^\s*([-*+•·]|\d{1,3}[.)、])\s+\S", line))


_SENTENCE = re.compile(r"[，。；！？、]|[,;.!?:](\s|$)")


def _is_prose(line: str) -> bool:
    """A line that reads as a paragraph: long, or a sentence."""
    p = _plain(line)
    return len(p) >= 60 or (len(p) >= 15 and bool(_SENTENCE.search(p)))


def language_of(text: str) -> str | None:
    """zh or en by script counts (Han characters against Latin words); None when too little text."""
    han = len(_HAN.findall(text))
    words = len(re.findall(r"[A-Za-z]+", text))
    if han + words < 20:
        return None
    return "zh" if han >= words else "en"


def _is_traditional_twin(trad: str, simp: str) -> bool:
    """`trad` is `simp` written in traditional characters: same length, the differing
    characters all Han, and `trad` has more characters outside GB 2312 (simplified Chinese)."""
    a, b = _plain(trad), _plain(simp)
    if len(a) != len(b) or len(a) < 4 or a == b:
        return False
    diff = [(x, y) for x, y in zip(a, b) if x != y]
    if len(diff) > 0.7 * len(a) or not all(_HAN.match(x) and _HAN.match(y) for x, y in diff):
        return False

    def outside_gb2312(s):
        n = 0
        for c in s:
            try:
                c.encode("gb2312")
            except UnicodeEncodeError:
                n += 1
        return n

    return outside_gb2312(a) > outside_gb2312(b)


# ---- dates -----------------------------------------------------------------------------------

_YMD = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?:\s*日)?(?!\d)")
_YM_ZH = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月(?!\s*\d)")
_YMD_COMPACT = re.compile(r"(?<!\d)((?:19|20)\d\d)(\d\d)(\d\d)(?!\d)")
_TIME = r"(?:\s*(?:T|\s)\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"


def _valid(y: str, m: str, d: str | None = None) -> str | None:
    import datetime

    try:
        if d is None:
            datetime.date(int(y), int(m), 1)
            return f"{int(y):04d}-{int(m):02d}"
        return datetime.date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def dates_in(text: str, compact: bool = False) -> list[str]:
    """Every date written in `text`, normalised to YYYY-MM-DD (or YYYY-MM for 2024年3月)."""
    out = []
    for m in _YMD.finditer(text):
        if (v := _valid(*m.groups())):
            out.append(v)
    for m in _YM_ZH.finditer(text):
        if (v := _valid(*m.groups())):
            out.append(v)
    if compact:
        for m in _YMD_COMPACT.finditer(text):
            if (v := _valid(*m.groups())):
                out.append(v)
    return out


def normalise_date(value: str) -> str | None:
    """A date as the text writes it, as YYYY-MM-DD (YYYY-MM, YYYY); None if it is not one."""
    value = value.strip()
    m = re.fullmatch(r"((?:19|20)\d\d)(?:-(\d\d)(?:-(\d\d))?)?", value)
    if m:
        y, mo, d = m.groups()
        return y if mo is None else _valid(y, mo, d)
    found = dates_in(value)
    return found[0] if found else None


def _date_only(line: str) -> str | None:
    """The date of a line that holds only a date (and perhaps a time)."""
    p = _plain(line)
    m = _YMD.fullmatch(re.sub(_TIME + r"$", "", p).strip()) if p else None
    return _valid(*m.groups()) if m else None


# ---- reading the file --------------------------------------------------------------------------


def _problem(path: Path, message: str, hint: str | None = None, line: int | None = None) -> InputError:
    return InputError(Problem(str(path), line, message, hint))


def read_input(path: Path) -> bytes:
    """The file's bytes; a missing, unreadable or empty file is an InputError naming it."""
    if path.is_dir():
        raise _problem(path, "is a directory, not a saved article", "give the saved HTML page, text capture or PDF file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _problem(path, "file not found", "check the path of the saved article") from None
    except OSError as e:
        raise _problem(path, f"cannot read the file: {e.strerror or e}", "check its permissions") from None
    if not data.strip():
        raise _problem(path, "the file is empty", "save the page again, with its text")
    return data


def sniff(path: Path, data: bytes) -> str:
    """html, pdf or text; anything else (a binary file) is an InputError."""
    head = data[:4096]
    if data.startswith(b"%PDF-"):
        return "pdf"
    if path.suffix.lower() == ".pdf":
        raise _problem(path, "is not a PDF file (no %PDF- header)", "save the report again, or give the file it really is")
    for magic, what in ((b"PK\x03\x04", "a ZIP archive (DOCX, EPUB, …)"), (b"\x89PNG", "a PNG image"),
                        (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"), (b"\x1f\x8b", "a gzip archive"),
                        (b"\xd0\xcf\x11\xe0", "an old Office document")):
        if data.startswith(magic):
            raise _problem(path, f"is a binary file ({what}), not a saved article",
                           "ingest takes a saved HTML page, a text or Markdown capture, or a PDF report")
    if b"\x00" in head:
        raise _problem(path, "is a binary file (it holds NUL bytes), not a saved article",
                       "ingest takes a saved HTML page, a text or Markdown capture, or a PDF report; "
                       "a UTF-16 text file must be saved as UTF-8 first")
    lowered = head.lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    if path.suffix.lower() in (".mht", ".mhtml") or lowered.startswith(b"from: <saved by") or b"multipart/related" in lowered[:600]:
        raise _problem(path, "is an MHTML web archive, which ingest does not read",
                       "save the page as 'Webpage, Complete' or 'HTML only' and ingest the .html file")
    if path.suffix.lower() in HTML_SUFFIXES or re.match(rb"(<!--.*?-->\s*)*<(!doctype html|html[\s>])", lowered, re.S):
        return "html"
    return "text"


# ---- extraction ------------------------------------------------------------------------------


@contextlib.contextmanager
def _quiet(*loggers: str):
    """Keep an extractor's log warnings ("EOF marker not found") off the terminal: what goes
    wrong is reported as an InputError instead."""
    import logging

    saved = [(log, log.level) for log in map(logging.getLogger, loggers)]
    for log, _ in saved:
        log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for log, level in saved:
            log.setLevel(level)


def _version(dist: str) -> str:
    from importlib.metadata import version

    return version(dist)


def extract_text_capture(path: Path, data: bytes) -> Extraction:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise _problem(path, f"not valid UTF-8 ({e.reason} at byte {e.start}): an unreadable text file",
                       f"save it as UTF-8; from GBK, for example: iconv -f GBK -t UTF-8 {path.name} > {path.stem}.utf8{path.suffix}",
                       line) from None
    bad = re.search(r"[\x00-\x08\x0e-\x1f\x7f]", text)
    if bad:
        line = text[: bad.start()].count("\n") + 1
        raise _problem(path, f"holds the control character U+{ord(bad.group()):04X}: not a text file", None, line)
    if not text.strip():
        raise _problem(path, "the file holds no text", "save the article again, with its text")
    ex = Extraction(text=text, haystack=text)
    if text.startswith("\ufeff") or "\r" in text:
        # Lines of body.txt must be lines of `original`: give it plain LF lines without a BOM.
        ex.text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        ex.extractor, ex.extractor_version = "brief", _version("brief")
        ex.method = "the capture with its byte-order mark and CR line ends removed"
    return ex


def extract_html(path: Path, data: bytes) -> Extraction:
    """Main text (Markdown) with trafilatura, dates with htmldate, a few metadata values."""
    import htmldate
    import trafilatura
    from trafilatura.utils import decode_file, load_html

    page = decode_file(data)
    tree = load_html(page)
    if tree is None:
        raise _problem(path, "is not an HTML page that can be parsed", "save the page again from the browser")
    visible = " ".join(t.strip() for t in tree.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]"))
    if not visible.strip():
        raise _problem(path, "the page is empty: it holds no text", "save the page again once it has loaded")
    text = trafilatura.extract(data, output_format="markdown", include_formatting=True, include_images=True,
                               include_tables=True, include_links=False, include_comments=False, deduplicate=False)
    if not text or not text.strip():
        raise _problem(path, "the page's main text cannot be found (trafilatura found no article in it)",
                       "save the article's own page (not a list or a login page), or copy its text into a .txt file "
                       "and ingest that")
    # One paragraph per line: trafilatura separates blocks with blank lines; keep its lines.
    text = text.strip("\n") + "\n"
    haystack = page + "\n" + html_lib.unescape(page)
    meta: dict[str, Found] = {}
    md = trafilatura.extract_metadata(tree, extensive=False)
    publisher = _wechat_account(tree)
    if publisher:
        meta["publisher"] = Found(publisher, "the WeChat account name on the page (#js_name)")
    elif md.sitename and md.sitename not in PLATFORM_NAMES:
        meta["publisher"] = Found(md.sitename, "the site name on the page (trafilatura)")
    if md.title:
        meta["title"] = Found(md.title.strip(), "the page title (trafilatura)")
    if md.author:
        names = [a.strip() for a in md.author.split(";") if a.strip()]
        names = [a for a in names if not (publisher and a == publisher) and a not in PLATFORM_NAMES]
        if names:
            meta["author"] = Found(names[0], "the author named on the page (trafilatura)")
    saved_from = re.search(r"<!--\s*saved from url=\(\d+\)(\S+?)\s*-->", page[:2000])
    if saved_from:
        meta["url"] = Found(saved_from.group(1), "the saved-from comment the browser wrote into the page")
    elif md.url:
        meta["url"] = Found(md.url, "the canonical URL of the page (trafilatura)")
    stamp = _wechat_time(tree)
    if stamp:
        meta["published"] = Found(stamp, "the publication time on the page (#publish_time)")
    else:
        page_url = meta["url"].value if "url" in meta else None
        for extensive, how in ((False, "the markup"), (True, "the text")):
            date = htmldate.find_date(tree, extensive_search=extensive, original_date=True, outputformat="%Y-%m-%d",
                                      url=page_url)
            if date:
                meta["published"] = Found(date, f"the publication date in the page {how} (htmldate)")
                break
    return Extraction(text=text, extractor="trafilatura", extractor_version=_version("trafilatura"),
                      meta=meta, haystack=haystack)


def _wechat_account(tree) -> str | None:
    """A WeChat article's account name: the page's own #js_name element."""
    for el in tree.xpath('//*[@id="js_name"]'):
        name = " ".join(el.text_content().split())
        if name:
            return name
    return None


def _wechat_time(tree) -> str | None:
    """A WeChat article's publication date: the page's own #publish_time element."""
    for el in tree.xpath('//*[@id="publish_time"]'):
        found = dates_in(el.text_content())
        if found:
            return found[0]
    return None


def extract_pdf(path: Path, data: bytes) -> Extraction:
    """Text with pypdf, each page's lines joined into paragraphs (one per line); lines that recur
    on most pages (running headers, footers) are left as lines of their own."""
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise _problem(path, "the PDF is encrypted", "save an unencrypted copy of the report")
        pages = [(p.extract_text() or "") for p in reader.pages]
        info = reader.metadata or {}
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as e:
        raise _problem(path, f"the PDF cannot be read: {e}", "save the report again, or print it to a new PDF") from None
    if not pages:
        raise _problem(path, "the PDF has no pages", None)
    page_lines = [[ln.strip() for ln in t.splitlines()] for t in pages]
    if not any(ln for lines in page_lines for ln in lines):
        raise _problem(path, "the report's text cannot be found: the PDF has no text layer (a scanned report?)",
                       "run OCR on it first (e.g. ocrmypdf), then ingest the new PDF")
    furniture = _running_lines(page_lines)
    text = _reflow(page_lines, furniture)
    meta: dict[str, Found] = {}
    for key, name in (("/Title", "title"), ("/Author", "author")):
        value = str(info.get(key) or "").strip()
        if value and value in text:
            meta[name] = Found(value, f"the {key[1:]} field of the PDF")
    return Extraction(text=text, extractor="pypdf", extractor_version=_version("pypdf"),
                      method="the lines of each page joined into paragraphs, one per line", meta=meta,
                      furniture=frozenset(furniture), haystack=text)


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", line)


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Lines near the top or bottom of most pages, the same but for their numbers."""
    if len(pages) < 2:
        return set()
    counts: dict[str, int] = {}
    for lines in pages:
        body = [ln for ln in lines if ln]
        edge = set(body[:3] + body[-3:])
        for shape in {_shape(ln) for ln in edge}:
            counts[shape] = counts.get(shape, 0) + 1
    need = max(2, (len(pages) + 1) // 2)
    shapes = {s for s, c in counts.items() if c >= need}
    return {ln for lines in pages for ln in lines if ln and _shape(ln) in shapes}


_CLOSERS = "，。、；：？！）》」』”’,.;:?!)"


def _joiner(a: str, b: str) -> str:
    """What goes between two visual lines of one paragraph: nothing in Chinese text, else a space."""
    return "" if _width(a) == 2 or _width(b) == 2 or a == "-" else " "


def _fills(line: str, full: int) -> bool:
    """A visual line that fills the text width, so its paragraph goes on. Chinese text is set
    justified: a full line falls short by at most one character (pushed by line-breaking rules);
    Latin text is ragged, so allow more."""
    if not full:
        return False
    w = _width(line)
    if len(_HAN.findall(line)) * 2 >= len(line):
        return w >= full - 2
    return w >= 0.85 * full


def _reflow(pages: list[list[str]], furniture: set[str]) -> str:
    """Join a report's visual lines into paragraphs: a line that fills the text width goes on
    into the next line (across a page break too), and so does a line that starts with closing
    punctuation; any other line ends its paragraph. Running headers and footers stay lines of
    their own, written after the paragraph they interrupt."""
    body = [ln for lines in pages for ln in lines if ln and ln not in furniture]
    widths = sorted(_width(ln) for ln in body if len(ln) >= 10)
    full = widths[int(0.9 * (len(widths) - 1))] if widths else 0
    paragraphs: list[str] = []
    held: list[str] = []
    current: str | None = None
    last = ""

    def close() -> None:
        nonlocal current, held
        if current is not None:
            paragraphs.append(current)
            current = None
        paragraphs.extend(held)
        held = []

    for lines in pages:
        for ln in lines:
            if not ln:
                close()
            elif ln in furniture:
                (held if current is not None else paragraphs).append(ln)
            elif current is not None and (ln[0] in _CLOSERS or (_fills(last, full) and not _is_section_heading(ln))):
                current += _joiner(current[-1], ln[0]) + ln
                last = ln
            else:
                close()
                current = last = ln
    close()
    return "\n".join(paragraphs) + "\n"


# ---- page debris: what a line is, wherever it stands ---------------------------------------------

_IMG = r"!\[[^\]]*\]\((?:<[^>]*>|[^)\s]*)(?:\s+\"[^\"]*\")?\)"
_IMAGE_LINE = re.compile(rf"(?:(?:{_IMG}|\[{_IMG}\]\((?:<[^>]*>|[^)]*)\))\s*)+")
_RULE = re.compile(r"(-{3,}|\*{3,}|_{3,}|={3,})")
_COUNTER = re.compile(r"\d{1,4}\s*/\s*\d{1,4}|第\s*\d+\s*页(\s*[/，,]?\s*共\s*\d+\s*页)?|[-–—]\s*\d{1,4}\s*[-–—]"
                      r"|(?i:page)\s+\d+(\s*(?i:of|/)\s*\d+)?")
# WeChat's and other apps' interface strings, as whole lines.
_UI = {
    "预览时标签不可点", "阅读原文", "微信扫一扫", "关注该公众号", "继续滑动看下一个", "轻触阅读原文", "向上滑动看下一个",
    "知道了", "使用小程序", "取消", "允许", "×", "分析", "视频", "小程序", "赞", "，轻点两下取消赞", "在看",
    "，轻点两下取消在看", "分享", "留言", "收藏", "听过", "微信扫一扫可打开此内容，", "使用完整服务", "写留言",
    "喜欢此内容的人还喜欢", "人划线", "logo", "LOGO", "Logo", "返回顶部", "打印", "关闭", "复制链接", "大 中 小",
    "字号：大 中 小", "举报", "投诉", "Scan to Follow", "Got It", "Cancel", "Allow", "Back to top", "Print",
}
_END_UI = {"预览时标签不可点", "阅读原文", "微信扫一扫", "继续滑动看下一个", "向上滑动看下一个", "轻触阅读原文",
           "喜欢此内容的人还喜欢", "写留言", "微信扫一扫可打开此内容，"}
_SHARE = re.compile(r"扫码|扫一扫|二维码|长按(识别|关注|扫)|点击(蓝字|上方|下方|下图|图片|关注|阅读|了解|这里)|关注我们"
                    r"|关注公众号|关注该公众号|欢迎关注|订阅号|邮发代号|征订|分享到|分享给|转发给|点个?赞|点个在看"
                    r"|(?i:follow us|share this|subscribe)")
_SHARE_WORDS = {"分享", "点赞", "在看", "转发", "收藏", "留言", "评论", "赞", "喜欢", "推荐", "微博", "微信", "QQ",
                "QQ空间", "Share", "Like", "Tweet", "Email", "Print"}
_NAV_START = re.compile(r"(上一篇|下一篇|上一页|下一页|上一条|下一条|上一章|下一章)")
_NAV = {
    "返回", "返回博客", "返回首页", "返回列表", "返回目录", "相关文章", "相關文章", "相关文章推荐", "相关阅读", "相关推荐",
    "相关新闻", "相關新聞", "相关链接", "推荐阅读", "延伸阅读", "往期推荐", "往期回顾", "往期精选", "往期文章", "热门文章",
    "热门推荐", "热门阅读", "猜你喜欢", "更多文章", "更多阅读", "更多精彩", "发表评论", "评论", "网友评论", "全部评论",
    "联系我们", "聯系我們", "聯繫我們", "关于我们", "關於我們", "广告服务", "网站地图", "首页", "Home", "Related",
    "Related articles", "Read more", "Comments", "Leave a comment", "Contact us", "About us",
}
# Labelled page metadata at the start of a line; a bracketed credit only for the editors (a
# bracketed source credit, （来源：…）, is the article's own line).
_LABEL = re.compile(r"(作者|来源|來源|发布日期|發布日期|发布时间|發布時間|日期|时间|時間|编辑|編輯|责任编辑|責任編輯"
                    r"|原标题|原標題|浏览量?|瀏覽量?|阅读量?|閱讀量?|字号|出处|点击数|编者|排版|审核|校对"
                    r"|编写单位|编制单位|发布单位|發布單位|发布机构|出品单位|出版单位|主办单位|出品方|出品|主办"
                    r"|(?i:posted|published|updated|by))\s*[:：]"
                    r"|[【\[(（]\s*(编辑|編輯|责任编辑|責任編輯|编者|排版|审核|校对|校审|(?i:editor))\s*[:：]")
_COPYRIGHT = re.compile(r"(?i:copyright|©|\(c\)\s*\d{4}|all rights reserved)|版权所有|版權所有")
_DISCLAIMER = re.compile(r"(免责声明|免責聲明|版权声明|版權聲明)")
SECTION_WORDS = {
    "摘要", "要点", "导读", "导语", "前言", "引言", "简介", "目录", "关键词", "关键字", "结语", "结论", "总结", "概述",
    "背景", "附录", "注释", "参考文献", "编者按", "声明", "正文", "全文", "原创", "转载", "推荐", "热门", "首页", "分享",
    "收藏", "评论", "留言", "广告", "专题", "观点", "独家", "原文", "阅读", "图片", "视频", "来源", "作者",
    "Abstract", "Summary", "Contents", "Introduction", "Keywords", "Conclusion", "References",
}


def _nav(p: str) -> bool:
    """A navigation line: previous/next links, a known menu entry, or a menu of three or more
    short entries separated by '|'."""
    if len(p) > 60 or p.startswith("|"):  # a Markdown table row is the article's
        return False
    if _NAV_START.match(p):
        return True
    parts = [x.strip() for x in re.split(r"[|｜/]", p) if x.strip()]
    if len(p) <= 40 and parts and all(x in _NAV for x in parts):
        return True
    return len(parts) >= 3 and all(len(x) <= 12 for x in parts) and not _SENTENCE.search(p)


def debris(line: str, kind: str = "text") -> str | None:
    """Why a line is page debris wherever it stands, or None."""
    s = line.strip()
    if not s:
        return "blank line"
    p = _plain(line)
    if _IMAGE_LINE.fullmatch(p) or _IMAGE_LINE.fullmatch(s):
        return "image link"
    if _RULE.fullmatch(s):
        return "horizontal rule"
    if _COUNTER.fullmatch(p) or (kind == "pdf" and re.fullmatch(r"\d{1,4}", p)):
        return "page counter"
    if p in _UI or re.fullmatch(r"[，。：:、；;,.·…×\s]+", p):
        return "app or page furniture"
    if len(p) <= 40 and not _is_prose(line) and (_SHARE.search(p) or all(t in _SHARE_WORDS for t in re.split(r"[\s·|/｜•]+", p) if t)):
        return "share or follow prompt"
    if _nav(p):
        return "navigation"
    if len(p) < 60 and _LABEL.match(p):
        return "byline or page metadata"
    if len(p) <= 80 and (_COPYRIGHT.search(p) or _DISCLAIMER.match(p)):
        return "copyright or disclaimer"
    return None


# Navigation that only follows an article ("相关阅读", "推荐阅读" boxes also stand inside one).
_END_NAV = {"返回", "返回博客", "返回首页", "返回列表", "返回目录", "相关文章", "相關文章", "相关文章推荐", "相关推荐", "相关新闻",
            "相關新聞", "往期推荐", "往期回顾", "往期精选", "往期文章", "猜你喜欢", "更多文章", "发表评论", "网友评论", "全部评论",
            "Related articles", "Leave a comment"}


def _ends_article(line: str, publisher: str | None) -> bool:
    """A line that only comes after an article: previous/next links and closing navigation, an
    app's closing furniture, the outlet's signature, a copyright or disclaimer."""
    p = _plain(line)
    parts = [x.strip() for x in re.split(r"[|｜]", p) if x.strip()]
    ends_nav = bool(_NAV_START.match(p)) or (len(p) <= 40 and bool(parts) and any(x in _END_NAV for x in parts)
                                             and all(x in _NAV for x in parts))
    return bool(ends_nav or p in _END_UI or (publisher and p == publisher)
                or (len(p) <= 80 and (_COPYRIGHT.search(p) or _DISCLAIMER.match(p))))


def _swallowed(line: str, kind: str) -> bool:
    """A short line that goes with the page furniture after an article (walking back from its end)."""
    if debris(line, kind):
        return True
    p = _plain(line)
    return not (_is_prose(line) or len(p) > 40 or _is_section_heading(line) or _is_list_item(line)
                or re.fullmatch(r"[（(【\[].*[)）】\]]", p))


# ---- reading the text: where the article starts and ends, and its metadata ---------------------


@dataclass
class Reading:
    """The parts of an extracted text and the metadata found in it (0-based line indices)."""

    lines: list[str]
    front_end: int = 0                      # lines before this are a front-matter block
    front: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (value, line number)
    title_at: int | None = None             # the line holding the title (kept)
    twin_at: int | None = None              # a traditional-character duplicate of the title line
    first_prose: int = 0                    # the first paragraph; lines before it are the masthead
    tail: int = 0                           # the page furniture after the article starts here
    author_at: int | None = None            # a line holding only the author's name (kept)
    found: dict[str, Found] = field(default_factory=dict)
    hints: list[str] = field(default_factory=list)


def _front_matter(lines: list[str]) -> tuple[int, dict[str, tuple[str, int]]]:
    """A YAML block between `---` lines at the very top: (lines it takes, key -> (value, line))."""
    if not lines or lines[0].strip() != "---":
        return 0, {}
    import yaml

    for j in range(1, min(len(lines), 80)):
        if lines[j].strip() in ("---", "..."):
            try:
                data = yaml.load("\n".join(lines[1:j]), Loader=yaml.BaseLoader)  # strings only
            except yaml.YAMLError:
                return 0, {}
            if not isinstance(data, dict):
                return 0, {}
            out = {}
            for key, value in data.items():
                if isinstance(value, str) and value.strip():
                    at = next((n for n in range(1, j) if lines[n].lstrip().startswith(f"{key}:")), 0)
                    out[str(key).lower()] = (value.strip(), at + 1)
            return j + 1, out
    return 0, {}


def _from_front(r: Reading, name: str) -> Found | None:
    for key in FRONT_MATTER_KEYS[name]:
        if key in r.front:
            value, line = r.front[key]
            return Found(value, f"the front matter ({key}, line {line})")
    return None


def _strip_counter(title: str) -> tuple[str, str | None]:
    """A title line's trailing page counter ('…深度解析314'): digits glued to Chinese text that are
    not a year."""
    m = re.search(r"(?<=[\u4e00-\u9fff）」』”])(\d{1,6})$", title)
    if not m or re.fullmatch(r"(19|20)\d\d", m.group(1)):
        return title, None
    return title[: m.start()].rstrip(), m.group(1)


def _title_candidate(line: str, kind: str) -> bool:
    p = _plain(line)
    return (not debris(line, kind) and 4 <= len(p) <= 60 and p not in SECTION_WORDS
            and not re.search(r"[。.]$", p) and not re.search(r"[:：]$", p)
            and not re.match(r"^([一二三四五六七八九十]+、|\d+(\.\d+)*\s)", p))


def _name_line(p: str) -> bool:
    return bool((re.fullmatch(r"[\u4e00-\u9fff]{2,4}", p) or re.fullmatch(r"[\u4e00-\u9fff]{1,6}[·•][\u4e00-\u9fff]{1,10}", p))
                and p not in SECTION_WORDS)


_AUTHOR_LABEL = re.compile(r"(?:^|[\s|｜/，,（(【])(?:作者|撰文|记者|文)\s*[:：|｜/]\s*"
                           r"([^\s\d:：|｜,，;；（）()【】\[\]/]{2,20})")
_PUBLISHER_LABEL = re.compile(r"(?:编写单位|编制单位|发布单位|發布單位|发布机构|出品单位|出版单位|主办单位|出品方|出品|主办"
                              r"|(?i:publisher|published by))\s*[:：]\s*(\S.{0,39}?)\s*$")
_DATE_LABEL = re.compile(r"发布日期|發布日期|发布时间|發布時間|日期|时间|時間|发表于|发布于|作者|来源|(?i:published|posted|date)")
_URL_LABEL = re.compile(r"(?:原文链接|原文地址|本文链接|链接|网址|(?i:url|link|source))\s*[:：]\s*(https?://\S+)")


def read(ex: Extraction, kind: str) -> Reading:
    """Find the parts of the text (front matter, title, masthead, article, tail) and the metadata
    the text itself states."""
    lines = ex.text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    r = Reading(lines=lines)
    r.front_end, r.front = _front_matter(lines)
    n = len(lines)

    # The title: front matter, else the extractor's, else the first title-like line at the top.
    title = _from_front(r, "title") or ex.meta.get("title")
    if title:
        want = _plain(title.value)
        r.title_at = next((i for i in range(r.front_end, n) if _plain(lines[i]) == want), None)
    else:
        # A top-level Markdown heading above the first paragraph, else the first line that reads as a title.
        for i in range(r.front_end, n):
            if re.match(r"^\s*#\s+\S", lines[i]) and _title_candidate(lines[i], kind):
                r.title_at = i
                break
            if not debris(lines[i], kind) and _is_prose(lines[i]):
                break
        for i in range(r.front_end, n if r.title_at is None else r.front_end):
            if debris(lines[i], kind) or (_plain(lines[i]) in SECTION_WORDS and _is_heading(lines[i])):
                continue
            if _title_candidate(lines[i], kind):
                r.title_at = i
            break
        if r.title_at is not None:
            text, counter = _strip_counter(_plain(lines[r.title_at]))
            title = Found(text, f"line {r.title_at + 1}, " + ("the first heading" if _is_heading(lines[r.title_at])
                                                           else "the first line of the text"))
            if counter:
                r.hints.append(f"title: left out the trailing '{counter}' of line {r.title_at + 1}, which looks like a "
                               "page counter; put it back if it belongs to the title")
    if r.title_at is not None:
        nxt = next((j for j in range(r.title_at + 1, min(n, r.title_at + 4)) if lines[j].strip()), None)
        if nxt is not None and _is_traditional_twin(lines[r.title_at], lines[nxt]):
            r.twin_at, r.title_at = r.title_at, nxt
            if title and title.where.startswith("line "):
                text, _ = _strip_counter(_plain(lines[nxt]))
                title = Found(text, f"line {nxt + 1} (line {r.twin_at + 1} is the same title in traditional characters)")
        elif nxt is not None and _is_traditional_twin(lines[nxt], lines[r.title_at]):
            r.twin_at = nxt
    if title:
        r.found["title"] = title

    # The article starts at its first paragraph; before it is the masthead.
    skip = {r.title_at, r.twin_at} | {i for i in range(n) if lines[i].strip() in ex.furniture}
    r.first_prose = next((i for i in range(r.front_end, n)
                          if i not in skip and not debris(lines[i], kind) and _is_prose(lines[i])), None)
    if r.first_prose is None:
        r.first_prose = r.front_end
    head = range(r.front_end, r.first_prose)

    # The publisher: front matter, the extractor's, else the outlet's signature: a short line after
    # the article that also stands in the masthead.
    publisher = _from_front(r, "publisher") or ex.meta.get("publisher")
    if not publisher:
        for i in head:
            m = _PUBLISHER_LABEL.match(_plain(lines[i]))
            if m:
                publisher = Found(m.group(1), f"line {i + 1}, a labelled publisher")
                break
    if not publisher:
        head_text = [_plain(lines[i]) for i in head]
        for i in range(r.first_prose + 1, n):
            p = _plain(lines[i])
            if (2 <= len(p) <= 40 and not debris(lines[i], kind) and not _is_prose(lines[i])
                    and i not in skip and not _is_heading(lines[i]) and any(p in h for h in head_text if h)):
                publisher = Found(p, f"line {i + 1}, the outlet name after the article (also in the masthead)")
                break
    if publisher:
        r.found["publisher"] = publisher
    pub = publisher.value if publisher else None

    # The article ends where navigation, closing app furniture or the outlet's signature starts;
    # the short lines just before that go with it.
    r.tail = n
    for i in range(r.first_prose + 1, n):
        if i not in skip and _ends_article(lines[i], pub):
            t = i
            while t - 1 > r.first_prose and _swallowed(lines[t - 1], kind):
                t -= 1
            r.tail = t
            break

    # The author: front matter, the extractor's, a labelled byline, else a name alone under the title.
    author = _from_front(r, "author") or ex.meta.get("author")
    if not author:
        for i in [*head, *range(r.tail, n)]:
            m = _AUTHOR_LABEL.search(_plain(lines[i]))
            if m and m.group(1) not in SECTION_WORDS and m.group(1) != pub:
                author = Found(m.group(1), f"line {i + 1}, a byline")
                break
            m = re.fullmatch(r"(?i:by)\s+([A-Z][\w.'-]+(?:\s+[A-Z][\w.'-]+){0,3})", _plain(lines[i]))
            if m:
                author = Found(m.group(1), f"line {i + 1}, a byline")
                break
    if not author and r.title_at is not None:
        for i in range(r.title_at + 1, r.first_prose):
            p = _plain(lines[i])
            if _name_line(p) and p != pub and not debris(lines[i], kind):
                author, r.author_at = Found(p, f"line {i + 1}, a name alone under the title"), i
                break
    if author and author.value == pub:
        r.hints.append(f"author: {author.where} names the publisher, {pub}, as the author: left empty")
        author = None
    if author:
        r.found["author"] = author

    # The publication date: front matter, the extractor's, else a dated byline or a date alone
    # on its line, in the masthead or after the article.
    published = _from_front(r, "published") or ex.meta.get("published")
    if not published:
        for i in [*head, *range(r.tail, n)]:
            if i in skip or _is_prose(lines[i]) and len(_plain(lines[i])) >= 60:
                continue
            only = _date_only(lines[i])
            dated = dates_in(lines[i]) if _DATE_LABEL.search(lines[i]) else []
            if only or dated:
                published = Found(only or dated[0], f"line {i + 1}, " + ("a date alone on its line" if only else "a dated byline"))
                break
    if published:
        r.found["published"] = published

    accessed = _from_front(r, "accessed")
    if accessed:
        r.found["accessed"] = accessed

    url = _from_front(r, "url") or ex.meta.get("url")
    if not url:
        for i in [*head, *range(r.tail, n)]:
            m = _URL_LABEL.search(lines[i])
            if m:
                url = Found(m.group(1), f"line {i + 1}, a labelled link")
                break
    if url:
        r.found["url"] = url

    for i in range(r.first_prose, r.tail):
        m = re.fullmatch(r"[（(【\[]\s*(?:来源|來源|转自|轉自|转载自|source)\s*[:：]\s*(.+?)\s*[)）】\]]", _plain(lines[i]), re.I)
        if m:
            r.hints.append(f"primary_source: line {i + 1} credits {m.group(1)} ({_plain(lines[i])}); if the article "
                           "relays it, set primary_source")
    return r


# ---- the proposed body: deletes only ----------------------------------------------------------


def clean(r: Reading, kind: str, furniture: frozenset[str] = frozenset()) -> list[Line]:
    """Every line of the text with the reason it is deleted (None: kept). Cleaning only deletes
    whole lines; it never edits one."""
    lines = r.lines
    pub = r.found["publisher"].value if "publisher" in r.found else None
    title_plain = {_plain(lines[r.title_at])} if r.title_at is not None else set()
    if "title" in r.found:
        title_plain.add(_plain(r.found["title"].value))
    out: list[Line] = []
    for i, line in enumerate(lines):
        p = _plain(line)
        reason = None
        if i < r.front_end:
            reason = "front matter"
        elif not line.strip():
            reason = "blank line"
        elif i in (r.title_at, r.author_at):
            reason = None
        elif i >= r.tail:
            reason = "after the end of the article"
        elif line.strip() in furniture:
            reason = "running header or footer"
        elif (d := debris(line, kind)):
            reason = d
        elif i == r.twin_at:
            reason = "the title again, in traditional characters"
        elif p in title_plain:
            reason = "repeated title"
        elif pub and p == pub:
            reason = "the outlet's name (byline or signature)"
        elif i < r.first_prose and not (_is_section_heading(line) or (re.search(r"[:：]$", p) and len(p) <= 12)):
            reason = "masthead (above the first paragraph)"
        out.append(Line(i + 1, line, reason))
    # A line repeated right away in traditional characters (or the reverse) is the same line twice.
    kept = [k for k, ln in enumerate(out) if ln.kept]
    for a, b in zip(kept, kept[1:]):
        x, y = out[a], out[b]
        if x.kept and y.kept:
            if _is_traditional_twin(x.text, y.text):
                out[a] = Line(x.n, x.text, "the next line again, in traditional characters")
            elif _is_traditional_twin(y.text, x.text):
                out[b] = Line(y.n, y.text, "the line before, in traditional characters")
    return out


# ---- never invent: every value must stand in the file --------------------------------------------


def appears_in(name: str, value: str, haystack: str) -> bool:
    """A metadata value stands in the file: verbatim, or for a date, written in any usual form."""
    if name in ("published", "accessed"):
        return value in set(dates_in(haystack, compact=True)) | {d[:7] for d in dates_in(haystack)} | \
            set(re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", haystack))
    if name == "language":
        return True
    return value in haystack


# ---- the proposal ------------------------------------------------------------------------------


def _id_from(path: Path) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return re.sub(r"-{2,}", "-", slug)[:60].strip("-")


def _registered(seeds: Path) -> dict[str, str]:
    """SHA-256 -> id of the source it belongs to, for every original and capture of the corpus."""
    import yaml

    out: dict[str, str] = {}
    for path in sorted(seeds.glob("*/source.yaml")):
        sid = path.parent.name
        try:
            text = path.read_text(encoding="utf-8")
            data = yaml.load(text, Loader=yaml.BaseLoader)  # strings only
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if not isinstance(data, dict):
            continue
        digests = set(re.findall(r"^#\s+sha256:\s*([0-9a-f]{64})\s*$", text, re.M))
        for key in ("original_sha256",):
            if isinstance(data.get(key), str):
                digests.add(data[key])
        capture = data.get("capture")
        if isinstance(capture, dict) and isinstance(capture.get("sha256"), str):
            digests.add(capture["sha256"])
        files = re.findall(r"^#\s+file:\s*(\S.*?)\s*$", text, re.M)
        if isinstance(data.get("original"), str):
            files.append(data["original"])
        for rel in files:
            f = seeds / rel.strip("'\"")
            if f.is_file():
                digests.add(sha256(f.read_bytes()))
        for d in digests:
            out.setdefault(d, sid)
    return out


def propose(root: Path, file: Path, source_id: str | None = None, *, url: str | None = None,
            accessed: str | None = None) -> Proposal:
    """Read `file` and propose a new source `source_id` for the project at `root` (see the module
    docstring). Raises InputError, naming the file, for anything it cannot take; nothing is written."""
    from brief.corpus.schema import ID_RE, check_url

    seeds = root / "seeds"
    if not seeds.is_dir():
        raise InputError(Problem(str(root), None, "not a brief project (no seeds/ here)",
                                 "run inside a project, or name one with --project DIR"))
    hints: list[str] = []
    if url is not None:
        try:
            check_url(url)
        except ValueError as e:
            raise InputError(Problem("--url", None, str(e), "give the URL as the browser shows it")) from None
    if accessed is not None and normalise_date(accessed) != accessed:
        raise InputError(Problem("--accessed", None, f"'{accessed}' is not a date",
                                 "write YYYY-MM-DD (or YYYY-MM, YYYY), e.g. --accessed 2025-10-06"))
    data = read_input(file)
    kind = sniff(file, data)
    sid = source_id if source_id is not None else _id_from(file)
    if not re.match(ID_RE, sid or ""):
        raise _problem(file, f"'{sid}' is not a usable source id" if sid else "no source id can be made from the file name",
                       "give one with --id ID: lowercase letters, digits and '-', e.g. --id xinhua-compute-2025")
    if (seeds / sid).exists():
        raise _problem(file, f"a source with the id '{sid}' exists already (seeds/{sid}/)",
                       "choose another id with --id ID")
    digest = sha256(data)
    owner = _registered(seeds).get(digest)
    if owner:
        raise _problem(file, f"this file is already in the corpus as source '{owner}' (seeds/{owner}/source.yaml, "
                             f"same SHA-256 {digest[:12]}…)", f"edit seeds/{owner}/ instead of ingesting the file again")
    with _quiet("trafilatura", "htmldate", "courlan", "pypdf"):
        if kind == "html":
            ex = extract_html(file, data)
        elif kind == "pdf":
            ex = extract_pdf(file, data)
        else:
            ex = extract_text_capture(file, data)
    r = read(ex, kind)
    lines = clean(r, kind, ex.furniture)
    if not any(ln.kept and _is_prose(ln.text) for ln in lines):
        raise _problem(file, "the main text cannot be found: no line of it reads as a paragraph of an article",
                       "save the article's own page, or copy its text into a .txt file and ingest that")
    hints += r.hints

    meta: dict[str, Found | None] = {}
    for name in ("title", "publisher", "author", "published", "accessed", "url"):
        f = r.found.get(name)
        if f and name in ("published", "accessed"):
            norm = normalise_date(f.value)
            f = Found(norm, f.where) if norm else None
            if norm is None:
                hints.append(f"{name}: '{r.found[name].value}' ({r.found[name].where}) is not a date: left empty")
        if f and name == "url":
            try:
                check_url(f.value)
            except ValueError as e:
                hints.append(f"url: '{f.value}' ({f.where}) is not usable ({e}): left empty")
                f = None
        if f and not appears_in(name, f.value, ex.haystack + "\n" + ex.text):
            hints.append(f"{name}: {f.where} gives '{f.value}', which the file itself does not contain: left empty")
            f = None
        meta[name] = f
    if url is not None:
        meta["url"] = Found(url, "--url")
    if accessed is not None:
        meta["accessed"] = Found(accessed, "--accessed")
    body_text = "\n".join(ln.text for ln in lines if ln.kept)
    lang = language_of(body_text)
    meta["language"] = Found(lang, "script counts of the body (Han characters against Latin words)") if lang else None
    u = meta.get("url")
    if u and re.match(r"https?://mp\.weixin\.qq\.com/", u.value):
        hints.append("source_type: the URL is a WeChat article: wechat-account?")

    name = file.name
    original_exists = False
    for candidate in (name, f"{sid}-{name}"):
        target = seeds / "originals" / candidate
        if not target.exists():
            name = candidate
            break
        if target.is_file() and target.read_bytes() == data:
            name, original_exists = candidate, True
            break
    else:
        raise _problem(file, f"seeds/originals/ holds other files named {file.name} and {sid}-{file.name}",
                       "rename the file you are ingesting")
    extracted = None
    if ex.extractor:
        extracted = f"{sid}.extracted.txt"
        if (seeds / "originals" / extracted).exists():
            raise _problem(file, f"seeds/originals/{extracted} exists already",
                           "choose another id, or remove that file if no source uses it")
    return Proposal(source_id=sid, kind=kind, input_path=file, original_name=name, original_data=data,
                    original_exists=original_exists, extraction=ex, extracted_name=extracted, lines=lines,
                    meta=meta, hints=hints)
