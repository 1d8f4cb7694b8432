"""Docs cannot rot: every setting and every top-level CLI command is named in the README."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer.main

from yuqing.cli import app
from yuqing.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
UNDOCUMENTED_SETTINGS = {"workspace", "host", "port"}  # given on the command line, not in yuqing.toml


@pytest.mark.parametrize("name", sorted(set(Settings.model_fields) - UNDOCUMENTED_SETTINGS))
def test_setting_is_documented(name: str) -> None:
    assert f"`{name}`" in README and f"YUQING_{name.upper()}" in README


def test_every_cli_command_is_documented() -> None:
    group = typer.main.get_command(app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    missing = [n for n in names if f"yuqing {n}" not in README and f" {n} " not in README]
    assert not missing, f"README names no example of: {missing}"
