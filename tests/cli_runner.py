"""The `yuqing` command run in-process with the arguments, environment and standard input a subprocess would
get, answering like `subprocess.run` (returncode, stdout, stderr).

Starting the command in a new Python costs about 1.5 s of imports; the CLI tests made some 130 such calls,
minutes of every CI suite. What a subprocess adds (the entry point, a fresh interpreter) is checked once, in
tests/test_cli.py; everything else about the command is the same code run here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from typer.testing import CliRunner

from yuqing.cli import app


@dataclass(frozen=True, slots=True)
class Ran:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, env: Mapping[str, str | None] | None = None, input: str | None = None) -> Ran:
    """Run `yuqing ARGS`. `env` adds to the current environment (None removes a variable), as a subprocess's
    environment would; `input` is its standard input (empty, not a terminal, when None)."""
    runner = CliRunner()
    result = runner.invoke(app, list(args), env=dict(env or {}), input=input or "", catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a crash is a test failure with its traceback, not an exit code
    return Ran(tuple(args), result.exit_code, result.stdout, result.stderr)
