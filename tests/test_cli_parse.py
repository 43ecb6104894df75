"""The command line's parser (brief.cli.app): options and arguments read from a command's
signature, help in one style, and usage errors as one clear message with exit status 2."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import List, Optional

import pytest

from brief.cli.app import App, Argument, Option


def make_app(seen: dict) -> App:
    app = App(help="A test tool.")

    @app.callback()
    def options(project: Optional[Path] = Option(None, "--project", "-C", help="Where.", file_okay=False)):
        seen["project"] = project

    @app.command()
    def add(
        source: str = Argument(..., help="The source."),
        words: List[str] = Argument(..., help="Words."),
        kind: Optional[str] = Option(None, "--kind", "-k", help="A kind."),
        tag: List[str] = Option([], "--tag", "-t", help="A tag; repeat for several."),
        count: int = Option(3, "--count", "-n", min=1, max=9, help="How many."),
        out: Path = Option(Path("out"), "--out", "-o", help="Where to."),
        dry_run: bool = Option(False, "--dry-run", help="Write nothing."),
    ):
        """Add something.

        A second paragraph."""
        seen.update(source=source, words=words, kind=kind, tag=tag, count=count, out=out, dry_run=dry_run)

    group = App(help="Work on groups.")
    app.add_group(group, "group")

    @group.command("list")
    def group_list(all_: bool = Option(False, "--all", help="Every one.")):
        """List them."""
        seen["all"] = all_

    return app


def run(args: list[str]):
    seen: dict = {}
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = make_app(seen)(args, prog="tool")
    return code, out.getvalue(), err.getvalue(), seen


def test_options_and_arguments_are_parsed_with_their_types_and_defaults():
    code, _, err, seen = run(["-C", "proj", "add", "s1", "w1", "w2", "-t", "a", "--tag=b", "-n", "4", "--dry-run"])
    assert code == 0, err
    assert seen == {"project": Path("proj"), "source": "s1", "words": ["w1", "w2"], "kind": None, "tag": ["a", "b"],
                    "count": 4, "out": Path("out"), "dry_run": True}


def test_a_value_that_starts_with_a_dash_is_the_options_value():
    code, _, err, seen = run(["add", "s1", "w", "--kind", "-x", "-t", "--y"])
    assert code == 0, err
    assert seen["kind"] == "-x" and seen["tag"] == ["--y"]


def test_after_a_double_dash_everything_is_an_argument():
    code, _, err, seen = run(["add", "--", "-s", "--help"])
    assert code == 0, err
    assert seen["source"] == "-s" and seen["words"] == ["--help"]


@pytest.mark.parametrize("args, message", [
    (["add", "s1", "w", "--bogus"], "Error: No such option: --bogus"),
    (["add"], "Error: Missing argument 'SOURCE'."),
    (["add", "s1", "w", "-n", "0"], "Error: Invalid value for '--count': 0 is not in 1..9"),
    (["add", "s1", "w", "-n", "x"], "Error: Invalid value for '--count': 'x' is not a whole number"),
    (["nope"], "Error: No such command 'nope'."),
    (["--nope", "add"], "Error: No such option: --nope"),
    (["-C"], "Error: Option '-C' requires an argument."),
    (["group", "list", "--al"], "Error: No such option: --al"),
])
def test_a_usage_error_is_one_message_with_the_usage_and_exit_status_2(args, message):
    code, out, err, seen = run(args)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0].startswith("Usage: tool") and "--help' for help." in lines[1] and lines[-1] == message, err
    assert "source" not in seen  # the command did not run


def test_no_command_prints_the_help_on_stderr_and_fails():
    for args in ([], ["group"]):
        code, out, err, _ = run(args)
        assert code == 2 and out == "" and "Commands:" in err


def test_help_lists_commands_arguments_options_and_defaults():
    code, out, _, _ = run(["--help"])
    assert code == 0
    assert "Commands:\n  add    Add something.\n  group  Work on groups." in out
    assert "-C, --project <dir>" in out
    code, out, _, seen = run(["add", "--help"])
    assert code == 0 and "source" not in seen
    assert out.startswith("Usage: tool add [OPTIONS] SOURCE WORDS...\n\n  Add something.\n\n  A second paragraph.\n")
    assert "Arguments:\n  SOURCE  The source. [required]\n  WORDS   Words. [required]" in out
    assert "-n, --count <int>" in out and "[default: 3]" in out and "[default: out]" in out
    assert "[default: False]" not in out and "[default: []]" not in out
    code, out, _, _ = run(["group", "--help"])
    assert code == 0 and "Commands:\n  list  List them." in out


def test_a_parameter_of_a_type_the_command_line_cannot_read_is_refused_when_declared():
    app = App()
    with pytest.raises(TypeError, match="no type for 'float'"):
        @app.command()
        def bad(x: float = Option(1.0, "--x")):
            """Bad."""


def test_ctrl_c_ends_the_command_without_a_traceback():
    app = App()

    @app.command()
    def wait():
        """Wait."""
        raise KeyboardInterrupt

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert app(["wait"]) == 130
    assert err.getvalue() == "Aborted.\n"
