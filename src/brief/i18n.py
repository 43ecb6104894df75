"""Words and how they are written, per language: UI strings, plurals, dates, figures, text cleaning.

Every word a reader sees that is not data comes from `templates/strings/<lang>.yaml` (a
`Strings` table), so adding a language means adding a file. Nothing here reads the environment.
Numbers and plural rules come from CLDR through babel, imported only when a table with plural
forms is loaded or a figure is written, so that `brief --help` stays instant.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from pathlib import Path
from typing import Any

from brief.errors import InputError, Problem

LANGS_DIR = Path("templates") / "strings"
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")


def clean_text(value: str) -> str:
    """Drop control characters, lone surrogates and non-characters; fold newlines to spaces."""
    value = value.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return _NONCHAR.sub("", _CTRL.sub("", value))


# The non-characters U+nFFFE and U+nFFFF of every plane.
_NONCHAR = re.compile("[" + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17)) + "]")


def pick(text: Any, lang: str) -> str:
    """The wording of a bilingual text (`Text`: .en, .zh) in `lang`, falling back to English; a
    plain string (a code such as a figure's unit "USD") is the same in every language."""
    if isinstance(text, str):
        return text
    return getattr(text, lang, None) or text.en


# ---- plural forms (CLDR) -----------------------------------------------------------------------

PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
_LOCALES: dict[str, Any] = {}


def _locale(name: str):
    """A babel Locale, parsed once (babel is imported here, on first use)."""
    if name not in _LOCALES:
        from babel import Locale

        _LOCALES[name] = Locale.parse(name)
    return _LOCALES[name]


def plural_forms(locale: str) -> tuple[str, ...]:
    """The CLDR plural categories a language distinguishes, e.g. ('one', 'other') for English and
    ('other',) for Chinese."""
    tags = _locale(locale).plural_form.tags | {"other"}
    return tuple(c for c in PLURAL_CATEGORIES if c in tags)


class Plural:
    """A UI string with one form per CLDR plural category (`one`, `other`, …). It formats like a
    string: `.format(n=3)` picks the form for the count `n`, then fills the fields."""

    def __init__(self, forms: dict[str, str], locale: str, key: str):
        self.forms, self.locale, self.key = dict(forms), locale, key

    def form(self, n) -> str:
        return self.forms[_locale(self.locale).plural_form(abs(n))]

    def format(self, **fields) -> str:
        return self.form(fields[COUNT]).format(**fields)

    def __str__(self) -> str:
        return self.forms["other"]

    def __repr__(self) -> str:
        return f"Plural({self.key}: {self.forms!r})"


class Strings(dict):
    """UI strings of one language; a missing key is a template error, never a silent blank."""

    def __init__(self, data: dict, lang: str, path: str):
        super().__init__(data)
        self.lang = lang
        self.path = path

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"no UI string '{key}' in {self.path}") from None


_STRINGS: dict[tuple, Strings] = {}

# The named fields each UI string may use. Strings are formatted with str.format outside the
# template sandbox, so a field must be a plain name from this list: no attribute or index access
# ({0.__class__}, {x[0]}), no conversion. Any other string uses no field at all ({{ for a brace}}).
FIELDS = {
    "date_format": {"year", "month", "day", "month_name"},
    "month_format": {"year", "month", "month_name"},
    "year_format": {"year"},
    "basis_text": {"findings", "sources", "origins"},
    "relayed_format": {"primary", "reference"},
    "relayed_from": {"primary"},
    "claim_format": {"claim"},
    "quote_translated": {"language", "para", "quote"},
    "quote_original": {"para", "quote"},
    "locator_format": {"para"},
    "source_note_format": {"grade", "label", "rationale"},
    "caveats_format": {"caveats"},
    "caveat_relayed": {"primary"},
    "caveat_relayed_unnamed": {"primary"},
    "page_of": {"page", "pages"},
    "chart_caption": {"title", "as_of"},
    "chart_alt": {"title", "unit", "values"},
    "chart_alt_no_unit": {"title", "values"},
    "chart_alt_value": {"label", "value"},
    "cite_link": {"number"},
    "more_findings": {"n"},
    "more_in_position": {"n"},
    "more_pairs": {"n"},
    "n_findings": {"n"},
    "n_sources": {"n"},
    "n_origins": {"n"},
    "as_of_format": {"date"},
    "graded": {"grade"},
    "grade_legend": {"reliability", "credibility"},
    "grade_legend_scale": {"best", "worst", "unjudged"},
    "grade_legend_item": {"grade", "label"},
    "figure_line": {"entity", "figure", "as_of"},
    "figure_with_unit": {"value", "unit"},
    "figure_with_measure": {"value", "measure"},
    "figure_percent": {"amount"},
    "figure_money": {"amount", "symbol", "name"},
    "figure_qualifier": {"value"},
    "quote_locator": {"quote", "locator"},
    "marking_format": {"who", "date", "version", "tlp"},
    "marking_who": {"name", "organisation"},
    "marking_version": {"version", "sha"},
    "mail_attached": {"file", "name", "organisation"},
}
LISTS = {"month_names": 12}
MAPPINGS = {"tlp_meaning": ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"),
            # How a figure's value is bounded (Figure.qualifier in corpus/schema.py).
            "figure_qualifier": ("more_than", "at_least", "about", "up_to", "less_than")}
