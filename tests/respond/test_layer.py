"""The case desk is one action layer: every change is an `Action` with an explicit actor; nothing in respond
acts as the anonymous all-powerful `roles.SYSTEM`."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import yuqing.respond
from yuqing.actions import Action
from yuqing.domain import lifecycle as lc
from yuqing.respond import dispatch

RESPOND = Path(yuqing.respond.__file__).parent
MODULES = sorted(m.name for m in pkgutil.iter_modules([str(RESPOND)]))
# The demo seed builds a fictional district (units, people, events) before and around its stories; its case
# steps are actions by the demo's named people, its set-up writes are not case-desk actions.
SEED = {"demo", "demo_cases", "demo_library"}


def _source(name: str) -> str:
    return (RESPOND / f"{name}.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", MODULES)
def test_no_module_in_respond_uses_the_anonymous_system_actor(name):
    tree = ast.parse(_source(name))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert "SYSTEM" not in {a.name for a in node.names}, f"{name} imports roles.SYSTEM"
        if isinstance(node, ast.Name):
            assert node.id != "SYSTEM", f"{name} uses SYSTEM"
        if isinstance(node, ast.Attribute):
            assert node.attr != "SYSTEM", f"{name} uses roles.SYSTEM"


@pytest.mark.parametrize("name", sorted(set(MODULES) - SEED))
def test_every_public_state_changing_function_in_respond_is_an_action(name):
    """No plain function opens a write transaction or appends to the audit chain: the actions do."""
    module = importlib.import_module(f"yuqing.respond.{name}")
    for attr, obj in vars(module).items():
        if inspect.isfunction(obj) and obj.__module__ == module.__name__:
            src = inspect.getsource(obj)
            assert ".write()" not in src and "audit.append" not in src, (
                f"{name}.{attr} changes state outside an action: make it an @action")
        if isinstance(obj, Action) and obj.__module__ == module.__name__:
            assert "tx" in inspect.signature(obj.body).parameters, f"{name}.{attr}"


def test_the_lifecycle_handlers_run_actions():
    actions = {name: obj for m in MODULES if m not in SEED
               for name, obj in vars(importlib.import_module(f"yuqing.respond.{m}")).items()
               if isinstance(obj, Action)}
    assert len(actions) >= 30
    expected = {"open_case", "assess", "report", "assign", "reassign", "return_case", "escalate", "dismiss",
                "close", "confirm", "watch", "reopen", "evaluate", "sign", "start", "submit_feedback",
                "approve_feedback", "return_feedback", "contribute", "review", "reject_feedback", "complete_task",
                "request_extension", "decide_extension", "draft_reply", "approve_reply", "release_reply",
                "supervise", "instruct", "complete_instruction", "request_spot_check", "record_spot_check",
                "attach_item", "attach_follow_ups", "save_rule", "delete_rule", "export_rules_xlsx",
                "import_rules_xlsx", "remind_due", "spot_check", "record_view", "download_attachment"}
    assert expected <= set(actions), expected - set(actions)
    assert set(dispatch.HANDLERS) == set(lc.ACTIONS)
    for code, act in lc.ACTIONS.items():  # a lifecycle action declares its row's permission
        fn = {"return": "return_case", "reply": "release_reply", "pass_check": "record_spot_check",
              "fail_check": "record_spot_check"}.get(code, code)
        permission = actions[fn].permission
        assert permission == act.permission or (code in ("pass_check", "fail_check")
                                                and permission == "cases.spot_check"), code


def test_an_action_needs_an_explicit_actor(desk):
    from yuqing.respond import cases

    with pytest.raises(TypeError, match="explicit Actor"):
        cases.report(desk.ws, None, 1)  # type: ignore[arg-type]


def test_the_case_desk_routes_change_nothing_themselves():
    """Pages and API call actions; even the audited reads (a case viewed, an attachment downloaded) are actions."""
    web = RESPOND.parent / "web"
    for path in (web / "pages" / "cases.py", web / "pages" / "case_open.py", web / "api" / "cases.py"):
        src = path.read_text(encoding="utf-8")
        assert ".write()" not in src and "audit.append" not in src, path.name
        assert "respond.cli" not in src, f"{path.name} imports a CLI module"
