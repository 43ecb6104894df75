"""Font discovery for the PDF writer, script runs, and the glyph-coverage check.

Fonts are registered once per process. Text is split into runs: CJK characters (and
full-width punctuation) go to the CJK font, everything else to the Latin family when it has the
glyph. A character that no configured font can draw is an error naming where it came from.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from brief.errors import FontError, Problem

LATIN, CJK = "BriefLatin", "BriefCJK"
CJK_BOLD = "BriefCJK-bold"  # the CJK face under another name, drawn with a synthetic bold


@dataclass
class FontSet:
    """The registered fonts and their character maps."""

    latin_cmap: set[int]
    cjk_cmap: set[int]
    italic: bool = False
    # Font name -> width of the outline that emboldens it, as a fraction of the size (a font
    # with no bold face of its own); empty when none is drawn so.
    strokes: tuple[tuple[str, float], ...] = ()


_FONTS: dict[str, FontSet] = {}


def find_font(name: str, dirs: list[str], package: str, config: str = "templates/styles/pdf.yaml") -> str:
    """The path of a font file: a file name found under `dirs`, or a path to the file itself (an
    absolute path, or one with a directory part); a missing one names its Debian package."""
    if Path(name).is_absolute() or len(Path(name).parts) > 1:
        if Path(name).is_file():
            return str(Path(name))
        raise FontError(Problem(config, None, f"font file '{name}' not found",
                                f"install the Debian package {package} (sudo apt-get install {package}), "
                                f"or give the path of a TrueType font you have"))
    for d in dirs:
        for p in sorted(Path(d).rglob(name)) if Path(d).is_dir() else ():
            return str(p)
    raise FontError(Problem(config, None, f"font file '{name}' not found in {', '.join(dirs)}",
                            f"install the Debian package {package} (sudo apt-get install {package}), "
                            f"or point the style data at a TrueType font you have"))


def _register_latin(spec, faces: tuple[str, ...], root: Path | None = None) -> dict:
    from reportlab.pdfbase import pdfmetrics

    lat = spec.latin
    out = {}
    for face in faces:
        path = find_font(getattr(lat, face), spec.search_dirs, lat.package)
        f = ttfont(LATIN if face == "regular" else f"{LATIN}-{face}", path, 0, root)
        pdfmetrics.registerFont(f)
        out[face] = f
    return out


# The attributes of reportlab's parsed face that hold names (TTFNameBytes: bytes with a `ustr`).
_NAMES = ("name", "familyName", "styleName", "fullName", "uniqueFontID")


def ttfont(name: str, path: str, subfont: int = 0, root: Path | None = None):
    """A reportlab TTFont over a font file. Parsing a file's tables in Python takes about a tenth
    of a second for a CJK font, on every run, so with a project `root` the parsed tables are kept
    in its signed cache (`.brief-cache/fonts/`), keyed by the SHA-256 of the file's content, the
    subfont and the reportlab version; the file itself is read on every run (a PDF embeds a
    subset of it), so a changed font is parsed again."""
    from reportlab.pdfbase.ttfonts import TTFont

    if root is None:
        return TTFont(name, path, subfontIndex=subfont)
    import hashlib
    import os

    from reportlab import Version

    from brief.corpus.index import Store

    store = Store(root, "fonts")
    if not store.enabled:
        return TTFont(name, path, subfontIndex=subfont)
    with open(path, "rb") as f:
        data = f.read()
    entry = hashlib.sha256(f"{os.path.realpath(path)}\0{subfont}".encode()).hexdigest()[:32]
    stamp = f"{hashlib.sha256(data).hexdigest()}\0{subfont}\0reportlab {Version}"
    hit = store.get(entry, stamp)
    if hit is not None:
        try:
            return _kept_font(name, _thaw(hit[1], data))
        except Exception:  # noqa: BLE001 - an entry that does not fit this reportlab is only a miss
            pass
    font = TTFont(name, path, subfontIndex=subfont)
    frozen = _freeze(font.face)
    if frozen is not None:
        store.put(entry, stamp, {}, frozen)
    return font


def _freeze(face) -> bytes | None:
    """A parsed face's tables as marshal data (about three times faster to read back than
    pickle), without the file's bytes and the scaling function; None if reportlab put something
    there that marshal cannot hold."""
    import marshal

    state = {k: v for k, v in vars(face).items() if k not in ("_ttf_data", "_pdfScale")}
    names = {k: state.pop(k).ustr for k in _NAMES if hasattr(state.get(k), "ustr")}
    try:
        return marshal.dumps((state, names))
    except ValueError:
        return None


def _thaw(frozen: bytes, data: bytes):
    """The face `_freeze` kept, over the font file's bytes, as reportlab's parser leaves it."""
    import gc
    import marshal

    from reportlab.pdfbase.ttfonts import TTFNameBytes, TTFontFace

    paused = gc.isenabled()
    gc.disable()  # (tens of thousands of new objects, none of them in a cycle)
    try:
        state, names = marshal.loads(frozen)  # noqa: S302 - signed by this user's key
    finally:
        if paused:
            gc.enable()
    for k, text in names.items():
        state[k] = TTFNameBytes(text.encode("utf-8"))
    units = state["unitsPerEm"]
    if units == 1000:
        state["_pdfScale"] = lambda x: x
    else:
        mult = 1000 / units
        state["_pdfScale"] = lambda x: x * mult
    state["_ttf_data"] = data
    face = TTFontFace.__new__(TTFontFace)
    face.__dict__.update(state)
    return face


def _kept_font(name: str, face):
    """A TTFont over an already parsed face, set up as TTFont.__init__ sets up a new one (a
    test compares the two)."""
    from fnmatch import fnmatch
    from weakref import WeakKeyDictionary

    from reportlab import rl_config
    from reportlab.pdfbase.ttfonts import TTEncoding, TTFont, unShapedFontGlob

    font = TTFont.__new__(TTFont)
    font.fontName = name
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(name, g) for g in unShapedFontGlob)
    return font


def _same_face(font, name: str):
    """A second reportlab font object over the face `font` has parsed already (parsing a CJK font
    file takes a fifth of a second): its own name, encoding and per-document state."""
    import copy
    from weakref import WeakKeyDictionary

    from reportlab.pdfbase.ttfonts import TTEncoding

    other = copy.copy(font)
    other.fontName = name
    other.encoding = TTEncoding()
    other.state = WeakKeyDictionary()
    return other


def load(spec, italic: bool = False, root: Path | None = None) -> FontSet:
    """Register the fonts of a style sheet's `fonts:` section (a validated `writers.styles.Fonts`)
    once per process.

    Italic faces are parsed only when a document asks for them (`italic=True`): most briefs
    have no emphasis, and each face costs start-up time. With a project `root`, the parsed fonts
    are kept in its cache (see `ttfont`).
    """
    from reportlab.lib.fonts import addMapping

    key = repr(spec)
    fs = _FONTS.get(key)
    if fs is None:
        from reportlab.pdfbase import pdfmetrics

        faces = _register_latin(spec, ("regular", "bold"), root)
        cjk = spec.cjk
        path = find_font(cjk.regular, spec.search_dirs, cjk.package)
        try:
            cf = ttfont(CJK, path, cjk.subfont, root)
        except Exception as e:  # e.g. CFF outlines, which reportlab cannot embed
            raise FontError(Problem("templates/styles/pdf.yaml", None, f"cannot use CJK font {cjk.regular}: {e}",
                                    "use a TrueType CJK font such as wqy-microhei.ttc (fonts-wqy-microhei)")) from None
        pdfmetrics.registerFont(cf)
        # The CJK font has one face; italic CJK runs use it as it is. Bold runs use it under a
        # second name (reportlab maps a second registration of the same face to the first font
        # object, so the glyphs are embedded once), which the PDF writer draws with an outline.
        bold = CJK
        if cjk.synthetic_bold > 0:
            pdfmetrics.registerFont(_same_face(cf, CJK_BOLD))
            bold = CJK_BOLD
        for i in (0, 1):
            addMapping(CJK, 0, i, CJK)
            addMapping(CJK, 1, i, bold)
        fs = FontSet(set(faces["regular"].face.charToGlyph), set(cf.face.charToGlyph),
                     strokes=((CJK_BOLD, cjk.synthetic_bold),) if bold == CJK_BOLD else ())
        _FONTS[key] = fs
    if italic and not fs.italic:
        _register_latin(spec, ("italic", "bolditalic"), root)
        fs.italic = True
    addMapping(LATIN, 0, 0, LATIN)
    addMapping(LATIN, 1, 0, f"{LATIN}-bold")
    addMapping(LATIN, 0, 1, f"{LATIN}-italic" if fs.italic else LATIN)
    addMapping(LATIN, 1, 1, f"{LATIN}-bolditalic" if fs.italic else f"{LATIN}-bold")
    return fs


def coverage(spec, cache_dir: Path | None = None) -> FontSet:
    """The characters a style sheet's fonts can draw, for checking text without building a PDF.

    The character map of each font file is kept in `cache_dir` (if given; keyed by the file's
    path, size and modification time, so a changed font is read again; safe to delete), which
    spares `brief check` parsing the fonts on every run."""
    latin = find_font(spec.latin.regular, spec.search_dirs, spec.latin.package)
    cjk = find_font(spec.cjk.regular, spec.search_dirs, spec.cjk.package)
    return FontSet(_cmap(latin, 0, cache_dir), _cmap(cjk, spec.cjk.subfont, cache_dir))


def _cmap(path: str, subfont: int, cache_dir: Path | None) -> set[int]:
    import hashlib
    import json
    import os

    st = os.stat(path)
    key = hashlib.sha256(f"{os.path.realpath(path)}\0{subfont}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:32]
    cached = cache_dir / "fonts" / f"{key}.json" if cache_dir is not None else None
    if cached is not None:
        try:
            ranges = json.loads(cached.read_text(encoding="ascii"))
            return {c for a, b in ranges for c in range(a, b + 1)}
        except (OSError, ValueError, TypeError):
            pass
    from reportlab.pdfbase.ttfonts import TTFontFile

    try:
        codes = set(TTFontFile(path, subfontIndex=subfont).charToGlyph)
    except Exception as e:  # e.g. CFF outlines, which reportlab cannot embed
        raise FontError(Problem("templates/styles/pdf.yaml", None, f"cannot use font {path}: {e}",
                                "use a TrueType font (for CJK, e.g. wqy-microhei.ttc from fonts-wqy-microhei)")) from None
    if cached is not None:
        ranges, start, prev = [], None, None
        for c in sorted(codes):
            if start is None:
                start = prev = c
            elif c == prev + 1:
                prev = c
            else:
                ranges.append((start, prev))
                start = prev = c
        if start is not None:
            ranges.append((start, prev))
        try:
            from brief.outputs import write_atomic

            write_atomic(cached, json.dumps(ranges).encode("ascii"))
        except Exception:  # noqa: BLE001 - a cache that cannot be written is only slower
            pass
    return codes


def is_cjk(ch: str) -> bool:
    """Characters set in the CJK font: ideographs, kana, hangul, CJK and full-width punctuation."""
    o = ord(ch)
    return (
        0x2E80 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF
        or 0xFE30 <= o <= 0xFE4F or 0xFF00 <= o <= 0xFFEF or o >= 0x20000
    )


def font_for(ch: str, fs: FontSet) -> str | None:
    """The font that draws `ch`, or None if none can."""
    o = ord(ch)
    if is_cjk(ch):
        if o in fs.cjk_cmap:
            return CJK
        return LATIN if o in fs.latin_cmap else None
    if o in fs.latin_cmap:
        return LATIN
    if o in fs.cjk_cmap:
        return CJK
    return None


def _ascii_is_latin(fs: FontSet) -> bool:
    """Whether every ASCII character is set in the Latin font (as `runs` decides it character by
    character), so that ASCII text is one Latin run; worked out once per font set."""
    known = fs.__dict__.get("_ascii_latin")
    if known is None:
        known = fs.__dict__["_ascii_latin"] = all(font_for(chr(o), fs) in (LATIN, None) for o in range(128))
    return known


def runs(text: str, fs: FontSet) -> list[tuple[str, str]]:
    """Split text into (font, text) runs. Spaces and format characters (such as a word joiner,
    which is never drawn) join the run they stand in."""
    if text.isascii() and _ascii_is_latin(fs):
        return [(LATIN, text)] if text else []
    out: list[tuple[str, str]] = []
    chosen: dict[str, str] = {}  # a character -> its font ("" for one that joins), decided once
    for ch in text:
        f = chosen.get(ch)
        if f is None:
            joins = ch.isspace() or unicodedata.category(ch) == "Cf"
            # (None from font_for is unreachable after check(); LATIN keeps the function total)
            f = chosen[ch] = "" if joins else (font_for(ch, fs) or LATIN)
        if not f:
            f = out[-1][0] if out else LATIN
        if out and out[-1][0] == f:
            out[-1] = (f, out[-1][1] + ch)
        else:
            out.append((f, ch))
    return out


def check(texts: list[tuple[str, str]], fs: FontSet) -> None:
    """Fail, listing every character no configured font can draw and where it came from."""
    problems = []
    seen = set()
    drawable: set[str] = set()
    for where, text in texts:
        for ch in dict.fromkeys(text):  # each character once per text, in order
            if ch in drawable or ch.isspace() or (where, ch) in seen:
                continue
            if font_for(ch, fs) is not None:
                drawable.add(ch)
            else:
                seen.add((where, ch))
                name = unicodedata.name(ch, "unnamed character")
                problems.append(Problem(where, None, f"no configured font can draw {ch!r} (U+{ord(ch):04X} {name})",
                                        "change the text, or add a font that covers it in templates/styles/pdf.yaml"))
    if problems:
        raise FontError(problems)