# Strings that count something: one form per CLDR plural category of the language (`one:`,
# `other:`, …), or one plain text in a language that has only `other` (Chinese). The count is
# the field COUNT.
COUNT = "n"
PLURALS = {"more_findings", "more_in_position", "more_pairs", "n_findings", "n_sources", "n_origins"}
# Texts that must be numbers (read with int()).
NUMBERS = {"compact_from"}
# Mappings keyed by language code (en, zh, zh-Hant, ...), each value a text with no field.
CODE_MAPPINGS = {"language_names"}
_LANG_CODE = re.compile(r"^[a-z]{2}(-[A-Za-z]{2,4})?$")


def _string_problems(data: dict, shown: str) -> list[Problem]:
    """What is wrong with a strings table: value types, list lengths, format fields."""
    import string

    problems = []

    def check(key: str, value, line, allowed: set[str] | None = None) -> None:
        if not isinstance(value, str):
            problems.append(Problem(shown, line, f"'{key}' must be a text", "quote it: key: \"text\""))
            return
        allowed = FIELDS.get(key, set()) if allowed is None else allowed
        try:
            parsed = list(string.Formatter().parse(value))
        except ValueError as e:
            problems.append(Problem(shown, line, f"'{key}': {e}", "write a literal brace as {{ or }}"))
            return
        for _, name, spec, conversion in parsed:
            if name is None:
                continue
            if name not in allowed or conversion or (spec and "{" in spec):
                can = f"it may use {', '.join('{' + f + '}' for f in sorted(allowed))}" if allowed else "it uses no field"
                problems.append(Problem(shown, line, f"'{key}': field {{{name}{'!' + conversion if conversion else ''}}} is not allowed",
                                        f"{can}; write a literal brace as {{{{ or }}}}"))

    lines = getattr(data, "lines", {})
    locale = data.get("locale")
    if not isinstance(locale, str):
        problems.append(Problem(shown, lines.get("locale"), "'locale' must name the CLDR locale of the language",
                                "e.g. locale: en_001 (international English) or zh_Hans_CN"))
        locale = None
    else:
        try:
            _locale(locale)
        except (ValueError, LookupError) as e:  # babel: unknown locale
            problems.append(Problem(shown, lines.get("locale"), f"'locale': {e}",
                                    "use a CLDR locale identifier such as en_001 or zh_Hans_CN"))
            locale = None
    for key, value in data.items():
        line = lines.get(key)
        if key in PLURALS:
            if locale is None:
                continue
            forms = plural_forms(locale)
            if isinstance(value, str) and forms == ("other",):
                check(key, value, line)
            elif not isinstance(value, dict):
                problems.append(Problem(shown, line, f"'{key}' counts {{{COUNT}}}: give one text per plural form "
                                        f"of {locale} ({', '.join(forms)})",
                                        f"e.g. {key}: {{{', '.join(f + ': ...' for f in forms)}}}"))
            else:
                unknown = [k for k in value if k not in forms]
                missing = [f for f in forms if f not in value]
                if unknown or missing:
                    said = "; ".join(x for x in (
                        f"{', '.join(map(str, unknown))} {'is' if len(unknown) == 1 else 'are'} not a plural form of {locale}" if unknown else "",
                        f"missing form(s): {', '.join(missing)}" if missing else "") if x)
                    problems.append(Problem(shown, line, f"'{key}': {said}",
                                            f"the plural forms of {locale} (CLDR) are: {', '.join(forms)}"))
                for k, v in value.items():
                    check(key, v, getattr(value, "lines", {}).get(k, line))
        elif key in NUMBERS:
            if not isinstance(value, str) or not value.isdigit():
                problems.append(Problem(shown, line, f"'{key}' must be a whole number, quoted", f'{key}: "1000000"'))
        elif key in LISTS:
            if not isinstance(value, list) or len(value) != LISTS[key] or not all(isinstance(v, str) for v in value):
                problems.append(Problem(shown, line, f"'{key}' must be a list of {LISTS[key]} texts", None))
        elif key in CODE_MAPPINGS:
            if not isinstance(value, dict) or not value:
                problems.append(Problem(shown, line, f"'{key}' must map language codes (en, zh, ...) to texts", None))
            else:
                for k, v in value.items():
                    where = getattr(value, "lines", {}).get(k, line)
                    if not isinstance(k, str) or not _LANG_CODE.match(k):
                        problems.append(Problem(shown, where, f"'{key}': {k!r} is not a language code",
                                                "write a code such as en, zh or zh-Hant"))
                    else:
                        check(f"{key}.{k}", v, where)
        elif key in MAPPINGS:
            if not isinstance(value, dict) or set(value) != set(MAPPINGS[key]):
                problems.append(Problem(shown, line, f"'{key}' must map each of {', '.join(MAPPINGS[key])} to a text", None))
            else:
                for k, v in value.items():
                    check(f"{key}.{k}", v, getattr(value, "lines", {}).get(k, line), FIELDS.get(key, set()))
        else:
            check(key, value, line)
    return problems


