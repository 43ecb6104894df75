"""Validate loaded YAML against a pydantic schema; every schema error becomes a Problem at its
own line, with a hint ('did you mean …?', the allowed fields, what to write)."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError

from brief.corpus import yamlio
from brief.errors import InputError, Problem


def validate(model: type[BaseModel], data: Any, shown: str, what: str) -> Any:
    """Validate `data`; every schema error becomes a Problem at its own line."""
    if not isinstance(data, dict):
        raise InputError(Problem(shown, getattr(data, "line", None) or 1,
                                 f"expected a mapping at the top of this {what} file",
                                 "see the file formats in README.md"))
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = tuple(err["loc"])
            line = yamlio.line_of(data, loc)
            dotted = ".".join(str(p) for p in loc) or "(file)"
            kind = err["type"]
            if kind == "extra_forbidden":
                allowed = sorted(_fields_at(model, loc[:-1]))
                close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed fields: {', '.join(allowed)}"
                problems.append(Problem(shown, line, f"unknown field '{dotted}'", hint))
            elif kind == "missing":
                problems.append(Problem(shown, line, f"missing field '{dotted}'",
                                        f"add '{loc[-1]}:' to this {what}"))
            elif err.get("input", ...) is None and kind.endswith(("_type", "literal_error")):
                # An empty value where one is required (a skeleton of `brief finding add`, say)
                msg = err["msg"].removeprefix("Input should be ")
                problems.append(Problem(shown, line, f"{dotted}: still to fill in (the value is empty)",
                                        _hint_for(kind) or f"write {msg}"))
            else:
                msg = err["msg"].removeprefix("Value error, ")
                problems.append(Problem(shown, line, f"{dotted}: {msg}", _hint_for(kind, (err.get("ctx") or {}).get("pattern"))))
        problems.sort(key=lambda p: p.line or 0)  # (in the order of the file)
        raise InputError(problems)


# What each pattern of the schemas asks for, said as a hint.
PATTERN_HINTS = {
    "^[a-z0-9]+(-[a-z0-9]+)*$": "ids are kebab-case: lowercase letters, digits and '-'",
    "^[0-9a-f]{64}$": "a SHA-256 is 64 lowercase hexadecimal digits, as `sha256sum FILE` prints it",
    "^\\d{4}(-\\d{2}(-\\d{2})?)?$": "write a date as YYYY, YYYY-MM or YYYY-MM-DD",
    "^[a-z]{2}(-[A-Za-z]{2,4})?$": "a language code such as zh, en or zh-Hant",
    "^[a-z]{2}$": "a two-letter language code such as en or zh",
}


def _hint_for(kind: str, pattern: str | None = None) -> str | None:
    if kind == "string_pattern_mismatch":
        return PATTERN_HINTS.get(pattern or "", f"it must match {pattern}" if pattern else None)
    return {
        "literal_error": None,
        "string_type": "write a text value",
        "int_parsing": "write a whole number",
        "int_type": "write a whole number",
        "float_parsing": "write a number",
    }.get(kind)


def _fields_at(model: type[BaseModel], loc: tuple) -> set[str]:
    """Field names allowed at a location inside `model`, for 'did you mean' hints."""
    import typing

    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        try:
            ann = current.model_fields[part].annotation
        except (AttributeError, KeyError):
            return set()
        for arg in (ann, *typing.get_args(ann)):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                current = arg
                break
            for sub in typing.get_args(arg):
                if isinstance(sub, type) and issubclass(sub, BaseModel):
                    current = sub
                    break
    return set(getattr(current, "model_fields", {}))
