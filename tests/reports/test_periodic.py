"""Monthly statistics (月统计) counted by hand on a small November, driven through the real case actions, and
reproducible: changes in December do not move November's numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests import factories
from tests.respond.conftest import Desk, desk  # noqa: F401  (the case-desk fixture)
from yuqing.clock import CHINA, frozen
from yuqing.reports.config import DEFAULTS
from yuqing.reports.periodic import parse_period, period_report, previous_period
from yuqing.respond import cases, casework, jobs, spotchecks, supervision
from yuqing.respond.errors import CaseError


def t(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHINA)


def assigned(d: Desk, when: datetime, lead: int, due: datetime, title: str, posted: datetime | None = None) -> int:
    """A grade IV case opened, assessed, reported and assigned to `lead` at `when`."""
    with frozen(when):
        with d.ws.db.write() as s:
            ev = factories.event(s, title=title, places=["桃源镇"], grade="IV")
            if posted is not None:
                factories.item(s, title=title, published_at=posted, captured_at=posted, event_id=ev.id)
            ev_id = ev.id
        cid = cases.open_case(d.ws, d.analyst, title=title, event_id=ev_id, grade="IV").id
        cases.assess(d.ws, d.analyst, cid)
        cases.report(d.ws, d.analyst, cid)
        cases.assign(d.ws, d.office, cid, lead=lead, due_at=due)
    return cid


def feedback_closed(d: Desk, cid: int, handler: Any, leader: Any, at: datetime, explanation: str = "") -> None:
    with frozen(at):
        casework.submit_feedback(d.ws, handler, cid, "已办理", explanation=explanation)
    with frozen(at.replace(minute=30)):
        casework.approve_feedback(d.ws, leader, cid)
        casework.review(d.ws, d.office, cid)
        cases.close(d.ws, d.office, cid)


@pytest.fixture
def november(desk: Desk) -> dict[str, Any]:  # noqa: F811
    d = desk
    with d.ws.db.write() as s:
        labour_leader = factories.user(s, "labour_l", "unit_leader", s.get(factories.Unit, d.labour),
                                       display_name="劳保局局长")
    from yuqing.accounts import actor_of

    with d.ws.db.read() as s:
        labour_leader_actor = actor_of(s.get(factories.User, labour_leader.id))
    # D: labour, assigned in October, feedback late in November, closed, spot check failed, redone, verified.
    cd = assigned(d, t(10, 28, 9), d.labour, t(11, 3, 18), "D 欠薪")
    with frozen(t(10, 28, 10)):
        casework.sign(d.ws, d.labour_handler, cd)
    # A: town, on time all along, confirmed 满意.
    ca = assigned(d, t(11, 2, 9), d.town, t(11, 6, 18), "A 路灯", posted=t(11, 1, 21))
    with frozen(t(11, 2, 15)):
        casework.sign(d.ws, d.handler, ca)
    feedback_closed(d, cd, d.labour_handler, labour_leader_actor, t(11, 4, 10), explanation="材料未齐")
    feedback_closed(d, ca, d.handler, d.town_leader, t(11, 5, 10))
    with frozen(t(11, 8, 9)):
        cases.confirm(d.ws, d.office, ca, by="投诉人", satisfaction="满意")
        with pytest.raises(CaseError):
            cases.confirm(d.ws, d.office, cd, by="x", satisfaction="很好")
    with frozen(t(11, 9, 9)):
        chk = spotchecks.request_spot_check(d.ws, d.office, cd, "抽查")
    with frozen(t(11, 10, 9)):
        spotchecks.record_spot_check(d.ws, d.office, chk.id, passed=False, note="工资未发放到位", days=5)
    with frozen(t(11, 10, 12)):
        casework.sign(d.ws, d.labour_handler, cd)
    feedback_closed(d, cd, d.labour_handler, labour_leader_actor, t(11, 11, 10))
    with frozen(t(11, 12, 9)):
        chk2 = spotchecks.request_spot_check(d.ws, d.office, cd, "复查")
        spotchecks.record_spot_check(d.ws, d.office, chk2.id, passed=True, note="已到位")
    # B: town, signed late, never fed back: reminded, supervised, overdue at the month's end.
    cb = assigned(d, t(11, 10, 9), d.town, t(11, 12, 18), "B 噪音")
    with frozen(t(11, 12, 10)):
        casework.sign(d.ws, d.handler, cb)
    with frozen(t(11, 13, 10)):
        jobs.remind_due(d.ws, d.office)
    with frozen(t(11, 14, 9)):
        supervision.supervise(d.ws, d.office, cb, "逾期未反馈")
    # C: labour never signs; reassigned to 青石镇, which signs at once (due in December).
    cc = assigned(d, t(11, 20, 9), d.labour, t(12, 5, 18), "C 占道")
    with frozen(t(11, 22, 9)):
        cases.reassign(d.ws, d.office, cc, lead=d.other_town, reason="属地为青石镇")
    with frozen(t(11, 22, 10)):
        casework.sign(d.ws, d.other_handler, cc)
    return {"a": ca, "b": cb, "c": cc, "d": cd, "desk": d}


def figures(d: Desk, when: datetime = t(12, 1, 9), key: str = "2026-11") -> dict[str, Any]:
    with frozen(when), d.ws.db.read() as s:
        return period_report(s, parse_period("monthly", key), DEFAULTS)


def by_name(f: dict[str, Any], name: str) -> dict[str, Any]:
    return next(u for u in f["units"] if u["name"] == name)


def rate(row: dict[str, Any], key: str) -> dict[str, Any]:
    return next(r for r in row["rates"] if r["key"] == key)


def test_november_counted_by_hand(november):
    f = figures(november["desk"])
    a, b, c, d = (november[k] for k in "abcd")
    town, labour, other = (by_name(f, n) for n in ("桃源镇人民政府", "劳动保障局", "青石镇人民政府"))
    zero = dict.fromkeys(f["count_labels"], 0)
    assert town["counts"] == {**zero, "received": 2, "sign_due": 2, "signed_on_time": 1, "feedback_due": 2,
                              "feedback_on_time": 1, "feedback_late": 1, "closed": 1, "closed_confirmed": 1,
                              "rated": 1, "satisfied": 1, "reminders": 1, "supervisions": 1, "overdue_open": 1,
                              "overdue": 1, "signed": 2}
    assert labour["counts"] == {**zero, "received": 2, "sign_due": 2, "signed_on_time": 1, "feedback_due": 2,
                                "feedback_on_time": 1, "feedback_late": 1, "closed": 1, "closed_verified": 1,
                                "spot_check_failed": 1, "overdue": 1, "signed": 1}
    assert other["counts"] == {**zero, "received": 1, "sign_due": 1, "signed_on_time": 1, "signed": 1}
    # Each count is drillable to its cases.
    assert town["cases"]["signed_on_time"] == [a] and town["cases"]["overdue_open"] == [b]
    assert labour["cases"]["sign_due"] == sorted([c, d]) and labour["cases"]["closed_verified"] == [d]
    assert other["cases"]["received"] == [c]
    # Rates with their formulas and raw counts.
    assert rate(town, "sign_rate")["formula"] == "按期签收率 = 按期签收 1 / 应签收 2 = 50.0%"
    # Open overdue cases count against the resolution rate.
    assert rate(town, "resolution_rate")["formula"] == \
        "解决率 = （当事方确认 1 + 抽查通过 0） / （本期销号 1 + 期末逾期未办结 1） = 50.0%"
    assert rate(other, "feedback_rate")["formula"] == "按期反馈率 = 按期反馈 0 / 应反馈 0 = 无（应反馈为 0）"
    assert rate(town, "satisfaction_rate")["percent"] == "100.0%"
    # Discovery lag: A posted 21:00 the day before, opened 09:00, signed 15:00; B signed 49 h after opening.
    assert town["online_to_discovery"]["cases"] == [{"case_id": a, "hours": 12.0}]
    assert town["discovery_to_sign"]["average_hours"] == 27.5 and town["discovery_to_sign"]["median_hours"] == 27.5
    # Labour's sign for the reopened case is not a first signing: its first was in October.
    assert labour["discovery_to_sign"]["n"] == 0
    assert f["total"]["counts"]["received"] == 5 and f["total"]["counts"]["overdue"] == 2
    # Criticised: 督办 once is under the default 2; 50% signing is under 80%.
    assert {x["name"] for x in f["criticise"]} == {"桃源镇人民政府", "劳动保障局"}
    assert not f["commend"]  # nobody had three cases due with everything on time


def test_regenerating_november_after_december_changes_gives_same_figures(november):
    d = november["desk"]
    before = figures(d)
    with frozen(t(12, 2, 10)):
        casework.submit_feedback(d.ws, d.handler, november["b"], "已整改", explanation="晚了")
        chk = spotchecks.request_spot_check(d.ws, d.office, november["a"], "抽查")
        spotchecks.record_spot_check(d.ws, d.office, chk.id, passed=False, note="路灯又坏", days=3)
        cases.reassign(d.ws, d.office, november["c"], lead=d.labour, reason="改回")
        supervision.supervise(d.ws, d.office, november["c"], "催")
    after = figures(d, t(12, 20, 9))
    assert after == before
    december = figures(d, t(12, 20, 9), "2026-12")
    assert by_name(december, "桃源镇人民政府")["counts"]["spot_check_failed"] == 1


def test_running_month_is_as_of_now_and_periods_parse(november):
    f = figures(november["desk"], t(11, 11, 0))
    assert not f["complete"] and f["as_of"] == "2026-11-11 00:00"
    q = parse_period("quarterly", "2026-q4")
    assert (q.key, q.label, q.start.month, q.end.year) == ("2026-Q4", "2026年第四季度", 10, 2027)
    assert previous_period("monthly", datetime(2027, 1, 5).date()).key == "2026-12"
    assert previous_period("quarterly", datetime(2027, 1, 5).date()).key == "2026-Q4"


def test_files_cli_and_pages(november, tmp_path):
    """DOCX/XLSX/HTML watermarked and audited (CLI and web); the page links every count to its cases."""
    import io
    import json
    import re

    from docx import Document
    from fastapi.testclient import TestClient
    from openpyxl import load_workbook
    from sqlalchemy import select
    from typer.testing import CliRunner

    from tests.web.conftest import login
    from yuqing.cli import app
    from yuqing.store.tables import AuditEntry
    from yuqing.web.app import create_app

    d = november["desk"]
    runner = CliRunner()
    with frozen(t(12, 1, 9)):
        r = runner.invoke(app, ["-w", str(d.ws.path), "report", "monthly", "--period", "2026-11", "--json"])
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout) == figures(d)
        for fmt in ("docx", "xlsx", "html"):
            out = tmp_path / f"m.{fmt}"
            r = runner.invoke(app, ["-w", str(d.ws.path), "report", "monthly", "--period", "2026-11", "--format", fmt,
                                    "--out", str(out), "--as", "office"])
            assert r.exit_code == 0, r.output
        bad = runner.invoke(app, ["-w", str(d.ws.path), "report", "quarterly", "--period", "2026-13", "--json"])
        assert bad.exit_code == 2
        q = runner.invoke(app, ["-w", str(d.ws.path), "report", "quarterly", "--period", "2026-Q4", "--json"])
        assert json.loads(q.stdout)["total"]["counts"]["received"] == 6  # D's October assignment too
    doc = Document(io.BytesIO((tmp_path / "m.docx").read_bytes()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "办公室王" in doc.sections[0].header.paragraphs[0].text
    assert "2026年11月网络舆情处置月统计" in text and "按期签收率 = 按期签收 1 / 应签收 2 = 50.0%" in text
    wb = load_workbook(io.BytesIO((tmp_path / "m.xlsx").read_bytes()))
    rates = wb["各单位比率"]
    assert rates.freeze_panes == "A3" and "办公室王" in str(rates["A1"].value)
    row = next(r for r in rates.iter_rows(min_row=3, values_only=True) if r[0] == "桃源镇人民政府")
    assert row[1:] == ("按期签收率", 1, 2, "50.0%", "按期签收率 = 按期签收 1 / 应签收 2 = 50.0%")
    assert {"签收与反馈", "销号（三种办结状态分列）", "案件明细", "表扬名单", "通报名单"} <= set(wb.sheetnames)
    assert "按期签收率" in (tmp_path / "m.html").read_text(encoding="utf-8")
    with d.ws.db.read() as s:
        audited = s.execute(select(AuditEntry).where(AuditEntry.action == "report.download")).scalars().all()
    assert sorted(e.detail["format"] for e in audited) == ["docx", "html", "xlsx"]
    assert all(e.detail["kind"] == "monthly" and e.actor_name == "办公室王" for e in audited)

    with frozen(t(12, 1, 9)), TestClient(create_app(d.ws), base_url="http://127.0.0.1",
                                         headers={"accept": "text/html"}) as client:
        token = login(client, "analyst")
        r = client.post("/reports/period", data={"kind": "monthly", "period": "2026-11", "csrf_token": token},
                        follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/reports/monthly/2026-11"
        page = client.get("/reports/monthly/2026-11")
        assert page.status_code == 200 and "按期签收率 = 按期签收 1 / 应签收 2 = 50.0%" in page.text
        link = re.search(r'href="(/reports/monthly/2026-11/cases\?unit=\d+&amp;count=overdue_open)"', page.text)
        assert link
        drill = client.get(link.group(1).replace("&amp;", "&"))
        assert drill.status_code == 200 and f'href="/cases/{november["b"]}"' in drill.text and "B 噪音" in drill.text
        listing = client.get("/reports").text
        assert "2026年11月网络舆情处置月统计" in listing and "<title>报告 ·" in listing
        dl = client.get("/reports/monthly/2026-11/download.xlsx")
        assert dl.status_code == 200 and "监测员李" in str(load_workbook(io.BytesIO(dl.content))["总体情况"]["A1"].value)
        assert client.get("/reports/monthly/2026-10").status_code == 404
        assert client.get("/reports/weekly/2026-11").status_code == 404
        bad = client.post("/reports/period", data={"kind": "monthly", "period": "2099-01", "csrf_token": token})
        assert bad.status_code == 400 and "尚未开始" in bad.text
        bad = client.post("/reports/period", data={"kind": "monthly", "period": "11月", "csrf_token": token})
        assert bad.status_code == 400 and "月份请写成“2026-11”这样的年-月：“11月”不是月份" in bad.text
        assert "YYYY" not in bad.text
        bad = client.post("/reports/special", data={"event_id": "河口镇", "csrf_token": token})
        assert bad.status_code == 400 and "事件编号应为数字（如事件 #4 填 4），而不是“河口镇”" in bad.text


def test_yearly_assessment_by_the_score_sheet(november):
    """Scores counted by hand from the default sheet; a workspace sheet replaces it, caps hold."""
    import json

    from typer.testing import CliRunner

    from yuqing.cli import app

    d = november["desk"]
    runner = CliRunner()

    def yearly() -> dict[str, Any]:
        with frozen(t(12, 20, 9)):
            r = runner.invoke(app, ["-w", str(d.ws.path), "report", "yearly", "--period", "2026", "--json"])
        assert r.exit_code == 0, r.output
        return json.loads(r.stdout)

    f = yearly()
    scores = {u["name"]: (u["rank"], u["score"]) for u in f["assessment"]["units"]}
    # As of 20 December. 劳动保障局: 20×2/3 + 30×1/2 + 30 + 20 (no satisfaction given: full) − 2 (one overdue)
    # − 3 (one failed spot check). 桃源镇: 20×1/2 + 30×1/2 + 30×1/2 (B open and overdue) + 20 − 2 (overdue)
    # − 1 (督办). 青石镇: signed on time (20), C's deadline of 5 December passed without feedback (0 of 30, −2
    # overdue), C open and overdue (0 of 30), no satisfaction given (20).
    assert scores["劳动保障局"] == (1, 73.33)
    assert scores["桃源镇人民政府"] == (2, 57.0)
    assert scores["青石镇人民政府"] == (3, 38.0)
    town = next(u for u in f["assessment"]["units"] if u["name"] == "桃源镇人民政府")
    sign = next(p for p in town["points"] if p["key"] == "sign")
    assert sign["formula"] == "按期签收 = 20 × 按期签收率 = 10 分（按期签收率 = 按期签收 1 / 应签收 2 = 50.0%）"
    assert [c["key"] for c in sign["counts"]] == ["signed_on_time", "sign_due"]  # drillable
    (d.ws.path / "assessment.json").write_text(json.dumps({"name": "测试评分表", "indicators": [
        {"key": "r", "name": "交办扣分", "kind": "per_count", "count": "received", "points": -1, "cap": -1}]}),
        encoding="utf-8")
    f = yearly()
    town = next(u for u in f["assessment"]["units"] if u["name"] == "桃源镇人民政府")
    assert town["score"] == -1 and town["points"][0]["formula"] == "交办扣分 = -1 × 收到交办 2 = -1 分，封顶 -1 分"
    (d.ws.path / "assessment.json").write_text(json.dumps({"indicators": [{"kind": "rate", "rate": "nope"}]}),
                                               encoding="utf-8")
    with frozen(t(12, 20, 9)):
        bad = runner.invoke(app, ["-w", str(d.ws.path), "report", "yearly", "--period", "2026", "--json"])
    assert bad.exit_code == 2 and "评分表" in bad.output
    (d.ws.path / "assessment.json").unlink()
    import io

    from docx import Document
    from fastapi.testclient import TestClient
    from openpyxl import load_workbook

    from tests.web.conftest import login
    from yuqing.web.app import create_app

    with frozen(t(12, 20, 9)), TestClient(create_app(d.ws), base_url="http://127.0.0.1",
                                          headers={"accept": "text/html"}) as client:
        token = login(client, "analyst")
        r = client.post("/reports/period", data={"kind": "yearly", "period": "2026", "csrf_token": token},
                        follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/reports/yearly/2026"
        page = client.get("/reports/yearly/2026").text
        assert "考核得分" in page and "劳动保障局：73.33 分" in page
        assert "/reports/yearly/2026/cases?unit=" in page
        wb = load_workbook(io.BytesIO(client.get("/reports/yearly/2026/download.xlsx").content))
        assert wb.sheetnames[:3] == ["考核得分", "得分明细", "评分表"] and wb["考核得分"].freeze_panes == "A3"
        doc = Document(io.BytesIO(client.get("/reports/yearly/2026/download.docx").content))
        assert "2026年度网络舆情处置考核" in "\n".join(p.text for p in doc.paragraphs)


def test_public_accountability_page(november):
    """Off by default (404); on: no login, each unit's three rates with formulas, open overdue counted, no cases."""
    from fastapi.testclient import TestClient

    from yuqing.reports import public
    from yuqing.web.app import create_app

    d = november["desk"]
    public._cache.clear()
    with frozen(t(12, 1, 9)), TestClient(create_app(d.ws), base_url="http://127.0.0.1",
                                         headers={"accept": "text/html"}) as client:
        assert client.get("/public/accountability").status_code == 404
        d.ws.settings.public_accountability = True
        page = client.get("/public/accountability")
        assert page.status_code == 200
        for text in ("2026年11月", "2026年第三季度", "响应率 = 按期签收 1 / 应签收 2 = 50.0%",
                     "解决率 = （当事方确认 1 + 抽查通过 0） / （本期销号 1 + 期末逾期未办结 1） = 50.0%",
                     "满意率 = （满意 1 + 基本满意 0） / 有满意度评价 1 = 100.0%"):
            assert text in page.text, text
        assert "B 噪音" not in page.text and "/cases/" not in page.text and "退出" not in page.text


def test_the_hourly_job_sends_last_month_and_last_quarter_once(november):
    from sqlalchemy import select

    from yuqing.jobs.tasks import run_task
    from yuqing.reports.store import get_report
    from yuqing.store.tables import Notification

    d = november["desk"]
    with frozen(t(12, 1, 9)):
        assert run_task(d.ws, "report.periodic") == {"generated": ["monthly:2026-11", "quarterly:2026-Q3"]}
        assert run_task(d.ws, "report.periodic") == {"generated": []}
    with d.ws.db.read() as s:
        stored = get_report(s, "2026-11", "monthly")
        notes = s.execute(select(Notification).where(Notification.kind == "report.periodic")).scalars().all()
    assert stored is not None and stored.generated_by == "系统任务" and stored.figures == figures(d)
    assert sorted({n.audience for n in notes}) == ["analyst", "leader", "office"] and len(notes) == 6
    monthly = next(n for n in notes if n.link == "/reports/monthly/2026-11")
    assert "按期签收率 = 按期签收 3 / 应签收 5 = 60.0%" in monthly.body  # 1 of 2, 1 of 2, 1 of 1
