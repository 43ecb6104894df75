"""Render a template to Markdown in the one sandboxed Jinja2 environment, every value escaped.

`render(root, name, context)` takes the views of brief.views. Every `{{ value }}` passes through
`finalize`, which escapes Markdown, so data can never become markup. Only `cite(...)` returns
markup: a citation marker `[@finding-id]` that the parser turns into a Cite node. An error
raised by the template (syntax, an undefined name, a sandbox refusal, a bad `cite()` call) is a
TemplateError at `templates/<name>.md.j2:line`; any other exception is a bug and propagates.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from brief.errors import Problem, TemplateError
from brief.i18n import clean_text, tidy_spacing

MAX_SIZE = 1_000_000  # the longest text or list a template may build with `*`
_MD_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>&~^\"'=:$%@;,/?])")


def escape_markdown(value: Any) -> str:
    """`finalize` of the environment: plain values become literal Markdown text."""
    from markupsafe import Markup

    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return ""
    text = clean_text(str(value))
    text = _MD_PUNCT.sub(r"\\\1", text)
    # Leading spaces could start an indented code block; they carry no meaning in data.
    return text.strip(" ")


# ---- the environment -----------------------------------------------------------------------


def _cite(*items: Any):
    """`cite(f)`, `cite(f1, f2)` or `cite(sentence.cites)`: a citation marker for findings."""
    from markupsafe import Markup

    from brief.views import FindingView

    ids: list[str] = []
    for item in items:
        if isinstance(item, FindingView):
            ids.append(item.id)
        elif isinstance(item, str):
            ids.append(item)
        elif isinstance(item, (list, tuple)):
            ids.extend(x.id if isinstance(x, FindingView) else str(x) for x in item)
        else:
            raise TypeError(f"cite() takes findings or finding ids, not {type(item).__name__}")
    for i in ids:
        if not re.match(r"^[a-z0-9]+(-[a-z0-9]+)*$", i):
            raise ValueError(f"cite(): {i!r} is not a finding id")
    return Markup("[@" + ";".join(ids) + "]") if ids else Markup("")


_ENVS: dict[Path, Any] = {}


def environment(root: Path):
    """The one sandboxed Jinja2 environment for a project's templates/ (cached per process)."""
    if root in _ENVS:
        return _ENVS[root]
    from jinja2 import FileSystemLoader, StrictUndefined
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    class Sandbox(SandboxedEnvironment):
        """Jinja2's sandbox, which already limits range() and recursion, with bounds on `*` and
        `**` too, so that no template can build a huge value."""

        intercepted_binops = frozenset(["*", "**"])

        def call_binop(self, context, operator, left, right):
            if operator == "**" and isinstance(right, (int, float)) and abs(right) > 100:
                raise SecurityError(f"exponent {right} is too large (at most 100)")
            if operator == "*":
                for seq, n in ((left, right), (right, left)):
                    if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_SIZE:
                        raise SecurityError(f"repeating a value {n} times makes it too long (at most {MAX_SIZE:,} items)")
            return super().call_binop(context, operator, left, right)

    env = Sandbox(
        loader=FileSystemLoader(str(root / "templates")),
        bytecode_cache=_bytecode_cache(root),
        undefined=StrictUndefined,
        finalize=escape_markdown,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,
    )
    env.globals["cite"] = _cite
    _ENVS[root] = env
    return env


def _bytecode_cache(root: Path):
    """Compiled templates kept in the project's signed cache (`.brief-cache/templates/`), so a
    run compiles only the templates that changed. Jinja2 checks each entry against the hash of
    the template's source; the cache's signature and code version keep out what this user's
    `brief` did not write (compiled code is run, so it is never taken unsigned)."""
    from jinja2 import BytecodeCache

    from brief.corpus.index import Store

    store = Store(root, "templates")
    if not store.enabled:
        return None

    class Signed(BytecodeCache):
        def load_bytecode(self, bucket) -> None:
            hit = store.get(bucket.key, bucket.checksum)
            if hit is not None:
                bucket.bytecode_from_string(hit[1])

        def dump_bytecode(self, bucket) -> None:
            store.put(bucket.key, bucket.checksum, {}, bucket.bytecode_to_string())

    return Signed()


