"""Each channel against a real server on 127.0.0.1: the message formats and signatures the far end expects."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from urllib.parse import unquote_plus

import pytest
from sqlalchemy import select

from tests.alert.servers import Request, http_recorder, smtp_server
from yuqing.alert.channels import CHANNELS, ChannelConfigError, ChannelSpec, SendError, make_channel
from yuqing.alert.channels import webhook as wh
from yuqing.alert.channels.dingtalk import sign
from yuqing.domain.alerts import AlertMessage
from yuqing.domain.messages import Attachment, ReportMessage
from yuqing.store.tables import Notification
from yuqing.workspace import Workspace

MESSAGE = AlertMessage(41, "重大及以上", 7, "西关路暴雨内涝 多车被淹", "II", item_count=12, places=["桃源镇"],
                       topics=["城建交通"], first_seen="2026-11-30 08:00", link="https://yq.example/events/7")


def channel(ws: Workspace, kind: str, target: str, secret: str | None = None, **config: object):  # type: ignore[no-untyped-def]
    CHANNELS[kind].check(target, secret, dict(config))
    return make_channel(ChannelSpec(1, "测试渠道", kind, target, secret, dict(config)), ws)


def test_email_over_smtp(ws: Workspace) -> None:
    with smtp_server() as box:
        ws.settings.smtp_host, ws.settings.smtp_port = box.host, box.port
        ws.settings.smtp_from = "yuqing@district.example"
        channel(ws, "email", "duty@district.example, office@district.example").send(MESSAGE)
    assert len(box.messages) == 1
    sender, rcpts, msg = box.messages[0]
    assert sender == "yuqing@district.example"
    assert rcpts == ["duty@district.example", "office@district.example"]
    assert msg["Subject"] == "【重大（II级）舆情预警】西关路暴雨内涝 多车被淹"
    body = msg.get_body().get_content()  # type: ignore[union-attr]
    assert "等级：重大（II级）" in body and "地点：桃源镇" in body and "https://yq.example/events/7" in body


def test_email_server_down_is_a_send_error(ws: Workspace) -> None:
    from tests.servers import free_port

    ws.settings.smtp_host, ws.settings.smtp_port = "127.0.0.1", free_port()
    with pytest.raises(SendError, match="无法连接邮件服务器"):
        channel(ws, "email", "duty@district.example").send(MESSAGE)
    with pytest.raises(ChannelConfigError, match="电子邮件地址"):
        CHANNELS["email"].check("值班室", None, {})


def test_wecom_robot_markdown(ws: Workspace) -> None:
    with http_recorder() as rec:
        channel(ws, "wecom", f"{rec.url}/cgi-bin/webhook/send?key=abc").send(MESSAGE)
        rec.reply = lambda r: (200, '{"errcode": 93000, "errmsg": "invalid webhook url"}')
        with pytest.raises(SendError, match="93000"):
            channel(ws, "wecom", f"{rec.url}/cgi-bin/webhook/send?key=bad").send(MESSAGE)
    first = rec.requests[0]
    assert first.method == "POST" and first.path == "/cgi-bin/webhook/send" and first.query == {"key": ["abc"]}
    assert first.headers["Content-Type"].startswith("application/json")
    data = first.json()
    assert data["msgtype"] == "markdown" and set(data) == {"msgtype", "markdown"}
    assert data["markdown"]["content"].startswith("### 【重大（II级）舆情预警】")
    assert "[查看事件](https://yq.example/events/7)" in data["markdown"]["content"]


def test_dingtalk_robot_markdown_with_signed_timestamp(ws: Workspace) -> None:
    secret = "SEC0123456789abcdef"
    with http_recorder() as rec:
        before = int(time.time() * 1000)
        channel(ws, "dingtalk", f"{rec.url}/robot/send?access_token=tok", secret).send(MESSAGE)
        channel(ws, "dingtalk", f"{rec.url}/robot/send?access_token=plain").send(MESSAGE)  # no 加签
    signed, plain = rec.requests
    assert signed.query["access_token"] == ["tok"]
    ts = int(signed.query["timestamp"][0])
    assert before <= ts <= int(time.time() * 1000)
    expected = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest())
    assert signed.query["sign"][0].encode() == expected  # parse_qs decoded the url-encoding
    assert unquote_plus(sign(secret, ts)).encode() == expected
    data = signed.json()
    assert data["msgtype"] == "markdown" and data["markdown"]["title"].startswith("【重大（II级）舆情预警】")
    assert "> 等级：**重大（II级）**" in data["markdown"]["text"]
    assert "sign" not in plain.query and "timestamp" not in plain.query


def test_webhook_is_signed_over_timestamp_and_body_and_replays_are_refused(ws: Workspace) -> None:
    secret = "whsec-test"
    with http_recorder() as rec:
        channel(ws, "webhook", f"{rec.url}/hooks/yuqing", secret).send(MESSAGE)
    req: Request = rec.requests[0]
    assert req.headers["X-Yuqing-Delivery"] == "41"
    assert wh.verify(secret, req.body, req.headers)
    ts = int(req.headers["X-Yuqing-Timestamp"])
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + req.body, hashlib.sha256).hexdigest()
    assert req.headers["X-Yuqing-Signature"] == f"sha256={mac}"
    assert not wh.verify("wrong", req.body, req.headers)
    assert not wh.verify(secret, req.body + b" ", req.headers)  # body changed
    assert not wh.verify(secret, req.body, req.headers, now=ts + wh.REPLAY_WINDOW + 1)  # replayed later
    data = req.json()
    assert data["event_id"] == 7 and data["grade"] == "II" and data["grade_label"] == "重大（II级）"
    with pytest.raises(ChannelConfigError, match="签名密钥"):
        CHANNELS["webhook"].check(f"{rec.url}/x", None, {})


def test_sms_gateway_by_url_template_and_by_json_body(ws: Workspace) -> None:
    with http_recorder() as rec:
        channel(ws, "sms", f"{rec.url}/sms/send?mobile=13800000000&content={{text}}&key={{secret}}", "K1").send(MESSAGE)
        rec.reply = lambda r: (200, '{"code": "OK"}')
        channel(ws, "sms", f"{rec.url}/api/sms", "K2", method="POST",
                body='{"phones": ["13800000000"], "text": "{text}", "grade": "{grade}"}',
                headers={"Authorization": "Bearer {secret}"}, ok_contains='"OK"').send(MESSAGE)
        rec.reply = lambda r: (200, '{"code": "QUOTA"}')
        with pytest.raises(SendError, match="成功标志"):
            channel(ws, "sms", f"{rec.url}/api/sms", "K2", body='{"text": "{text}"}', ok_contains='"OK"').send(MESSAGE)
        rec.reply = lambda r: (500, "{}")
        with pytest.raises(SendError, match="HTTP 500"):
            channel(ws, "sms", f"{rec.url}/sms/send?content={{text}}").send(MESSAGE)
    get, post = rec.requests[:2]
    assert get.method == "GET" and get.query["mobile"] == ["13800000000"] and get.query["key"] == ["K1"]
    assert get.query["content"][0] == MESSAGE.short()
    assert post.method == "POST" and post.headers["Authorization"] == "Bearer K2"
    assert json.loads(post.body) == {"phones": ["13800000000"], "text": MESSAGE.short(), "grade": "II"}
    with pytest.raises(ChannelConfigError, match=r"\{text\}"):
        CHANNELS["sms"].check("http://127.0.0.1/sms", None, {})


def test_inapp_writes_a_notification_for_the_role(ws: Workspace) -> None:
    channel(ws, "inapp", "office").send(MESSAGE)
    channel(ws, "inapp", "unit_handler").send(MESSAGE)
    with ws.db.read() as s:
        notes = list(s.execute(select(Notification).order_by(Notification.id)).scalars())
    assert [(n.audience, n.kind, n.link) for n in notes] == [("office", "alert.fired", "/events/7"),
                                                              ("unit_handler", "alert.fired", None)]
    assert notes[0].title == MESSAGE.title and "信息条数：12" in notes[0].body
    with pytest.raises(ChannelConfigError, match="角色代码"):
        CHANNELS["inapp"].check("值班员", None, {})


def test_inapp_to_one_person(ws: Workspace) -> None:
    from tests import factories

    with ws.db.write() as s:
        duty = factories.user(s, "duty1", "office")
        factories.user(s, "gone", "leader", active=False)
    channel(ws, "inapp", "user:duty1").send(MESSAGE)
    with pytest.raises(SendError, match="不存在或已停用"):
        channel(ws, "inapp", "user:gone").send(MESSAGE)
    with ws.db.read() as s:
        notes = list(s.execute(select(Notification)).scalars())
    assert [(n.audience, n.link) for n in notes] == [(f"user:{duty.id}", "/events/7")]


def test_an_unreachable_robot_is_a_send_error(ws: Workspace) -> None:
    from tests.servers import free_port

    with pytest.raises(SendError, match="无法连接"):
        channel(ws, "wecom", f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key=x").send(MESSAGE)


def test_smtp_and_quiet_hours_settings_come_from_the_toml_and_the_environment(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from yuqing.settings import load_settings

    (tmp_path / "yuqing.toml").write_text('smtp_host = "mail.district.example"\nsmtp_port = 587\n'
                                          'smtp_user = "yq"\nalert_quiet_hours = "22:00-07:00"\n', encoding="utf-8")
    monkeypatch.setenv("YUQING_SMTP_STARTTLS", "true")
    monkeypatch.setenv("YUQING_SMTP_PASSWORD", "pw")
    monkeypatch.setenv("YUQING_SMTP_FROM", "alerts@district.example")
    st = load_settings(tmp_path)
    assert (st.smtp_host, st.smtp_port, st.smtp_user, st.smtp_password, st.smtp_from, st.smtp_starttls) == \
        ("mail.district.example", 587, "yq", "pw", "alerts@district.example", True)
    assert st.alert_quiet_hours == "22:00-07:00"


# ---- the second kind of message: a report, through the same adapters --------------------------------------
REPORT = ReportMessage(
    9, "daily", "网络舆情日报告表（2026-11-30）", "2026-11-30",
    summary=[("涉区信息", "35 条"), ("负面", "8 条"), ("新增事件", "3 个"), ("逾期案件", "2 件")],
    path="/reports/daily/2026-11-30", base_url="https://yq.example", issuer="示例区网络舆情工作领导小组办公室",
    attachments=lambda: [Attachment("网络舆情日报告表_2026-11-30.docx", "application/vnd.openxmlformats-officedocument"
                                    ".wordprocessingml.document", b"PK\x03\x04docx"),
                         Attachment("网络舆情日报告表_2026-11-30.pdf", "application/pdf", b"%PDF-1.7 pdf")])


def test_a_report_by_email_carries_its_files(ws: Workspace) -> None:
    with smtp_server() as box:
        ws.settings.smtp_host, ws.settings.smtp_port = box.host, box.port
        channel(ws, "email", "leader@district.example").send(REPORT)
    (_, rcpts, msg), = box.messages
    assert rcpts == ["leader@district.example"] and msg["Subject"] == "网络舆情日报告表（2026-11-30）"
    body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "统计期：2026-11-30" in body and "涉区信息：35 条" in body and "https://yq.example/reports/daily/2026-11-30" in body
    files = {p.get_filename(): (p.get_content_type(), p.get_content()) for p in msg.iter_attachments()}  # type: ignore[attr-defined]
    assert files == {"网络舆情日报告表_2026-11-30.docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04docx"),
        "网络舆情日报告表_2026-11-30.pdf": ("application/pdf", b"%PDF-1.7 pdf")}


def test_a_report_through_the_robots_the_webhook_and_sms(ws: Workspace) -> None:
    secret = "whsec-test"
    with http_recorder() as rec:
        channel(ws, "wecom", f"{rec.url}/cgi-bin/webhook/send?key=abc").send(REPORT)
        channel(ws, "dingtalk", f"{rec.url}/robot/send?access_token=tok").send(REPORT)
        channel(ws, "webhook", f"{rec.url}/hooks/yuqing", secret).send(REPORT)
        channel(ws, "sms", f"{rec.url}/sms/send?content={{text}}&grade={{grade}}").send(REPORT)
    wecom, ding, hook, sms = rec.requests
    content = wecom.json()["markdown"]["content"]
    assert content.startswith("### 网络舆情日报告表（2026-11-30）") and "> 负面：**8 条**" in content
    assert "[查看报告](https://yq.example/reports/daily/2026-11-30)" in content
    assert ding.json()["markdown"]["title"] == "网络舆情日报告表（2026-11-30）"
    assert hook.headers["X-Yuqing-Delivery"] == "report-9" and wh.verify(secret, hook.body, hook.headers)
    data = hook.json()
    assert data["kind"] == "report" and data["report_type"] == "daily" and data["period"] == "2026-11-30"
    assert data["summary"][0] == {"name": "涉区信息", "value": "35 条"}
    assert data["link"] == "https://yq.example/reports/daily/2026-11-30"
    line = sms.query["content"][0]
    assert line == REPORT.short() and line.startswith("网络舆情日报告表（2026-11-30）：涉区信息35 条")
    assert "http" not in line and len(line) <= 140 and sms.query.get("grade", [""]) == [""]


def test_a_report_in_the_inbox_links_to_its_page_for_readers(ws: Workspace) -> None:
    channel(ws, "inapp", "admin").send(REPORT)
    channel(ws, "inapp", "unit_handler").send(REPORT)
    with ws.db.read() as s:
        notes = list(s.execute(select(Notification).order_by(Notification.id)).scalars())
    assert [(n.audience, n.kind, n.link) for n in notes] == [
        ("admin", "report.daily", "/reports/daily/2026-11-30"), ("unit_handler", "report.daily", None)]
    assert "逾期案件：2 件" in notes[0].body
