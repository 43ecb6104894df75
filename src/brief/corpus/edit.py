"""Edit corpus files in place: `add_finding` appends a finding skeleton to a source's findings.yaml.

The skeleton holds an id, the quote copied from the body (so it is exact), its locator, and the
fields the analyst still has to fill in, written as `null` with a `# to fill in` comment. `null`
is valid YAML but not a valid claim, credibility or kind, so `brief check` names each of them at
its own `path:line` until it is filled in.

The file's comments and layout are kept: the new entry is inserted as text after the last line
of the last finding (located with the YAML parser's marks), and nothing else changes. Before
anything is written, the new file is parsed again and must hold exactly the old findings plus the
new one; it is then written all or nothing (brief.outputs.write_atomic).

A quote that is not verbatim in the body is refused with the nearest passage and the exact
differences (brief.corpus.quotes); it is never "fixed".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brief.errors import InputError, Problem

KINDS = ("fact", "figure", "judgment", "recommendation")
FILL = "# to fill in"
HEADER = "# yaml-language-server: $schema=../../schemas/findings.schema.json\n"


@dataclass(frozen=True)
class Added:
    """What `add_finding` wrote."""

    id: str
    shown: str              # the findings file, relative to the project
    line: int               # line of the new entry ("- id: …")
    para: int               # the locator
    start: int
    end: int
    created: bool           # the findings file did not exist before
    to_fill: list[str]      # the fields left for the analyst, as `brief check` names them
    also_at: list[tuple[int, int]] = field(default_factory=list)  # other (para, start) of the same quote
    overlaps: list[str] = field(default_factory=list)             # findings quoting an overlapping span
    unselected: list[tuple[str, str | None]] = field(default_factory=list)  # (tag no topic selects yet, closest tag)


def add_finding(project: Any, source_id: str, quote: str, *,
                kind: str | None = None, topics: tuple[str, ...] = (), finding_id: str | None = None,
                para: int | None = None) -> Added:
    """Append a finding skeleton quoting `quote` to seeds/<source_id>/findings.yaml.

    `project` is a loaded Project (problems elsewhere do not matter). The file is written all or
    nothing. `para` picks the paragraph when the quote occurs in several. Raises
    InputError, writing nothing, for an unknown source, an empty quote or one that is not verbatim
    in the body, a bad kind, topic or id."""
    from brief.corpus.quotes import explain_miss
    from brief.corpus.schema import ID_RE, QUOTE_MAX

    folder = project.root / "seeds" / source_id
    entry = project.sources.get(source_id)
    if entry is None:
        if (folder / "source.yaml").is_file():
            raise InputError(Problem(project.shown(folder / "source.yaml"), None, f"source '{source_id}' did not load",
                                     "run `brief check` and fix its source.yaml first"))
        close = difflib.get_close_matches(source_id, list(project.sources), n=1)
        raise InputError(Problem(f"seeds/{source_id}", None, f"unknown source '{source_id}'",
                                 f"did you mean '{close[0]}'?" if close else "see `brief sources`"))
    body = project.shown(folder / "body.txt")
    if not quote or not quote.strip():
        raise InputError(Problem(None, None, "empty quote", "give the passage to quote, copied from " + body))
    if len(quote) > QUOTE_MAX:
        raise InputError(Problem(None, None, f"the quote has {len(quote)} characters, more than {QUOTE_MAX}",
                                 "quote a shorter passage, or make two findings"))
    paragraphs = entry.paragraphs
    if para is not None and not 1 <= para <= len(paragraphs):
        raise InputError(Problem(body, None, f"--para {para} is not a paragraph of the body (it has {len(paragraphs)})",
                                 "give a line number of body.txt"))
    hits = [(n, s) for n, p in enumerate(paragraphs, 1) if para in (None, n) for s in _occurrences(p, quote)]
    if not hits:
        scope = [paragraphs[para - 1] if n == para else "" for n in range(1, len(paragraphs) + 1)] if para else paragraphs
        where, near = explain_miss(scope, quote)
        hint = (f"{near}; " if near else "") + "copy the quote verbatim from one line of body.txt; nothing was written"
        raise InputError(Problem(body, where, "quote not found in the body" + (f" at para {para}" if para else ""), hint))
    n, start = hits[0]
    end = start + len(quote)
    if kind is not None and kind not in KINDS:
        close = difflib.get_close_matches(kind, KINDS, n=1)
        raise InputError(Problem(None, None, f"unknown kind '{kind}'",
                                 (f"did you mean '{close[0]}'? " if close else "") + f"choose from {', '.join(KINDS)}"))
    unselected = _check_topics(project, topics, ID_RE)

    path = folder / "findings.yaml"
    shown = project.shown(path)
    created = not path.exists()
    if created:
        text = f"{HEADER}source: {source_id}\nfindings: []\n"
    else:
        from brief.corpus.yamlio import read_text

        text = read_text(path, shown)
    ids, own = _existing_ids(project, path, text, shown)
    if finding_id is not None:
        if not re.match(ID_RE, finding_id):
            raise InputError(Problem(None, None, f"--id '{finding_id}' is not an id",
                                     "ids are kebab-case: lowercase letters, digits and '-'"))
        if finding_id in ids:
            raise InputError(Problem(None, None, f"finding id '{finding_id}' is already taken", "choose another --id"))
    else:
        finding_id = propose_id(source_id, quote, n, own, ids)

    item = _skeleton(finding_id, kind, topics, quote, n, start, end)
    new_text, line = _insert(text, shown, source_id, item)
    _verify(text, new_text, shown, item)
    from brief.outputs import write_atomic

    write_atomic(path, new_text.encode("utf-8"))
    to_fill = (["kind"] if kind is None else []) + (["topics"] if not topics else []) + ["claim.en", "claim.zh", "credibility"]
    if kind == "figure":
        to_fill += ["figures.0.value", "figures.0.unit", "figures.0.entity"]
    overlaps = [fid for fid, loc in own.items()
                if isinstance(loc, dict) and loc.get("para") == n and _ints(loc) and loc["start"] < end and start < loc["end"]]
    return Added(finding_id, shown, line, n, start, end, created, to_fill, hits[1:], overlaps, unselected)


def _ints(loc: dict) -> bool:
    return all(isinstance(loc.get(k), int) for k in ("start", "end"))


def _occurrences(text: str, needle: str):
    i = text.find(needle)
    while i != -1:
        yield i
        i = text.find(needle, i + 1)


def _check_topics(project: Any, topics: tuple[str, ...], id_re: str) -> list[tuple[str, str | None]]:
    """Each tag is kebab-case (else an error). A corpus may be ahead of its briefs: a tag that no
    topic selects yet is returned, with the closest selected tag (a typo?), for a warning, as
    `brief check` gives one."""
    selected = sorted({t for e in project.topics.values() for t in e.topic.select.topics})
    unselected = []
    for t in topics:
        if not re.match(id_re, t):
            raise InputError(Problem(None, None, f"--topic '{t}' is not a topic tag",
                                     "a topic tag is a kebab-case id such as sovereign-ai"))
        if not project.broken_topics and t not in selected:
            close = difflib.get_close_matches(t, selected, n=1)
            unselected.append((t, close[0] if close else None))
    return unselected


def _existing_ids(project: Any, path: Path, text: str, shown: str) -> tuple[set[str], dict[str, Any]]:
    """Every finding id of the corpus, read from the files themselves (a file that does not
    validate, such as one with a skeleton still to fill in, counts too), and this file's own ids
    with their locators."""
    import yaml

    from brief.corpus import yamlio

    ids = set(project.findings)
    own: dict[str, Any] = {}
    for other in (project.root / "seeds").glob("*/findings.yaml"):
        if other.resolve() == path.resolve():
            continue
        try:
            data = yamlio.load(other, project.shown(other))
        except InputError:
            continue
        ids.update(i for i, _ in _ids_in(data))
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise InputError(Problem(shown, None, "this findings file is not valid YAML, so nothing can be added to it",
                                 "run `brief check` and fix it first")) from None
    for i, loc in _ids_in(data):
        own[i] = loc
    ids.update(own)
    return ids, own


def _ids_in(data: Any):
    items = data.get("findings") if isinstance(data, dict) else None
    for f in items if isinstance(items, list) else []:
        if isinstance(f, dict) and isinstance(f.get("id"), str):
            yield f["id"], f.get("locator")


def propose_id(source_id: str, quote: str, para: int, own: dict[str, Any], taken: set[str]) -> str:
    """A readable, unused id: the prefix the source's findings already use (else the initials of
    the source id), then up to three Latin words or numbers of the quote ('cis-2023-910eflops'),
    or the paragraph ('cis-p11') when it has none; '-2', '-3', … until it is unused."""
    firsts = Counter(i.split("-", 1)[0] for i in own if "-" in i)
    prefix = firsts.most_common(1)[0][0] if firsts else "".join(w[0] for w in source_id.split("-") if w)
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", quote).lower())
    words = [w[:12] for w in words if len(w) > 1 or w.isdigit()][:3]
    base = "-".join([prefix, *words]) if words else f"{prefix}-p{para}"
    candidate, k = base, 1
    while candidate in taken:
        k += 1
        candidate = f"{base}-{k}"
    return candidate


def _skeleton(fid: str, kind: str | None, topics: tuple[str, ...], quote: str, para: int, start: int, end: int) -> dict:
    """The new entry as data: what the file must hold once it is parsed again."""
    item: dict[str, Any] = {"id": fid, "kind": kind, "credibility": None, "topics": list(topics), "stance": None,
                            "quote": quote, "locator": {"para": para, "start": start, "end": end},
                            "claim": {"en": None, "zh": None}}
    if kind == "figure":
        item["figures"] = [{"value": None, "unit": {"en": None, "zh": None}, "entity": {"en": None, "zh": None},
                            "as_of": None}]
    return item


def _render(item: dict, dash: int, key: int, step: int) -> list[str]:
    """The entry as YAML lines: the dash at column `dash`, keys at `key`, nested mappings `step`
    further in."""
    pad, sub = " " * key, " " * (key + step)
    kind = item["kind"] or f"null  {FILL}: {' | '.join(KINDS)}"
    topics = "[" + ", ".join(item["topics"]) + "]" + ("" if item["topics"] else f"  {FILL}: topic tags, e.g. [sovereign-ai]")
    loc = item["locator"]
    lines = [
        " " * dash + "-" + " " * (key - dash - 1) + f"id: {item['id']}",
        f"{pad}kind: {kind}",
        f"{pad}credibility: null  {FILL}: 1 confirmed, 2 probably true, 3 possibly true, 4 doubtful, 5 improbable, 6 cannot be judged",
        f"{pad}topics: {topics}",
        f"{pad}stance: null  # or a position from seeds/stances.yaml",
        f"{pad}quote: {yaml_quoted(item['quote'])}",
        f"{pad}locator: {{para: {loc['para']}, start: {loc['start']}, end: {loc['end']}}}",
        f"{pad}claim:",
        f"{sub}en: null  {FILL}: the claim in your own words, in English",
        f"{sub}zh: null  {FILL}: the claim in Chinese",
    ]
    if "figures" in item:
        subsub = " " * (key + step + 2)
        lines += [f"{pad}figures:",
                  f"{sub}- value: null  {FILL}: the number as the quote writes it",
                  f"{subsub}unit: {{en: null, zh: null}}  {FILL}",
                  f"{subsub}entity: {{en: null, zh: null}}  {FILL}: what or whom the value is about",
                  f"{subsub}as_of: null  # the date the value holds for, only if the text states it"]
    return lines


# Characters a YAML double-quoted scalar must carry as escapes: controls, line and paragraph
# separators (which YAML folds), the byte-order mark and non-characters.
_YAML_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")


def yaml_quoted(s: str) -> str:
    """`s` as a YAML double-quoted scalar that reads back exactly."""
    body = s.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", body) + '"'


def _insert(text: str, shown: str, source_id: str, item: dict) -> tuple[str, int]:
    """`text` with the entry inserted after the last finding; and the entry's line."""
    import yaml

    nl = "\r\n" if "\r\n" in text else "\n"
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        raise InputError(Problem(shown, None, "this findings file is not valid YAML, so nothing can be added to it",
                                 "run `brief check` and fix it first")) from None
    if not isinstance(root, yaml.MappingNode):
        raise InputError(Problem(shown, None, "expected a mapping with 'source:' and 'findings:'", "see the file formats in README.md"))
    keys = {k.value: (k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    if "source" in keys and keys["source"][1].value != source_id:
        raise InputError(Problem(shown, keys["source"][0].start_mark.line + 1,
                                 f"this file is for source '{keys['source'][1].value}', not '{source_id}'",
                                 "a findings file names the source of its folder"))
    if "findings" not in keys:
        head = text if text.endswith(("\n", "\r")) or not text else text + nl
        lines = _render(item, 2, 4, 2)
        return head + "findings:" + nl + nl.join(lines) + nl, head.count("\n") + 2
    key, seq = keys["findings"]
    if isinstance(seq, yaml.ScalarNode) and seq.tag.endswith(":null"):
        # `findings:` with nothing (or `null`, `~`) after it: drop the null, start a block sequence.
        if seq.value:
            text = text[:seq.start_mark.index].rstrip(" ") + text[seq.end_mark.index:]
        at = _line_end(text, key.end_mark.index)
        dash = key.start_mark.column + 2
        lines = _render(item, dash, dash + 2, 2)
    elif isinstance(seq, yaml.SequenceNode) and not seq.value and seq.flow_style:
        # `findings: []`: drop the brackets (keeping any comment) and start a block sequence.
        text = text[:seq.start_mark.index].rstrip(" ") + text[seq.end_mark.index:]
        at = _line_end(text, key.end_mark.index)
        dash = key.start_mark.column + 2
        lines = _render(item, dash, dash + 2, 2)
    elif isinstance(seq, yaml.SequenceNode) and not seq.flow_style:
        last = seq.value[-1]
        if not isinstance(last, yaml.MappingNode) or last.flow_style:
            raise InputError(Problem(shown, last.start_mark.line + 1, "the last finding is not a block mapping",
                                     "write findings as `- id: …` entries (see README.md), then add again"))
        key_col = last.start_mark.column
        line_text = text.splitlines()[last.start_mark.line]
        dash = line_text[:key_col].rstrip().rfind("-")
        if dash < 0:
            dash = max(0, key_col - 2)
        step = next((v.start_mark.column - key_col for _, v in last.value
                     if isinstance(v, yaml.MappingNode) and not v.flow_style), 2)
        end = _last_content_end(last)
        at = end.index if end.column == 0 else _line_end(text, end.index)
        lines = _render(item, dash, key_col, step if step > 0 else 2)
    else:
        raise InputError(Problem(shown, key.start_mark.line + 1, "'findings:' is not a block list of entries",
                                 "write findings as `- id: …` entries (see README.md), then add again"))
    head = text[:at]
    if head and not head.endswith("\n"):
        head += nl
    new = head + nl.join(lines) + nl + text[at:]
    return new, head.count("\n") + 1


def _line_end(text: str, index: int) -> int:
    """The index just past the end of the line holding `index`."""
    j = text.find("\n", index)
    return len(text) if j == -1 else j + 1


def _last_content_end(node: Any) -> Any:
    """The end mark of the last character of content in a block node (not the comments and blank
    lines after it, which PyYAML counts into a block collection)."""
    import yaml

    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        return node.end_mark
    if isinstance(node, yaml.MappingNode):
        children = [c for kv in node.value for c in kv]
    else:
        children = list(node.value)
    if not children:
        return node.end_mark
    return max((_last_content_end(c) for c in children), key=lambda m: m.index)


def _verify(old: str, new: str, shown: str, item: dict) -> None:
    """The new file parses, holds the old findings unchanged plus exactly `item`, and changes no
    line of the old file except `findings: []`."""
    import yaml

    def load(t):
        return yaml.safe_load(t) or {}

    before, after = load(old), load(new)
    expected = dict(before)
    expected["findings"] = list(before.get("findings") or []) + [item]
    old_lines = old.splitlines()
    new_lines = new.splitlines()
    changed = [op for op in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes()
               if op[0] not in ("equal", "insert")]
    allowed = all(op[0] == "replace" and op[2] - op[1] == 1 and re.match(r"^\s*findings:\s*(\[\s*\]|null|~|Null|NULL)", old_lines[op[1]])
                  for op in changed)
    if after != expected or not allowed:
        raise InputError(Problem(shown, None, "cannot add the finding without changing the rest of this file",
                                 "add the entry by hand (see the file formats in README.md); nothing was written"))