def template_names(root: Path) -> list[str]:
    """Names of the brief templates (templates/<name>.md.j2)."""
    return sorted(p.name[: -len(".md.j2")] for p in (root / "templates").glob("*.md.j2"))


def template_problem(e: BaseException, name: str) -> Problem:
    """A Jinja error as `template:line: message`, the line found in the traceback if need be."""
    from jinja2 import TemplateSyntaxError

    filename = f"templates/{name}.md.j2"
    if isinstance(e, TemplateSyntaxError):
        shown = f"templates/{e.name}" if e.name else filename
        return Problem(shown, e.lineno, f"template syntax error: {e.message}",
                       "check the matching {% ... %} / {{ ... }} delimiters")
    line = None
    shown = filename
    tb = e.__traceback__
    while tb is not None:
        f = tb.tb_frame
        if f.f_code.co_filename.endswith(".md.j2"):
            name_ = f.f_code.co_filename
            shown = "templates/" + (name_.rsplit("/templates/", 1)[1] if "/templates/" in name_ else Path(name_).name)
            line = tb.tb_lineno
        tb = tb.tb_next
    msg = str(e)
    kind = type(e).__name__
    hint = None
    if kind == "UndefinedError":
        attr = re.match(r"^'(?:[\w.]+\.)?(\w+) object' has no attribute '(\w+)'$", msg)
        if attr and attr.group(1) == "Strings":
            msg = f"undefined UI string t.{attr.group(2)}"
            hint = "the UI strings are the keys of templates/strings/<lang>.yaml; add it there (in every language)"
        elif attr and attr.group(1).endswith("View"):
            what = attr.group(1)[: -len("View")].lower() or "view"
            msg = f"undefined field '{attr.group(2)}' of a {what}"
            hint = "templates/README.md lists the fields of every view a template can use"
        else:
            msg = f"undefined variable: {msg}"
            hint = "templates/README.md lists every variable a template can use"
    elif kind == "SecurityError":
        msg = f"not allowed in the template sandbox: {msg}"
    else:
        msg = f"{kind}: {msg}"
    return Problem(shown, line, msg, hint)


def check_name(root: Path, name: str) -> None:
    """An unknown template name is an error that lists the templates there are."""
    have = template_names(root)
    if name not in have:
        import difflib

        close = difflib.get_close_matches(name, have, n=1)
        raise TemplateError(Problem(f"templates/{name}.md.j2", None, f"unknown template '{name}'",
                                    (f"did you mean '{close[0]}'? " if close else "") + f"available: {', '.join(have)}"))


def compile_template(root: Path, name: str):
    """The compiled template `name`; a syntax error is a TemplateError at its line."""
    try:
        return environment(root).get_template(f"{name}.md.j2")
    except Exception as e:
        if _from_template(e):
            raise TemplateError(template_problem(e, name)) from None
        raise


def render(root: Path, name: str, context: dict[str, Any]) -> str:
    """Render template `name` with `context` (from views.build_context) to Markdown, with the
    spaces it writes after full-width punctuation joined as the language needs (i18n.tidy_spacing)."""
    check_name(root, name)
    tpl = compile_template(root, name)
    try:
        return tidy_spacing(tpl.render(context))
    except Exception as e:
        if _from_template(e):
            raise TemplateError(template_problem(e, name)) from None
        raise  # a bug in brief, not in the template


def _from_template(e: BaseException) -> bool:
    """Whether an exception is the template's doing: a Jinja error, or any error raised while a
    template frame was running (a bad `cite()` call, a missing attribute)."""
    if type(e).__module__.startswith("jinja2"):
        return True
    tb = e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".md.j2"):
            return True
        tb = tb.tb_next
    return False


def describe_templates(root: Path) -> list[dict]:
    """Each template's name, description (its `description:` comment) and the sections it uses."""
    rows = []
    for name in template_names(root):
        text = (root / "templates" / f"{name}.md.j2").read_text(encoding="utf-8")
        desc = re.search(r"\{#-?\s*description:\s*(.*?)\s*-?#\}", text, re.S)
        sections = re.findall(r"^#{1,3} \{\{ t\.(\w+) \}\}", text, re.M)
        roles = sorted(set(re.findall(r"^:{3,} ?([a-z][a-z-]*)", text, re.M)))
        rows.append({"name": name, "description": desc.group(1) if desc else "", "sections": sections, "roles": roles})
    return rows
