"""The command line's parser: commands declared as functions whose defaults say what each option
and argument is (`Option(...)`, `Argument(...)`), parsed with the standard library's argparse.

A command's parameters are read from its signature: the annotation gives the type (str, int,
Path, bool for a flag, List[str] for a repeated option or for one or more arguments), the default
the rest. `brief --help` and every command's `--help` are made here, in one style; a usage
error prints the command's usage, how to get help, and `Error: …` on stderr, and exits with 2.
argparse costs a fraction of the start-up time of a framework built on type adapters, which a
run of `brief generate` would pay for a handful of options.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any, Callable

WIDTH = 80
USAGE_ERROR = 2


class UsageError(Exception):
    """A command line that cannot be parsed: `message` for `Error: …`, `prog` for its usage."""

    def __init__(self, message: str, prog: str, usage: str):
        super().__init__(message)
        self.prog, self.usage = prog, usage


class Option:
    """An option: its default, its names (`--topic`, `-t`), its help, and bounds for a number."""

    def __init__(self, default: Any = None, *names: str, help: str = "", min: int | None = None,
                 max: int | None = None, file_okay: bool = True):
        self.default, self.names, self.help = default, names, help
        self.min, self.max, self.file_okay = min, max, file_okay


class Argument:
    """A positional argument (`...` as its default: required)."""

    def __init__(self, default: Any = ..., *, help: str = ""):
        self.default, self.help = default, help


class _Param:
    """One parameter of a command, as the parser and the help need it."""

    def __init__(self, dest: str, spec: Option | Argument, annotation: str):
        self.dest, self.spec = dest, spec
        self.kind = _kind(annotation, dest)
        self.positional = isinstance(spec, Argument)
        self.required = spec.default is ...
        self.default = None if self.required else spec.default
        if self.positional:
            self.metavar = dest.upper()
        elif self.kind == "flag":
            self.metavar = ""
        elif self.kind == "path":
            self.metavar = "<path>" if spec.file_okay else "<dir>"
        else:
            self.metavar = "<int>" if self.kind == "int" else "<str>"

    def convert(self, text: str) -> Any:
        if self.kind == "path":
            return Path(text)
        if self.kind == "int":
            try:
                n = int(text)
            except ValueError:
                raise ValueError(f"'{text}' is not a whole number") from None
            lo, hi = self.spec.min, self.spec.max
            if (lo is not None and n < lo) or (hi is not None and n > hi):
                raise ValueError(f"{n} is not in {lo}..{hi}" if lo is not None and hi is not None
                                 else f"{n} is less than {lo}" if lo is not None else f"{n} is more than {hi}")
            return n
        return text

    @property
    def shown(self) -> str:
        """How the help and the errors name it: 'SOURCE', or '-t, --topic'."""
        return self.metavar if self.positional else ", ".join(sorted(self.spec.names, key=len))


def _kind(annotation: str, dest: str) -> str:
    text = str(annotation).replace("typing.", "").replace(" ", "")
    for names, kind in ((("bool",), "flag"), (("List[str]", "list[str]"), "list"), (("int", "Optional[int]", "int|None"), "int"),
                        (("Path", "Optional[Path]", "Path|None"), "path"), (("str", "Optional[str]", "str|None"), "str")):
        if text in names:
            return kind
    raise TypeError(f"parameter '{dest}': the command line has no type for {annotation!r}")


class Command:
    """A command: a function, its name, its help (the docstring) and its parameters."""

    def __init__(self, fn: Callable, name: str):
        self.fn, self.name = fn, name
        self.help = textwrap.dedent(fn.__doc__ or "").strip()
        code = fn.__code__
        names = code.co_varnames[:code.co_argcount]
        defaults = fn.__defaults__ or ()
        if len(defaults) != len(names):
            raise TypeError(f"command '{name}': every parameter needs an Option(...) or an Argument(...)")
        self.params = [_Param(n, d, fn.__annotations__.get(n, "str")) for n, d in zip(names, defaults)]

    def usage(self, prog: str) -> str:
        args = " ".join(p.metavar + ("..." if p.kind == "list" else "") for p in self.params if p.positional)
        return f"Usage: {prog} [OPTIONS]{' ' + args if args else ''}"

    def format_help(self, prog: str) -> str:
        out = [self.usage(prog), "", *_indented(self.help), ""]
        positional = [p for p in self.params if p.positional]
        if positional:
            out += ["Arguments:", *_rows([(p.metavar, p.spec.help + ("  [required]" if p.required else ""))
                                          for p in positional]), ""]
        rows = []
        for p in self.params:
            if p.positional:
                continue
            text = p.spec.help
            if p.required:
                text += "  [required]"
            elif p.default not in (None, False, [], ()):
                text += f"  [default: {p.default}]"
            rows.append((f"{p.shown} {p.metavar}".strip(), text))
        rows.append(("-h, --help", "Show this message and exit."))
        return "\n".join(out + ["Options:", *_rows(rows)]) + "\n"

    def invoke(self, args: list[str], prog: str) -> None:
        import argparse

        cmd = self

        class Parser(argparse.ArgumentParser):
            def error(self, message):  # argparse's errors, in the words of this command line
                raise UsageError(_reword(message, cmd), prog, cmd.usage(prog))

        parser = Parser(prog=prog, add_help=False, allow_abbrev=False)
        for p in self.params:
            conv = _converter(p)
            if p.positional:
                parser.add_argument(p.dest, nargs="+" if p.kind == "list" else None, type=conv, metavar=p.metavar)
            elif p.kind == "flag":
                parser.add_argument(*p.spec.names, dest=p.dest, action="store_true", default=bool(p.default))
            elif p.kind == "list":
                parser.add_argument(*p.spec.names, dest=p.dest, action="append", default=None, type=conv,
                                    metavar=p.metavar)
            else:
                parser.add_argument(*p.spec.names, dest=p.dest, type=conv, metavar=p.metavar,
                                    default=None if p.required else p.default, required=p.required)
        ns = parser.parse_args(_values_joined(args, {n for p in self.params if not p.positional and p.kind != "flag"
                                                     for n in p.spec.names}))
        values = vars(ns)
        for p in self.params:
            if p.kind == "list" and not p.positional and values[p.dest] is None:
                values[p.dest] = list(p.default or [])
        self.fn(**values)


def _values_joined(args: list[str], takes_value: set[str]) -> list[str]:
    """An option's value joined to its name (`--id=-x`), so that a value that starts with '-' is
    taken as the value, as the option asks, not as another option."""
    out, i = [], 0
    while i < len(args):
        a = args[i]
        if a == "--":
            return out + args[i:]
        if a in takes_value and i + 1 < len(args):
            out.append(f"{a}={args[i + 1]}" if a.startswith("--") else a + args[i + 1])
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def _converter(p: _Param):
    import argparse

    def convert(text: str):
        try:
            return p.convert(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    convert.__name__ = p.kind
    return convert


def _reword(message: str, cmd: Command) -> str:
    """argparse's message, as this command line says it."""
    if message.startswith("unrecognized arguments: "):
        extra = message.removeprefix("unrecognized arguments: ")
        first = extra.split()[0] if extra.split() else extra
        return f"No such option: {first}" if first.startswith("-") else f"Got unexpected extra argument ({extra})"
    if message.startswith("the following arguments are required: "):
        missing = message.removeprefix("the following arguments are required: ").split(", ")
        positional = {p.metavar for p in cmd.params if p.positional}
        first = missing[0]
        return f"Missing argument '{first}'." if first in positional else f"Missing option '{first.split('/')[-1]}'."
    if message.startswith("argument "):
        where, _, what = message.removeprefix("argument ").partition(": ")
        names = where.split("/")
        return f"Invalid value for '{max(names, key=len)}': {what}" if what else message
    return message[:1].upper() + message[1:]