def languages(root: Path) -> list[str]:
    """The languages a project has strings for."""
    return sorted(p.stem for p in (root / LANGS_DIR).glob("*.yaml"))


def load_strings(root: Path, lang: str) -> Strings:
    """The UI string table of `lang` (templates/strings/<lang>.yaml), read once per file version."""
    path = root / LANGS_DIR / f"{lang}.yaml"
    shown = str(LANGS_DIR / f"{lang}.yaml")
    if not path.is_file():
        raise InputError(Problem(shown, None, f"unknown language '{lang}'",
                                 f"available: {', '.join(languages(root))}; add a strings file to add a language"))
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)  # (any write changes ctime)
    if key not in _STRINGS:
        kept = _kept_strings(root, path, lang, shown)
        _STRINGS[key] = kept if kept is not None else _read_strings(root, path, lang, shown)
    return _STRINGS[key]


def _kept_strings(root: Path, path: Path, lang: str, shown: str) -> Strings | None:
    """The table as an earlier run checked it, from the project's signed cache, while the file
    and the languages it was compared with are unchanged (checking the plural forms loads the
    CLDR data of the locale)."""
    from brief.corpus.index import Store

    store = Store(root, "strings")
    hit = store.get(lang, "")
    if hit is None or set(hit[0]) != _strings_deps(root, path):
        return None
    return Strings(hit[1], lang, shown)


def _strings_deps(root: Path, path: Path) -> set[str]:
    """The files a strings table is checked against: itself and every other language's table."""
    return {p.relative_to(root).as_posix() for p in (path, *(root / LANGS_DIR).glob("*.yaml"))}


