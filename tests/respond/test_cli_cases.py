"""`yuqing cases open` and `cases show --json`, through the command run in-process (tests/cli_runner.py; the
contract checks outside the suite rely on): the id alone on the last line, the case as one JSON object, a named account always."""

from __future__ import annotations

import json

from tests import factories
from tests.cli_runner import Ran, run_cli


def yuqing(*args: str) -> Ran:
    return run_cli(*args)


def test_open_assign_and_show(desk):
    with desk.ws.db.write() as s:
        ev = factories.event(s, title="桃源镇某工地拖欠农民工工资", places=["桃源镇"], topics=["劳动保障/欠薪"])
        eid = ev.id
    w = str(desk.ws.path)
    r = yuqing("-w", w, "cases", "open", "--event", str(eid))
    assert r.returncode != 0 and "--as" in r.stderr  # never an anonymous actor
    r = yuqing("-w", w, "cases", "open", "--event", str(eid), "--as", "analyst", "--assign")
    assert r.returncode == 1 and "无权" in r.stderr  # the analyst cannot dispatch
    r = yuqing("-w", w, "cases", "open", "--event", str(eid), "--as", "office", "--assign", "--working-days", "3",
               "--title", "桃源镇欠薪")
    assert r.returncode == 0, r.stderr
    case_id = int(r.stdout.strip().splitlines()[-1])
    shown = yuqing("-w", w, "cases", "show", str(case_id), "--json", "--as", "office")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert {"id", "state", "event_id", "units", "proposal", "due_at", "history"} <= set(data)
    assert data["id"] == case_id and data["state"] == "assigned" and data["event_id"] == eid
    assert [(u["name"], u["role"]) for u in data["units"]] == [("桃源镇人民政府", "lead"), ("劳动保障局", "assist")]
    assert data["units"][0]["id"] == desk.town
    assert [(p["unit"], p["role"]) for p in data["proposal"]] == [("桃源镇人民政府", "lead"), ("劳动保障局", "assist")]
    assert all(p["reason"] for p in data["proposal"]) and data["due_at"]
    assert [h["action"] for h in data["history"]][:4] == ["open", "assess", "report", "assign"]
    again = yuqing("-w", w, "cases", "open", "--event", str(eid), "--as", "office")
    assert again.returncode == 1 and "已有未办结" in again.stderr
    r = yuqing("-w", w, "cases", "open", "--event", str(eid), "--as", "analyst", "--second", "--due", "2099-01-05")
    assert r.returncode == 0, r.stderr
    second = json.loads(yuqing("-w", w, "cases", "show", r.stdout.split()[-1], "--json", "--as", "analyst").stdout)
    assert second["state"] == "found" and second["due_at"] is None  # the deadline starts at assignment
    hidden = yuqing("-w", w, "cases", "show", str(case_id), "--json", "--as", "other_h")
    assert hidden.returncode != 0 and "不存在或无权查看" in hidden.stderr
    bad = yuqing("-w", w, "cases", "open", "--event", str(eid), "--as", "office", "--days", "2", "--due", "2099-01-01")
    assert bad.returncode == 2


def test_without_as_the_workspace_operator_acts(desk, tmp_path):
    from yuqing.workspace import init_workspace

    with desk.ws.db.write() as s:
        eid = factories.event(s, title="桃源镇路灯不亮", places=["桃源镇"], topics=["城管"]).id
    w = str(desk.ws.path)
    r = run_cli("-w", w, "cases", "open", "--event", str(eid), env={"YUQING_OPERATOR": "office"})
    assert r.returncode == 0, r.stderr
    case_id = r.stdout.strip().splitlines()[-1]
    shown = json.loads(yuqing("-w", w, "cases", "show", case_id, "--json", "--as", "office").stdout)
    assert shown["history"][0]["actor"] == factories_office_name(desk)
    r = run_cli("-w", w, "cases", "open", "--event", str(eid), env={"YUQING_OPERATOR": "nobody"})
    assert r.returncode != 0 and "nobody" in r.stderr  # a named account that does not exist is refused
    assert init_workspace(tmp_path / "demo_like", demo=True).settings.operator == "office"


def factories_office_name(desk) -> str:
    from sqlalchemy import select

    from yuqing.store.tables import User

    with desk.ws.db.read() as s:
        return s.execute(select(User.display_name).where(User.username == "office")).scalar_one()
