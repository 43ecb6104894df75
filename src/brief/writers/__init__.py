"""Writers: one per format, each `write(document, project_root) -> bytes`.

They are imported only when used, so the CLI starts fast.
"""

from __future__ import annotations

from collections.abc import Callable

from brief.errors import InputError, Problem

WRITERS = {"docx": "brief.writers.docx", "pdf": "brief.writers.pdf"}


def get_writer(fmt: str) -> Callable:
    """The `write` function of a format."""
    import importlib

    if fmt not in WRITERS:
        raise InputError(Problem(None, None, f"unknown format '{fmt}'", f"choose from {', '.join(WRITERS)}"))
    return importlib.import_module(WRITERS[fmt]).write