def _read_strings(root: Path, path: Path, lang: str, shown: str) -> Strings:
    """Read and check a strings table (each problem at its line), and keep it for later runs."""
    from brief.corpus import yamlio
    from brief.corpus.index import Store

    store = Store(root, "strings")
    deps = store.snapshot(sorted(root / rel for rel in _strings_deps(root, path)))
    data = yamlio.load(path, shown)
    if not isinstance(data, dict):
        raise InputError(Problem(shown, getattr(data, "line", 1) or 1, "expected a mapping of string keys",
                                 "see templates/strings/en.yaml"))
    problems = _string_problems(data, shown)
    others = [p for p in (root / LANGS_DIR).glob("*.yaml") if p != path]
    if others:  # every language has every key (compared with the first other language)
        ref_path = sorted(others)[0]
        ref = yamlio.load(ref_path, str(LANGS_DIR / ref_path.name))
        if isinstance(ref, dict):
            missing = sorted(set(ref) - set(data))
            if missing:
                problems.append(Problem(shown, None, f"missing UI string(s): {', '.join(missing)}",
                                        f"add them, as in {LANGS_DIR / ref_path.name}"))
    if problems:
        raise InputError(problems)
    table = {str(k): Plural({str(f): str(t) for f, t in ({"other": v} if isinstance(v, str) else v).items()},
                            str(data["locale"]), str(k)) if k in PLURALS else _plain(v)
             for k, v in data.items()}
    store.put(lang, "", deps, table)
    return Strings(table, lang, shown)


def _plain(value):
    """A loaded YAML value as plain str, list and dict (without the loader's line numbers)."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def format_date(value: str | datetime.date | None, t: Strings) -> str:
    """A full or partial ISO date in the language's format; None becomes t.no_date."""
    if value is None:
        return t.no_date
    if isinstance(value, datetime.date):
        y, m, d = value.year, value.month, value.day
    else:
        parts = [int(p) for p in value.split("-")]
        y, m, d = (parts + [0, 0])[:3]
    if not m:
        return t.year_format.format(year=y)
    names = t.month_names
    if not d:
        return t.month_format.format(year=y, month=m, month_name=names[m - 1])
    return t.date_format.format(year=y, month=m, day=d, month_name=names[m - 1])


def language_name(code: str, t: Strings) -> str | None:
    """The name of a language (a source's `language`) in the brief's language, from the strings
    table's `language_names` ('zh-Hant' falls back to 'zh'); None when the table has none."""
    names = t.language_names
    return names.get(code) or names.get(code.split("-")[0])


def format_number(v: float, t: Strings | None = None) -> str:
    """A number as the language writes it: grouped digits in its locale ("40,000"), no trailing
    '.0'. Without a strings table: grouped with commas (English)."""
    if t is None:
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,}"
    from babel.numbers import format_decimal

    return format_decimal(int(v) if float(v).is_integer() else v, locale=t.locale)


def format_amount(v: float, t: Strings) -> str:
    """A quantity as a reader writes it: compact from the language's `compact_from` on ("200
    million", "2亿", "40亿"), when the compact form is exact to two decimals; otherwise grouped
    digits ("40,000", "4,123,456,789")."""
    if abs(v) >= int(t.compact_from):
        from babel.numbers import format_compact_decimal

        short = format_compact_decimal(v, format_type="long", locale=t.locale, fraction_digits=2)
        if short == format_compact_decimal(v, format_type="long", locale=t.locale, fraction_digits=6):
            return short
    return format_number(v, t)


@dataclasses.dataclass(frozen=True)
class FigureWords:
    """A figure as the brief writes it: `value` ("more than US$4 billion", "逾40亿美元", "32%",
    "87"), `unit` (what the value counts or is of: "AI data centres", "of global compute"; may
    be empty) and `text`, the two together ("more than US$4 billion for domestic AI development")."""

    value: str
    unit: str
    text: str


def format_figure(value: float, unit: Any, qualifier: str | None, measure: Any, t: Strings) -> FigureWords:
    """Word one figure (a corpus Figure's fields) in the language of `t`. The unit is a code
    ("%" for a percentage, an ISO 4217 currency code such as "USD" for money) or words in each
    language (a count: "AI data centres" / "座AI中心", or a unit such as "EFLOPS"); `measure`
    says what the value is of. Every word and its order comes from the strings table."""
    lang = t.lang
    words = ""
    if unit == "%":
        amount = t.figure_percent.format(amount=format_number(value, t))
    elif isinstance(unit, str):  # an ISO 4217 currency code
        from babel.numbers import get_currency_name, get_currency_symbol

        amount = t.figure_money.format(amount=format_amount(value, t), symbol=get_currency_symbol(unit, t.locale),
                                       name=get_currency_name(unit, count=value, locale=t.locale))
    else:
        amount = format_amount(value, t)
        words = pick(unit, lang)
    if qualifier:
        amount = t.figure_qualifier[qualifier].format(value=amount)
    text = t.figure_with_unit.format(value=amount, unit=words) if words else amount
    if measure is not None:
        what = pick(measure, lang)
        text = t.figure_with_measure.format(value=text, measure=what)
        words = t.figure_with_measure.format(value=words, measure=what) if words else what
    return FigureWords(amount, words, text)


