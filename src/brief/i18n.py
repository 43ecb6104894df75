"""Words and how they are written, per language: UI strings, dates, numbers, text cleaning.

Every word a reader sees that is not data comes from `templates/strings/<lang>.yaml` (a
`Strings` table), so adding a language means adding a file. Nothing here reads the environment.
"""

from __future__ import annotations

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
    value = _CTRL.sub("", value)
    return "".join(ch for ch in value if not (unicodedata.category(ch) == "Cn" and (ord(ch) & 0xFFFE) == 0xFFFE))


def pick(text: Any, lang: str) -> str:
    """The wording of a bilingual text (`Text`: .en, .zh) in `lang`, falling back to English."""
    return getattr(text, lang, None) or text.en


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


_STRINGS: dict[tuple[str, float], Strings] = {}

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
    "more_findings": {"n"},
    "more_pairs": {"n"},
    "marking_format": {"who", "date", "version", "tlp"},
    "marking_who": {"name", "organisation"},
    "marking_version": {"version", "sha"},
    "mail_attached": {"file", "name", "organisation"},
}
LISTS = {"month_names": 12}
MAPPINGS = {"tlp_meaning": ("TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED")}
# Mappings keyed by language code (en, zh, zh-Hant, ...), each value a text with no field.
CODE_MAPPINGS = {"language_names"}
_LANG_CODE = re.compile(r"^[a-z]{2}(-[A-Za-z]{2,4})?$")


def _string_problems(data: dict, shown: str) -> list[Problem]:
    """What is wrong with a strings table: value types, list lengths, format fields."""
    import string

    problems = []

    def check(key: str, value, line) -> None:
        if not isinstance(value, str):
            problems.append(Problem(shown, line, f"'{key}' must be a text", "quote it: key: \"text\""))
            return
        allowed = FIELDS.get(key, set())
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
    for key, value in data.items():
        line = lines.get(key)
        if key in LISTS:
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
                    check(f"{key}.{k}", v, getattr(value, "lines", {}).get(k, line))
        else:
            check(key, value, line)
    return problems


def languages(root: Path) -> list[str]:
    """The languages a project has strings for."""
    return sorted(p.stem for p in (root / LANGS_DIR).glob("*.yaml"))


def load_strings(root: Path, lang: str) -> Strings:
    """The UI string table of `lang` (templates/strings/<lang>.yaml), read once per file version."""
    from brief.corpus import yamlio

    path = root / LANGS_DIR / f"{lang}.yaml"
    shown = str(LANGS_DIR / f"{lang}.yaml")
    if not path.is_file():
        raise InputError(Problem(shown, None, f"unknown language '{lang}'",
                                 f"available: {', '.join(languages(root))}; add a strings file to add a language"))
    key = (str(path.resolve()), path.stat().st_mtime)
    if key not in _STRINGS:
        data = yamlio.load(path, shown)
        if not isinstance(data, dict):
            raise InputError(Problem(shown, getattr(data, "line", 1) or 1, "expected a mapping of string keys",
                                     "see templates/strings/en.yaml"))
        problems = _string_problems(data, shown)
        others = [p for p in (root / LANGS_DIR).glob("*.yaml") if p != path]
        if others:  # every language has every key (compared with the first other language)
            from brief.corpus.yamlio import load as load_yaml

            ref_path = sorted(others)[0]
            ref = load_yaml(ref_path, str(LANGS_DIR / ref_path.name))
            if isinstance(ref, dict):
                missing = sorted(set(ref) - set(data))
                if missing:
                    problems.append(Problem(shown, None, f"missing UI string(s): {', '.join(missing)}",
                                            f"add them, as in {LANGS_DIR / ref_path.name}"))
        if problems:
            raise InputError(problems)
        _STRINGS[key] = Strings(dict(data), lang, shown)
    return _STRINGS[key]


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


def format_number(v: float) -> str:
    """A figure's value as printed: thousands separated, no trailing '.0'."""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,}"


def csv_cell(value) -> str:
    """A CSV cell that a spreadsheet never runs as a formula (OWASP CSV injection): a text that
    starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