def _indented(text: str) -> list[str]:
    out = []
    for para in text.split("\n\n"):
        out += textwrap.wrap(" ".join(para.split()), WIDTH - 2, initial_indent="  ", subsequent_indent="  ") or [""]
        out.append("")
    return out[:-1]


def _rows(rows: list[tuple[str, str]]) -> list[str]:
    """Two columns: names, and their help wrapped beside them."""
    left = min(max((len(a) for a, _ in rows), default=0), 24) + 4
    out = []
    for a, b in rows:
        wrapped = textwrap.wrap(" ".join(b.split()), max(20, WIDTH - left)) or [""]
        if len(a) + 4 > left:
            out.append(f"  {a}")
            out += [" " * left + w for w in wrapped]
        else:
            out.append(f"  {a:<{left - 2}}{wrapped[0]}")
            out += [" " * left + w for w in wrapped[1:]]
    return out


class App:
    """A group of commands (and of groups: `brief finding add`), with options of its own that a
    callback receives before the command runs (`brief --project DIR generate …`)."""

    def __init__(self, help: str = ""):
        self.help = help
        self.commands: dict[str, Command | App] = {}
        self._callback: Command | None = None

    def command(self, name: str | None = None):
        def register(fn):
            n = name or fn.__name__.rstrip("_").replace("_", "-")
            self.commands[n] = Command(fn, n)
            return fn
        return register

    def callback(self):
        def register(fn):
            self._callback = Command(fn, "")
            return fn
        return register

    def add_group(self, group: "App", name: str) -> None:
        self.commands[name] = group

    def usage(self, prog: str) -> str:
        return f"Usage: {prog} [OPTIONS] COMMAND [ARGS]..."

    def format_help(self, prog: str) -> str:
        out = [self.usage(prog), "", *_indented(self.help), "", "Options:"]
        own = [(f"{p.shown} {p.metavar}".strip(), p.spec.help) for p in (self._callback.params if self._callback else [])]
        out += _rows(own + [("-h, --help", "Show this message and exit.")])
        out += ["", "Commands:"]
        rows = []
        for n, c in self.commands.items():
            first = " ".join(c.help.split("\n\n")[0].split())
            rows.append((n, first if len(first) <= WIDTH - 16 else first[:WIDTH - 19].rsplit(" ", 1)[0] + "..."))
        return "\n".join(out + _rows(rows)) + "\n"

    def invoke(self, args: list[str], prog: str) -> int:
        """Parse this group's own options up to the command's name, then hand the rest on."""
        own = self._callback.params if self._callback else []
        by_name = {n: p for p in own for n in p.spec.names}
        values: dict[str, Any] = {p.dest: p.default for p in own}
        i = 0
        while i < len(args) and args[i].startswith("-") and args[i] != "-":
            a = args[i]
            if a in ("-h", "--help"):
                print(self.format_help(prog), end="")
                return 0
            name, eq, text = a.partition("=")
            p = by_name.get(name)
            if p is None:
                raise UsageError(f"No such option: {name}", prog, self.usage(prog))
            if p.kind == "flag":
                values[p.dest] = True
                i += 1
                continue
            if not eq:
                if i + 1 >= len(args):
                    raise UsageError(f"Option '{name}' requires an argument.", prog, self.usage(prog))
                text, i = args[i + 1], i + 1
            try:
                values[p.dest] = p.convert(text)
            except ValueError as e:
                raise UsageError(f"Invalid value for '{name}': {e}", prog, self.usage(prog)) from None
            i += 1
        if i >= len(args):
            print(self.format_help(prog), end="", file=sys.stderr)
            return USAGE_ERROR
        name, rest = args[i], args[i + 1:]
        cmd = self.commands.get(name)
        if cmd is None:
            raise UsageError(f"No such command '{name}'.", prog, self.usage(prog))
        if self._callback is not None:
            self._callback.fn(**values)
        sub = f"{prog} {name}"
        if isinstance(cmd, App):
            return cmd.invoke(rest, sub)
        before = rest[:rest.index("--")] if "--" in rest else rest
        if "-h" in before or "--help" in before:
            print(cmd.format_help(sub), end="")
            return 0
        cmd.invoke(rest, sub)
        return 0

    def __call__(self, args: list[str] | None = None, prog: str = "brief") -> int:
        """Run the command line; the exit status (a command may also end it with SystemExit)."""
        try:
            return self.invoke(list(sys.argv[1:] if args is None else args), prog)
        except KeyboardInterrupt:  # Ctrl-C: the command stops, as a shell's commands do
            print("Aborted.", file=sys.stderr)
            return 130
        except UsageError as e:
            from brief.errors import for_terminal  # (a command line's words never reach the terminal raw)

            print(f"{e.usage}\nTry '{e.prog} --help' for help.\n\n{for_terminal(str(e), 'Error: ')}", file=sys.stderr)
            return USAGE_ERROR
