"""Registry and admission (准入, R-PUBLISH-1): apply with plan and rules → 网宣办 reviews → approved /
rejected → closed; every step audited; the clean-up list names what lacks approval or an owner."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from yuqing.domain.lifecycle import TransitionRefused
from yuqing.domain.roles import PermissionDenied
from yuqing.publish import admission, registry
from yuqing.publish.registry import PublishError
from yuqing.respond.uploads import Upload
from yuqing.store.tables import AuditEntry, Notification
from yuqing.store.tables_publish import Channel


def _add(d, actor, name, unit, kind="wechat"):
    return registry.add_channel(d.ws, actor, kind=kind, name=name, unit=unit, url="https://mp.example/x",
                                cadence="daily").id


def test_admission_workflow_is_audited_and_reviewed_by_the_propaganda_department(district):
    d = district
    cid = _add(d, d.street_handler, "凤凰街道微信公众号", None)  # a unit registers for itself by default
    with pytest.raises(PermissionDenied, match="本单位"):
        _add(d, d.street_handler, "别人的账号", "区政府办公室")
    with pytest.raises(PublishError, match="安全管理制度"):
        admission.apply_admission(d.ws, d.street_handler, cid, construction_plan="每日推送街道动态")
    files = {"construction_plan": Upload("建设方案.txt", "栏目设置、更新机制".encode()),
             "security_rules": Upload("安全管理制度.txt", "三审三校、账号密码专人保管".encode())}
    app = admission.apply_admission(d.ws, d.street_handler, cid, files=files)
    assert [a["kind"] for a in app.attachments] == ["construction_plan", "security_rules"]
    assert (d.ws.path / app.attachments[0]["path"]).read_bytes() == "栏目设置、更新机制".encode()
    with pytest.raises(PermissionDenied, match="审核准入"):
        admission.review_admission(d.ws, d.gov_leader, cid, approve=True)
    with pytest.raises(PublishError, match="理由"):
        admission.review_admission(d.ws, d.reviewer, cid, approve=False)
    assert admission.review_admission(d.ws, d.reviewer, cid, approve=True, note="同意开设").state == "approved"
    with pytest.raises(PublishError, match="待审核"):
        admission.review_admission(d.ws, d.reviewer, cid, approve=True)
    admission.close_channel(d.ws, d.office, cid, reason="整合到区融媒体中心")
    with pytest.raises(TransitionRefused, match="已关停"):
        admission.close_channel(d.ws, d.office, cid, reason="再关一次")
    with d.ws.db.read() as s:
        ch = s.get(Channel, cid)
        assert (ch.admission, ch.closed) == ("closed", True)
        actions = [a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.object_type == "channel")
                                           .order_by(AuditEntry.id))]
        audiences = {n.audience for n in s.execute(select(Notification)).scalars()}
    assert actions == ["channel.add", "channel.apply", "channel.approve", "channel.close"]
    assert {f"unit:{d.propaganda}", "office", f"unit:{d.street}"} <= audiences


def test_the_clean_up_list_names_channels_without_approval_or_owner_and_closed_ones_still_live(district):
    d = district
    approved = _add(d, d.office, "区政府门户网站", "区政府办公室", kind="website")
    admission.apply_admission(d.ws, d.gov_handler, approved, construction_plan="方案", security_rules="制度")
    admission.review_admission(d.ws, d.office, approved, approve=True)
    pending = _add(d, d.gov_handler, "区政府办政务微博", None, kind="weibo")
    admission.apply_admission(d.ws, d.gov_handler, pending, construction_plan="方案", security_rules="制度")
    rejected = _add(d, d.street_handler, "凤凰街道抖音号", None, kind="video")
    admission.apply_admission(d.ws, d.street_handler, rejected, construction_plan="方案", security_rules="制度")
    admission.review_admission(d.ws, d.reviewer, rejected, approve=False, note="缺少内容审核人员")
    orphan = _add(d, d.office, "无人认领的公众号", "")
    closed = _add(d, d.office, "原区旅游局网站", "区政府办公室", kind="website")
    admission.close_channel(d.ws, d.office, closed, reason="机构改革撤并")
    with d.ws.db.write() as s:
        s.get(Channel, closed).answering = True  # what the freshness check records
    with d.ws.db.read() as s:
        rows = {r.id: r for r in registry.channel_rows(s, d.office)}
        own = registry.channel_rows(s, d.street_handler)
    assert rows[approved].cleanup == []
    assert rows[pending].cleanup == ["未经准入（待审核）"]
    assert rows[rejected].cleanup == ["未经准入（未通过）"]
    assert rows[orphan].cleanup == ["未经准入（未申请）", "无主办单位"]
    assert rows[closed].cleanup == ["已关停但仍可访问"]
    assert [r.id for r in own] == [rejected], "a street sees its own channels only"
    assert rows[approved].as_json()["admission"] == "approved"
