"""按期报送率 in the monthly statistics, counted by hand on three units over three days of November with the
clock frozen either side of the 17:00 cut-off, reproducible after December's changes, drillable to the days."""

from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.web.conftest import login
from yuqing.accounts import actor_of
from yuqing.clock import CHINA, frozen
from yuqing.collect import direct, direct_duty
from yuqing.collect.direct import Draft
from yuqing.jobs.tasks import run_task
from yuqing.reports.config import DEFAULTS
from yuqing.reports.periodic import parse_period, period_report
from yuqing.reports.render import render_period
from yuqing.reports.store import generate_period
from yuqing.web.app import create_app
from yuqing.workspace import Workspace


def t(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA)


@pytest.fixture
def november(ws: Workspace) -> dict[str, Any]:
    """应急办 and 网宣办 on the list from 3 Nov 08:00, 网安大队 from 3 Nov 17:30 (after that day's cut-off);
    all taken off on 6 Nov at 10:00 (before that day's cut-off): 3 + 3 + 2 owed days."""
    with ws.db.write() as s:
        office = actor_of(factories.user(s, "office", "office", display_name="办公室王"))
        people: dict[str, Any] = {"office": office, "analyst": actor_of(factories.user(s, "analyst", "analyst"))}
        for code, name in (("yj", "区应急办"), ("wx", "区网宣办"), ("wa", "区网安大队")):
            unit = factories.unit(s, name)
            people[code] = (unit.id, actor_of(factories.user(s, code, "unit_handler", unit)))
    with frozen(t(11, 3, 8)):
        direct_duty.set_duty(ws, office, people["yj"][0])
        direct_duty.set_duty(ws, office, people["wx"][0])
    with frozen(t(11, 3, 10)):
        direct_duty.submit_nothing(ws, people["wx"][1])
    with frozen(t(11, 3, 16, 59)):
        direct.report_item(ws, people["yj"][1], Draft(text="东湖公园游船侧翻传言，网友转发较多，需核实"))
    with frozen(t(11, 3, 17, 30)):
        direct_duty.set_duty(ws, office, people["wa"][0])
    with frozen(t(11, 3, 17, 40)):
        direct_duty.submit_nothing(ws, people["wa"][1])  # that day was not owed yet
    with frozen(t(11, 4, 9)):
        direct_duty.submit_nothing(ws, people["wx"][1])
    with frozen(t(11, 4, 16, 59)):
        assert run_task(ws, "direct.cutoff") == {"missing": []}
    with frozen(t(11, 4, 17, 1)):
        assert run_task(ws, "direct.cutoff") == {"missing": ["区应急办", "区网安大队"]}
        direct_duty.submit_nothing(ws, people["yj"][1])  # one minute late
    with frozen(t(11, 5, 16)):
        direct_duty.submit_nothing(ws, people["wx"][1])
    with frozen(t(11, 5, 17)):
        direct_duty.submit_nothing(ws, people["wa"][1])  # at the cut-off itself: on time
    with frozen(t(11, 6, 10)):
        for code in ("yj", "wx", "wa"):
            direct_duty.remove_duty(ws, office, people[code][0])
    return people


def figures(ws: Workspace, when: datetime = t(12, 1, 9)) -> dict[str, Any]:
    with frozen(when), ws.db.read() as s:
        return period_report(s, parse_period("monthly", "2026-11"), DEFAULTS)


def row(f: dict[str, Any], name: str) -> dict[str, Any]:
    return next(u for u in f["units"] if u["name"] == name)


def formula(r: dict[str, Any]) -> str:
    return str(next(x for x in r["rates"] if x["key"] == "submit_rate")["formula"])


def test_on_time_submission_per_unit_counted_by_hand(ws: Workspace, november: dict[str, Any]) -> None:
    f = figures(ws)
    yj, wx, wa = row(f, "区应急办"), row(f, "区网宣办"), row(f, "区网安大队")
    assert formula(yj) == "按期报送率 = 按期报送 1 / 应报送 3 = 33.3%"
    assert formula(wx) == "按期报送率 = 按期报送 3 / 应报送 3 = 100.0%"
    assert formula(wa) == "按期报送率 = 按期报送 1 / 应报送 2 = 50.0%"
    assert formula(f["total"]) == "按期报送率 = 按期报送 5 / 应报送 8 = 62.5%"
    assert yj["days"] == {"submit_due": ["2026-11-03", "2026-11-04", "2026-11-05"], "submit_on_time": ["2026-11-03"],
                          "submit_late": ["2026-11-04"], "submit_missing": ["2026-11-05"]}
    assert wa["days"]["submit_missing"] == ["2026-11-04"] and wa["day_info"]["2026-11-05"] == {
        "cutoff": "17:00", "first_at": "17:00"}
    assert yj["day_info"]["2026-11-04"] == {"cutoff": "17:00", "first_at": "17:01"}
    assert yj["cases"].keys().isdisjoint(yj["days"])  # days are not case ids
    assert f["total"]["days"]["submit_missing"] == ["2026-11-04 区网安大队", "2026-11-05 区应急办"]
    # While the month runs, only the cut-offs passed so far count.
    running = figures(ws, t(11, 4, 16, 59))
    assert formula(row(running, "区应急办")) == "按期报送率 = 按期报送 1 / 应报送 1 = 100.0%"
    assert row(figures(ws, t(11, 4, 17, 1)), "区应急办")["days"]["submit_missing"] == ["2026-11-04"]


