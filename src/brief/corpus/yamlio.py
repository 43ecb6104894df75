"""Read YAML while remembering the line of every mapping key and sequence item.

`load(path)` returns plain dicts and lists of the subclasses below; `line_of(data, loc)`
turns a pydantic error location into the line it points at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from brief.errors import InputError, Problem


class LDict(dict):
    """A dict that knows the line of its start (`line`) and of each key (`lines`)."""

    line: int = 0
    lines: dict


class LList(list):
    """A list that knows the line of its start (`line`) and of each item (`lines`)."""

    line: int = 0
    lines: list


def _loader_class():
    """The safe loader (made on first use: a run whose files all come from the cache imports no
    YAML parser), with PyYAML's tag resolution for plain scalars done in one function (libyaml
    calls it for every node; the corpus needs no path resolvers)."""
    if _LOADER:
        return _LOADER[0]
    import yaml

    class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when available
        def descend_resolver(self, current_node, current_index):
            pass

        def ascend_resolver(self):
            pass

        def resolve(self, kind, value, implicit):
            if kind is yaml.ScalarNode:
                if implicit[0]:
                    table = self.yaml_implicit_resolvers
                    for tag, regexp in table.get(value[0] if value else "", ()):
                        if regexp.match(value):
                            return tag
                    for tag, regexp in table.get(None, ()):
                        if regexp.match(value):
                            return tag
                return self.DEFAULT_SCALAR_TAG
            return self.DEFAULT_SEQUENCE_TAG if kind is yaml.SequenceNode else self.DEFAULT_MAPPING_TAG

    def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LDict:
        loader.flatten_mapping(node)
        d = LDict()
        d.line = node.start_mark.line + 1
        d.lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain name, not a list or mapping", key_node.start_mark)
            if key in d:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            d[key] = loader.construct_object(value_node, deep=True)
            d.lines[key] = key_node.start_mark.line + 1
        return d

    def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LList:
        seq = LList(loader.construct_object(child, deep=True) for child in node.value)
        seq.line = node.start_mark.line + 1
        seq.lines = [child.start_mark.line + 1 for child in node.value]
        return seq

    def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
        # Dates and times stay strings: the schema decides what a date is.
        return loader.construct_scalar(node)

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
    _Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_str)

    _LOADER.append(_Loader)
    return _Loader


_LOADER: list = []  # the loader class, once made

_STR = "tag:yaml.org,2002:str"


def _load(text: str) -> Any:
    """Parse one YAML document (libyaml composes the nodes) and build LDict/LList values from
    them directly: the same values as the constructors above, at about twice their speed. Plain
    strings are taken as they are; other scalars (numbers, booleans, null) go through the safe
    constructors."""
    import yaml

    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        scalar, mapping = yaml.ScalarNode, yaml.MappingNode
        built: dict[int, Any] = {}  # a node an alias repeats is built once (no "billion laughs")

        def build(n):
            cls = n.__class__
            if cls is scalar:
                return n.value if n.tag == _STR else loader.construct_object(n)
            if id(n) in built:
                return built[id(n)]
            if cls is mapping:
                loader.flatten_mapping(n)
                d = built[id(n)] = LDict()
                d.line = n.start_mark.line + 1
                lines = d.lines = {}
                for key_node, value_node in n.value:
                    if key_node.__class__ is not scalar:
                        raise yaml.constructor.ConstructorError(
                            None, None, "a key must be a plain name, not a list or mapping", key_node.start_mark)
                    key = build(key_node)
                    if key in d:
                        raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
                    d[key] = build(value_node)
                    lines[key] = key_node.start_mark.line + 1
                return d
            if cls is yaml.SequenceNode:
                seq = built[id(n)] = LList()
                seq.extend(build(child) for child in n.value)
                seq.line = n.start_mark.line + 1
                seq.lines = [child.start_mark.line + 1 for child in n.value]
                return seq
            return loader.construct_object(n)

        return build(node)
    finally:
        loader.dispose()


def read_text(path: Path, shown: str) -> str:
    """A text file's content; a file that is not UTF-8 is an InputError at the line of the first
    bad byte, with how to convert it."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InputError(Problem(shown, line, f"not valid UTF-8 ({e.reason} at byte {e.start})",
                                 f"save it as UTF-8; from GBK, for example: iconv -f GBK -t UTF-8 {path.name} > {path.name}.utf8 "
                                 f"&& mv {path.name}.utf8 {path.name}")) from None


def load(path: Path, shown: str) -> Any:
    """Parse a YAML file; a syntax error becomes an InputError at `shown:line`."""
    import yaml

    text = read_text(path, shown)
    try:
        return _load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        msg = "malformed YAML: " + " ".join(str(x) for x in (e.context, e.problem) if x)
        raise InputError(Problem(shown, line, msg,
                                 "check indentation, and quote values containing ': ' or '#'"))
    except yaml.YAMLError as e:
        raise InputError(Problem(shown, None, f"malformed YAML: {e}", None))


def line_of(data: Any, loc: tuple) -> int | None:
    """The line that best matches a pydantic error location inside loaded data."""
    line = getattr(data, "line", None) or None
    node = data
    for part in loc:
        if isinstance(node, LDict) and part in node:
            line = node.lines.get(part, line)
            node = node[part]
        elif isinstance(node, LList) and isinstance(part, int) and part < len(node):
            line = node.lines[part]
            node = node[part]
        else:
            break
    return line
