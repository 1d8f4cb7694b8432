"""What the alert centre shows of a channel's target: names for in-app targets, no robot keys."""

from __future__ import annotations

from tests import factories
from yuqing.alert.queries import channel_rows, target_label
from yuqing.store.tables_alert import AlertChannel
from yuqing.workspace import Workspace


def test_targets_read_as_names_and_robot_keys_stay_hidden(ws: Workspace) -> None:
    with ws.db.write() as s:
        factories.user(s, "songjia", "analyst", display_name="值班员 宋佳")
        for kind, name, target in (("inapp", "办公室", "office"), ("inapp", "宋佳", "user:songjia"),
                                   ("wecom", "值班群", "http://127.0.0.1:9/cgi-bin/webhook/send?key=SECRETKEY"),
                                   ("email", "值班邮箱", "duty@district.example")):
            s.add(AlertChannel(kind=kind, name=name, target=target))
    labels = [r["target_label"] for r in channel_rows(ws)]
    assert labels == ["领导小组办公室（全体）的站内通知", "值班员 宋佳 本人的站内通知",
                      "http://127.0.0.1:9/cgi-bin/webhook/send?…（密钥已隐去）", "duty@district.example"]
    assert "SECRETKEY" not in " ".join(labels)
    assert target_label("inapp", "user:gone") == "gone 本人的站内通知"