def test_regenerating_november_after_december_changes_gives_same_figures(
        ws: Workspace, november: dict[str, Any]) -> None:
    before = figures(ws)
    office = november["office"]
    with frozen(t(12, 1, 8)):
        direct_duty.set_duty(ws, office, november["yj"][0], "09:00")  # back on the list, earlier cut-off
        direct_duty.set_duty(ws, office, november["wa"][0])
    with frozen(t(12, 2, 8)):
        direct_duty.submit_nothing(ws, november["yj"][1])
        direct_duty.remove_duty(ws, office, november["wa"][0])
    assert figures(ws, t(12, 20, 9)) == before
    with frozen(t(12, 20, 9)), ws.db.read() as s:
        december = period_report(s, parse_period("monthly", "2026-12"), DEFAULTS)
    assert formula(row(december, "区应急办")) == "按期报送率 = 按期报送 1 / 应报送 20 = 5.0%"
    assert row(december, "区网安大队")["days"]["submit_missing"] == ["2026-12-01"]  # off on the 2nd at 08:00


def test_the_bulletin_page_files_and_drill_down_to_days(ws: Workspace, november: dict[str, Any]) -> None:
    from docx import Document
    from openpyxl import load_workbook

    with frozen(t(12, 1, 9)):
        stored = generate_period(ws, november["analyst"], "monthly", "2026-11")
    text = "\n".join(p.text for p in Document(io.BytesIO(render_period(
        "docx", stored.figures, who="办公室王", district="示例区"))).paragraphs)
    assert "按期报送率 = 按期报送 1 / 应报送 3 = 33.3%" in text
    wb = load_workbook(io.BytesIO(render_period("xlsx", stored.figures, who="办公室王", district="示例区")))
    detail = [r for r in wb["报送明细"].iter_rows(min_row=3, values_only=True) if r[0] == "区应急办"]
    assert detail == [("区应急办", "2026-11-03", "17:00", "16:59", "按期报送"),
                      ("区应急办", "2026-11-04", "17:00", "17:01", "迟报"),
                      ("区应急办", "2026-11-05", "17:00", "未报送", "未报送")]
    with frozen(t(12, 1, 9)), TestClient(create_app(ws), base_url="http://127.0.0.1",
                                         headers={"accept": "text/html"}) as client:
        login(client, "office")
        page = client.get("/reports/monthly/2026-11")
        assert page.status_code == 200 and "每日报送（舆情直报）" in page.text
        assert "按期报送率 = 按期报送 3 / 应报送 3 = 100.0%" in page.text
        link = re.search(rf'href="(/reports/monthly/2026-11/cases\?unit={november["yj"][0]}&amp;count=submit_missing)"',
                         page.text)
        assert link
        drill = client.get(link.group(1).replace("&amp;", "&"))
        assert drill.status_code == 200 and "区应急办 · 未报送 1 天" in drill.text
        assert "<td>2026-11-05</td>" in drill.text
        every = client.get("/reports/monthly/2026-11/cases?count=submit_late").text
        assert "<td>2026-11-04</td><td>区应急办</td><td>17:00</td><td>17:01</td><td>迟报</td>" in every


def test_a_unit_off_the_daily_list_shows_no_submission_rate(ws: Workspace, november: dict[str, Any]) -> None:
    """三、各单位比率: a unit with cases but never on the daily list gets no 按期报送率 = 0 / 0 line (web and DOCX)."""
    import copy

    from docx import Document

    with frozen(t(12, 1, 9)):
        stored = generate_period(ws, november["analyst"], "monthly", "2026-11")
    figures = copy.deepcopy(stored.figures)
    town = copy.deepcopy(next(u for u in figures["units"] if u["name"] == "区应急办"))
    town.update(name="区城管局", unit_id=999, counts={k: 0 for k in town["counts"]} | {"received": 1})
    for x in town["rates"]:
        if x["key"] == "submit_rate":
            x["formula"] = "按期报送率 = 按期报送 0 / 应报送 0 = 无（应报送为 0）"
    figures["units"].append(town)
    html = render_period("html", figures, who="办公室王", district="示例区").decode()
    text = "\n".join(p.text for p in Document(io.BytesIO(render_period(
        "docx", figures, who="办公室王", district="示例区"))).paragraphs)
    for shown in (html, text):
        rates = shown.split("各单位比率")[1]
        assert "区城管局" in rates and "按期报送率 = 按期报送 1 / 应报送 3 = 33.3%" in rates
        assert "应报送 0" not in rates