def unit_key(unit: Any, measure: Any) -> str:
    """A figure's unit and measure in English, as a chart spec's `unit` names them: "% of global
    compute", "AI data centres", "USD pledged this year"."""
    label = pick(unit, "en")
    return f"{label} {measure.en}" if measure is not None else label


def unit_words(unit: Any, measure: Any, t: Strings) -> str:
    """A figure's unit and measure as one label in the language of `t` (a chart's axis):
    "% of global compute", "%（全球算力占比）"."""
    label = pick(unit, t.lang)
    return t.figure_with_measure.format(value=label, measure=pick(measure, t.lang)) if measure is not None else label


# ---- typography ---------------------------------------------------------------------------------

def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def excerpt(text: str, t: Strings, width: int = 90) -> str:
    """The start of a text, at most about `width` columns wide (a CJK character takes two), cut at
    a word boundary where the text has spaces, and closed with the language's ellipsis."""
    text = " ".join(text.split())
    if sum(_width(c) for c in text) <= width:
        return text
    used, cut = 0, 0
    for i, ch in enumerate(text):
        used += _width(ch)
        if used > width:
            break
        cut = i + 1
    head = text[:cut]
    clause = max(head.rfind(c) for c in "，；、,;")
    if clause >= len(head) * 0.6:
        head = head[:clause]  # at the end of a clause
    elif text[cut:cut + 1] not in ("", " ") and " " in head and not _is_cjk(text[cut - 1]):
        head = head.rsplit(" ", 1)[0]  # not in the middle of a word
    return head.rstrip(" ,;:.，、；：。—-([（《“‘") + t.ellipsis


def _is_cjk(ch: str) -> bool:
    return _width(ch) == 2


# Full-width punctuation, which no space follows in any language; and marks that are full-width
# only in CJK text (quotation marks and the ellipsis are the same characters in English).
_FW = re.escape("，。、；：！？）》」』】〕〉")
_AMBIGUOUS = re.escape("”’…")
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
# A citation marker (`[@id]`, only ever made by cite()) after such a mark (or the Chinese
# ellipsis ……) and spaces.
_SPACE_BEFORE_CITE = re.compile(rf"(?:(?<=[{_FW}])|(?<=……)|(?<=[{_CJK}][{_AMBIGUOUS}])|(?<=[{_CJK}][{_AMBIGUOUS}]{{2}}))"
                                rf"[ \t]+(?=\[@)")
# An emphasised label closed after full-width punctuation and followed by spaces ("**日期：** …"):
# CommonMark would not close the emphasis before what follows without the space, so the mark
# moves out of the emphasis and the space goes ("**日期**：…").
# A line break inside a paragraph between a citation that closes a sentence in Chinese and the next
# Chinese sentence (one sentence per template line): read as a space, it would stand in Chinese text.
_BREAK_AFTER_CITE = re.compile(rf"((?:[{_FW}]|……)\[@[^\]\n]*\])\n(?=[{_CJK}])")
_SPACE_AFTER_LABEL = re.compile(rf"([{_FW}])(\*\*?)[ \t]+")


def tidy_spacing(markdown: str) -> str:
    """Join full-width punctuation to what a template puts after it: no space before a citation
    after 。 or ：, no line break (a space) after such a citation before the next Chinese sentence,
    none after an emphasised label ending in ：. Only spaces the template wrote are
    touched (a value never starts or ends with a space, nor holds an unescaped `[@` or `*`)."""
    markdown = _SPACE_BEFORE_CITE.sub("", markdown)
    markdown = _BREAK_AFTER_CITE.sub(r"\1", markdown)
    return _SPACE_AFTER_LABEL.sub(r"\2\1", markdown)


def csv_cell(value) -> str:
    """A CSV cell that a spreadsheet never runs as a formula (OWASP CSV injection): a text that
    starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
