"""The alerts CLI contract, through the `yuqing` command (in-process, tests/cli_runner.py; checks outside the
suite run the same code as a command): channel add and rule add print the id, run sends what is due, log --json prints one object per
message with the agreed fields; changes act as --as USERNAME or the workspace operator."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tests import factories
from tests.alert.servers import http_recorder, smtp_server
from tests.cli_runner import Ran, run_cli
from yuqing.store.tables import AuditEntry
from yuqing.workspace import Workspace


def yuqing(ws: Workspace, *args: str, **env: str) -> Ran:
    return run_cli("-w", str(ws.path), *args, env=env)


def test_alerts_cli_contract(ws: Workspace) -> None:
    with ws.db.write() as s:
        factories.user(s, "office1", "office")
        factories.user(s, "analyst1", "analyst")
        factories.event(s, "西关路暴雨内涝", grade="II", item_count=9)
        factories.event(s, "小区停水", grade="IV")
    with http_recorder() as robot, smtp_server() as box:
        smtp = {"YUQING_SMTP_HOST": box.host, "YUQING_SMTP_PORT": str(box.port)}
        add = yuqing(ws, "alerts", "channel", "add", "--kind", "email", "--name", "值班邮箱",
                     "--target", "duty@district.example", "--as", "office1")
        assert add.returncode == 0, add.stderr
        email_id = int(add.stdout.strip())
        add = yuqing(ws, "alerts", "channel", "add", "--kind", "dingtalk", "--name", "值班群", "--target",
                     f"{robot.url}/robot/send?access_token=t", "--secret", "SECabc", "--as", "office1")
        assert add.returncode == 0, add.stderr
        ding_id = int(add.stdout.strip())
        refused = yuqing(ws, "alerts", "channel", "add", "--kind", "wecom", "--name", "x", "--target",
                         f"{robot.url}/x", "--as", "analyst1")
        assert refused.returncode == 1 and "无权" in refused.stderr
        bad = yuqing(ws, "alerts", "channel", "add", "--kind", "fax", "--name", "x", "--target", "1", "--as", "office1")
        assert bad.returncode == 2 and "渠道类型" in bad.stderr
        nobody = yuqing(ws, "alerts", "rule", "add", "--name", "r", "--min-grade", "II", "--channel", str(email_id))
        assert nobody.returncode == 2 and "--as" in nobody.stderr  # no operator, no --as: refused
        rule = yuqing(ws, "alerts", "rule", "add", "--name", "重大及以上", "--min-grade", "II",
                      "--channel", str(email_id), "--channel", str(ding_id), **{"YUQING_OPERATOR": "office1"})
        assert rule.returncode == 0, rule.stderr
        rule_id = int(rule.stdout.strip())
        for _ in range(2):
            ran = yuqing(ws, "alerts", "run", **smtp)
            assert ran.returncode == 0, ran.stderr
        log = yuqing(ws, "alerts", "log", "--json")
    assert log.returncode == 0, log.stderr
    rows = [json.loads(line) for line in log.stdout.splitlines() if line.strip()]
    assert len(rows) == 2
    for row in rows:
        assert {"rule_id", "channel_id", "event_id", "grade", "sent_at", "status"} <= set(row)
        assert row["rule_id"] == rule_id and row["grade"] == "II" and row["status"] == "sent" and row["sent_at"]
    assert {r["channel_id"] for r in rows} == {email_id, ding_id}
    assert len(box.messages) == 1 and len(robot.requests) == 1
    ack = yuqing(ws, "alerts", "ack", str(rows[0]["id"]), "--as", "office1")
    assert ack.returncode == 0 and "已确认 2 条" in ack.stdout, ack.stderr  # both channels' messages
    again = yuqing(ws, "alerts", "run", "--retry", "--as", "office1")
    assert again.returncode == 0 and "已发送 0 条" in again.stdout, again.stderr  # nothing failed, nothing new
    off = yuqing(ws, "alerts", "rule", "disable", str(rule_id), "--as", "office1")
    assert off.returncode == 0, off.stderr
    silence = yuqing(ws, "alerts", "silence", "add", "--until", "2099-01-01 08:00", "--reason", "机器人维护",
                     "--channel", str(ding_id), "--as", "office1")
    assert silence.returncode == 0 and silence.stdout.strip().isdigit(), silence.stderr
    silences = [json.loads(line) for line in yuqing(ws, "alerts", "silence", "list").stdout.splitlines() if line]
    assert [(x["channel_id"], x["reason"]) for x in silences] == [(ding_id, "机器人维护")]
    listed = yuqing(ws, "alerts", "rule", "list")
    [rule_row] = [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]
    assert rule_row["channels"] == sorted([email_id, ding_id]) and rule_row["active"] is False
    assert "timestamp" in robot.requests[0].query and "sign" in robot.requests[0].query
    with ws.db.read() as s:
        audited = list(s.execute(select(AuditEntry.action, AuditEntry.actor_name)
                                 .where(AuditEntry.action.like("alert.%"))).all())
    assert [a for a, _ in audited] == ["alert.channel_add", "alert.channel_add", "alert.rule_add", "alert.acknowledge",
                                       "alert.rule_update", "alert.silence"]
    assert all(name.endswith("office1") for _, name in audited)


def test_duty_import_now_and_a_rule_for_the_person_on_duty(ws: Workspace, tmp_path: Path) -> None:
    from tests.alert.test_duty import xlsx
    from yuqing.clock import CHINA, utcnow

    now = utcnow().astimezone(CHINA).replace(tzinfo=None)
    with ws.db.write() as s:
        factories.user(s, "office1", "office")
        factories.user(s, "songjia", "analyst", display_name="值班员 宋佳")
    roster = tmp_path / "值班表.xlsx"
    roster.write_bytes(xlsx([["开始时间", "结束时间", "值班人员", "顺位"],
                             [now.replace(microsecond=0) - timedelta(hours=1), now + timedelta(hours=8), "宋佳", 1],
                             ["昨天", "今天", "宋佳", 1]]))
    done = yuqing(ws, "alerts", "duty", "import", str(roster), "--as", "office1")
    assert done.returncode == 1 and "第 3 行" in done.stderr and "已导入 1 个班次" in done.stdout
    assert "值班员 宋佳 → 领导小组办公室" in yuqing(ws, "alerts", "duty", "now").stdout
    rule = yuqing(ws, "alerts", "rule", "add", "--name", "值班", "--min-grade", "III", "--duty", "--as", "office1")
    assert rule.returncode == 0, rule.stderr
    listed = [json.loads(line) for line in yuqing(ws, "alerts", "rule", "list").stdout.splitlines()]
    assert listed[0]["to_duty"] is True and listed[0]["channels"] == []


def test_alerts_run_and_analyze_pending_twice_send_one_message_per_channel(ws: Workspace) -> None:
    """`analyze-pending` runs the alerts after its batch as the job runner does; with `alerts run` as well,
    each twice, the e-mail and the WeCom robot each get exactly one message."""
    from tests.test_analysis_service import WAGES, _add
    from yuqing.clock import utcnow

    with ws.db.write() as s:
        factories.user(s, "office1", "office")
    with http_recorder() as robot, smtp_server() as box:
        smtp = {"YUQING_SMTP_HOST": box.host, "YUQING_SMTP_PORT": str(box.port)}
        ids = [yuqing(ws, "alerts", "channel", "add", "--kind", kind, "--name", name, "--target", target,
                      "--as", "office1").stdout.strip()
               for kind, name, target in (("email", "值班邮箱", "duty@district.example"),
                                          ("wecom", "值班群", f"{robot.url}/cgi-bin/webhook/send?key=k"))]
        rule = yuqing(ws, "alerts", "rule", "add", "--name", "全部", "--min-grade", "IV", "--channel", ids[0],
                      "--channel", ids[1], "--as", "office1")
        assert rule.returncode == 0, rule.stderr
        _add(ws, WAGES, utcnow() - timedelta(hours=3))
        first = yuqing(ws, "analyze-pending", **smtp)
        assert first.returncode == 0, first.stderr
        assert len(box.messages) == 1 and len(robot.requests) == 1  # sent by analyze-pending itself
        for args in (("alerts", "run"), ("analyze-pending",), ("alerts", "run")):
            done = yuqing(ws, *args, **smtp)
            assert done.returncode == 0, done.stderr
        _add(ws, ["青石镇锦江华府项目农民工今天又去讨薪，工资还是没拿到"], utcnow() - timedelta(minutes=30))
        assert yuqing(ws, "analyze-pending", **smtp).returncode == 0  # the event grows: still one message
    assert len(box.messages) == 1 and len(robot.requests) == 1
    log = [json.loads(line) for line in yuqing(ws, "alerts", "log", "--json").stdout.splitlines()]
    assert sorted(r["channel_id"] for r in log) == sorted(int(i) for i in ids) and {r["status"] for r in log} == {"sent"}
