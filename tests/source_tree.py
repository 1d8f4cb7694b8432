"""The package's modules parsed once per test run, for the tests that read the code base (audit codes and
notification kinds with Chinese names, the action layer's rules): parsing some 270 modules took each of
them seconds."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import yuqing

SRC = Path(yuqing.__file__).parent


@cache
def parsed() -> dict[Path, ast.Module]:
    """Every module under src/yuqing, by path, parsed."""
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(SRC.rglob("*.py"))}


def trees(under: str = "") -> list[tuple[Path, ast.Module]]:
    """(path, tree) of the modules below `under` (a folder of the package, e.g. "web"; all by default)."""
    root = SRC / under if under else SRC
    return [(path, tree) for path, tree in parsed().items() if path.is_relative_to(root)]
