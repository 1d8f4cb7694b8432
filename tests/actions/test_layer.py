"""The action layer holds across the code: no default actor anywhere, no audit entry written around an
action in the modules whose changes are actions, and no web module importing a command-line module."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import yuqing
from tests import source_tree

SRC = Path(yuqing.__file__).parent

# Modules outside the case desk whose changes of state are actions (respond/ has its own test_layer).
ACTION_MODULES = ["accounts.py", "profile_admin.py", "events_admin.py", "importer.py", "collect/sources.py",
                  "collect/schedule.py", "collect/push.py", "collect/retention.py", "store/analysis.py",
                  "sessions.py", "exports.py"]


def _trees(under: str = "") -> Iterator[tuple[str, ast.AST]]:
    for path, tree in source_tree.trees(under):
        yield str(path.relative_to(SRC)), tree


def test_nothing_acts_as_an_anonymous_system_actor() -> None:
    found = []
    for name, tree in _trees():
        for node in ast.walk(tree):
            if ((isinstance(node, ast.ImportFrom) and any(a.name == "SYSTEM" for a in node.names))
                    or (isinstance(node, ast.Attribute) and node.attr == "SYSTEM")
                    or (isinstance(node, ast.Name) and node.id == "SYSTEM")):
                found.append(f"{name}:{node.lineno}")  # type: ignore[attr-defined]
    assert found == [], f"acts as roles.SYSTEM: {found}"


def test_the_action_modules_audit_only_through_their_actions() -> None:
    found = []
    for name, tree in _trees():
        if name not in ACTION_MODULES:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "append" and isinstance(node.value, ast.Name) \
                    and node.value.id == "audit":
                found.append(f"{name}:{node.lineno}")
            if isinstance(node, ast.arg) and node.arg == "actor" and name != "importer.py" \
                    and name != "collect/retention.py":
                found.append(f"{name}:{node.lineno} takes an actor (an action gets it from its Tx)")
    assert found == []


def test_web_imports_no_command_line_module() -> None:
    found = []
    for name, tree in _trees("web"):
        for node in ast.walk(tree):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            if any(m.split(".")[-1] == "cli" or m == "yuqing.cli" for m in modules):
                found.append(f"{name}:{node.lineno}")  # type: ignore[attr-defined]
    assert found == [], f"web imports a CLI module: {found}"


def test_pages_and_the_api_write_the_audit_log_only_through_actions() -> None:
    found = []
    for name, tree in _trees("web"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "append" and isinstance(node.value, ast.Name) \
                    and node.value.id == "audit":
                found.append(f"{name}:{node.lineno}")
    assert found == [], f"web writes audit entries itself: {found}"
