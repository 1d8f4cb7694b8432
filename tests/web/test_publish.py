"""The pages of own channels (R-PUBLISH), through real forms: register, apply, review (网宣办), draft, sign,
publish to a page served on 127.0.0.1 that differs from the signed text, read the side-by-side diff, file a
statement. Errors keep what was typed; success is confirmed."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests import factories
from tests.collect.conftest import FixtureServer
from tests.publish.pages import article
from tests.web.conftest import login
from yuqing.web.app import create_app

SIGNED = "区政府召开常务会议，研究部署冬季供暖工作。\n会议要求，确保12月1日前全部供热到位。"
LIVE = "区政府召开常务会议，研究部署冬季供暖工作。\n会议要求，确保12月15日前供热到位。"


@pytest.fixture(scope="module")
def server() -> Iterator[FixtureServer]:
    srv = FixtureServer()
    yield srv
    srv.httpd.shutdown()


@pytest.fixture
def client(ws) -> Iterator[TestClient]:
    with ws.db.write() as s:
        gov = factories.unit(s, "区政府办公室", kind="office")
        prop = factories.unit(s, "区委网宣办", kind="office")
        factories.user(s, "gov_h", "unit_handler", gov, display_name="政府办信息员刘")
        factories.user(s, "gov_l", "unit_leader", gov, display_name="政府办主任陈")
        factories.user(s, "wx", "unit_handler", prop, display_name="网宣办林")
        factories.user(s, "office", "office", display_name="办公室王")
        factories.user(s, "spokes", "spokesperson", display_name="发言人")
        factories.event(s, "某小区停暖引发关注")
    with TestClient(create_app(ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as c:
        yield c


def _as(client: TestClient, username: str) -> str:
    client.cookies.clear()
    return login(client, username)


def _flash(r) -> str:
    m = re.search(r'<p class="flash" role="status">([^<]*)</p>', r.text)
    return m.group(1) if m else ""


def test_register_apply_review_sign_publish_and_read_the_diff(client, server, ws):
    csrf = _as(client, "gov_h")
    r = client.post("/channels", data={"csrf_token": csrf, "kind": "website", "name": "区政府门户网站",
                                       "url": "ftp://bad", "cadence": "daily"})
    assert r.status_code == 400 and "http" in r.text and 'value="区政府门户网站"' in r.text
    r = client.post("/channels", data={"csrf_token": csrf, "kind": "website", "name": "区政府门户网站",
                                       "url": server.url("/web/"), "cadence": "daily"})
    assert r.status_code == 200 and "已登记“区政府门户网站”" in _flash(r) and "提交准入申请" in r.text
    cid = int(re.search(r"/channels/(\d+)/apply", r.text).group(1))
    edit = {"csrf_token": csrf, "kind": "website", "name": "区政府门户网站", "url": server.url("/web/"),
            "feed_url": "not a url", "cadence": "daily", "responsible_person": "政府办副主任"}
    r = client.post(f"/channels/{cid}/edit", data=edit)
    assert r.status_code == 400 and "更新列表或订阅地址" in r.text and 'value="政府办副主任"' in r.text
    r = client.post(f"/channels/{cid}/edit", data={**edit, "feed_url": server.url("/web/list.html")})
    assert _flash(r) == "登记信息已保存" and "政府办副主任" in r.text
    assert "清理整顿清单（1）" in client.get("/channels").text
    r = client.post(f"/channels/{cid}/apply", data={"csrf_token": csrf, "construction_plan": "设要闻动态、政务公开栏目"})
    assert r.status_code == 400 and "安全管理制度" in r.text and "设要闻动态、政务公开栏目" in r.text
    r = client.post(f"/channels/{cid}/apply", data={"csrf_token": csrf, "construction_plan": "设要闻动态、政务公开栏目"},
                    files={"rules_file": ("安全管理制度.txt", "三审三校制度".encode(), "text/plain")})
    assert "准入申请已提交" in _flash(r) and "安全管理制度.txt" in r.text
    link = re.search(r'href="(/channels/\d+/applications/\d+/files/0)"', r.text).group(1)
    got = client.get(link)
    assert got.status_code == 200 and got.content == "三审三校制度".encode()
    assert client.get(link.replace("/files/0", "/files/9")).status_code == 404
    listing = client.get("/publications").text  # not admitted yet: offered, but not to choose
    assert f'<option value="{cid}" disabled>区政府门户网站（待审核，未经准入不能起草）</option>' in listing
    r = client.post("/publications", data={"csrf_token": csrf, "channel_id": str(cid), "title": "常务会议",
                                           "text": SIGNED})
    assert r.status_code == 400 and "“区政府门户网站”准入申请尚待审核（准入状态：待审核），未经准入的网站或账号不能起草" in r.text
    assert 'value="常务会议"' in r.text and "会议要求，确保12月1日前全部供热到位。</textarea>" in r.text
    csrf = _as(client, "wx")  # 网宣办 reviews every unit's channel
    page = client.get(f"/channels/{cid}/admission")
    assert "准入审核（区委网宣办）" in page.text
    r = client.post(f"/channels/{cid}/review", data={"csrf_token": csrf, "note": "同意"})
    assert r.status_code == 400 and "请选择“准入”或“不予准入”" in r.text and ">同意</textarea>" in r.text
    r = client.post(f"/channels/{cid}/review", data={"csrf_token": csrf, "decision": "approve", "note": "同意"})
    assert _flash(r) == "已准入" and "清理整顿清单（0）" in client.get("/channels").text
    # Draft → sign (explicit) → publish to a page that was edited → the diff.
    csrf = _as(client, "gov_h")
    r = client.post("/publications", data={"csrf_token": csrf, "channel_id": str(cid), "title": "常务会议", "text": ""})
    assert r.status_code == 400 and "请填写正文" in r.text and 'value="常务会议"' in r.text
    uploaders = r.text.split('name="uploader"')[1].split("</select>")[0]  # the unit's own people only
    assert "政府办主任陈" in uploaders and "网宣办林" not in uploaders and "办公室王" not in uploaders
    r = client.post("/publications", data={"csrf_token": csrf, "channel_id": str(cid), "title": "常务会议",
                                           "text": SIGNED})
    pid = int(re.search(r"/publications/(\d+)", str(r.url)).group(1))
    assert "等待单位领导签发" in _flash(r) and 'id="sign"' not in r.text  # a handler cannot sign
    csrf = _as(client, "gov_l")
    r = client.post(f"/publications/{pid}/sign", data={"csrf_token": csrf})
    assert r.status_code == 400 and "请选择“签发”或“退回修改”" in r.text
    r = client.post(f"/publications/{pid}/sign", data={"csrf_token": csrf, "decision": "reject", "note": "日期请核实"})
    assert "已退回修改" in _flash(r) and "日期请核实" in r.text
    csrf = _as(client, "gov_h")
    r = client.post(f"/publications/{pid}/redraft", data={"csrf_token": csrf, "title": "常务会议", "text": ""})
    assert r.status_code == 400 and "请填写标题和正文" in r.text
    r = client.post(f"/publications/{pid}/redraft", data={"csrf_token": csrf, "title": "常务会议", "text": SIGNED})
    assert "重新提交签发" in _flash(r)
    csrf = _as(client, "gov_l")
    r = client.post(f"/publications/{pid}/sign", data={"csrf_token": csrf, "decision": "approve"})
    assert "已签发" in _flash(r) and "政府办主任陈" in r.text and 'id="publish"' not in r.text
    csrf = _as(client, "gov_h")
    url = server.add("/web/a.html", article("常务会议", LIVE))
    r = client.post(f"/publications/{pid}/publish", data={"csrf_token": csrf, "url": url})
    assert str(r.url).endswith(f"/publications/{pid}/diff") and "与签发稿不一致" in _flash(r)
    assert "共 1 处" in r.text and "<del>全部</del>" in r.text and "<ins>5</ins>" in r.text
    assert "政府办主任陈（对签发内容负责）" in r.text and "政府办信息员刘（对发布内容与签发稿一致负责）" in r.text
    listing = client.get(f"/publications?channel={cid}").text
    assert f'href="/publications/{pid}/diff"' in listing
    assert ">不一致 1</a>" in client.get("/channels").text


def test_a_statement_is_filed_and_approved_by_someone_else(client):
    csrf = _as(client, "office")
    assert '<option value="1">#1 某小区停暖引发关注</option>' in client.get("/filings").text
    r = client.post("/filings", data={"csrf_token": csrf, "kind": "statement", "title": "关于某小区停暖的情况通报",
                                      "text": "经核实，系管网检修所致，已于当日恢复供暖。", "events": "abc"})
    assert r.status_code == 400 and "数字" in r.text and "管网检修" in r.text
    r = client.post("/filings", data={"csrf_token": csrf, "kind": "statement", "title": "关于某小区停暖的情况通报",
                                      "text": "经核实，系管网检修所致，已于当日恢复供暖。", "events": "1"})
    fid = int(re.search(r"/filings/(\d+)", str(r.url)).group(1))
    assert "已申报备案" in _flash(r) and "某小区停暖引发关注" in r.text and 'id="approve"' not in r.text
    csrf = _as(client, "spokes")
    r = client.post(f"/filings/{fid}/approve", data={"csrf_token": csrf, "decision": "approve"})
    assert _flash(r) == "已审批" and "已审批" in r.text
    event = client.get("/events/1").text
    assert "声明与发布备案（1）" in event and f'href="/filings/{fid}"' in event


def test_the_json_api_registers_signs_publishes_and_returns_the_diff(client, server):
    csrf = _as(client, "gov_h")
    h = {"x-csrf-token": csrf, "accept": "application/json"}
    r = client.post("/api/channels", json={"kind": "weibo", "name": "政府办政务微博", "url": server.url("/api/"),
                                           "cadence": "daily"}, headers=h)
    assert r.status_code == 201 and r.json()["unit"] == "区政府办公室" and r.json()["cleanup"] == ["未经准入（未申请）"]
    cid = r.json()["id"]
    r = client.post("/api/channels", json={"kind": "blog", "name": "x", "url": "https://x"}, headers=h)
    assert r.status_code == 400 and "类型须为" in r.json()["detail"]
    r = client.post(f"/api/channels/{cid}/applications", json={"construction_plan": "方案", "security_rules": ""},
                    headers=h)
    assert r.status_code == 400 and "安全管理制度" in r.json()["detail"]
    r = client.post(f"/api/channels/{cid}/applications", json={"construction_plan": "方案", "security_rules": "制度"},
                    headers=h)
    assert r.status_code == 201 and r.json()["admission"] == "applied"
    assert client.post(f"/api/channels/{cid}/review", json={"approve": True}, headers=h).status_code == 403
    r = client.post("/api/publications", json={"channel_id": cid, "title": "常务会议", "text": SIGNED}, headers=h)
    assert r.status_code == 400 and "准入申请尚待审核（准入状态：待审核）" in r.json()["detail"]
    wx = {"x-csrf-token": _as(client, "wx"), "accept": "application/json"}
    r = client.post(f"/api/channels/{cid}/review", json={"approve": True, "note": "同意"}, headers=wx)
    assert r.json()["admission"] == "approved" and r.json()["cleanup"] == []
    h = {"x-csrf-token": _as(client, "gov_h"), "accept": "application/json"}
    pid = client.post("/api/publications", json={"channel_id": cid, "title": "常务会议", "text": SIGNED},
                      headers=h).json()["id"]
    csrf = _as(client, "gov_l")
    h = {"x-csrf-token": csrf, "accept": "application/json"}
    assert client.post(f"/api/publications/{pid}/sign", json={"note": "同意"}, headers=h).status_code == 422
    assert client.post(f"/api/publications/{pid}/sign", json={"approve": True}, headers=h).json()["state"] == "approved"
    assert client.post(f"/api/publications/{pid}/published", json={"url": server.url("/api/1")},
                       headers=h).status_code == 403  # only the named uploader
    csrf = _as(client, "gov_h")
    h = {"x-csrf-token": csrf, "accept": "application/json"}
    url = server.add("/api/1.html", article("常务会议", LIVE))
    got = client.post(f"/api/publications/{pid}/published", json={"url": url}, headers=h).json()
    assert got["live_check"] == "mismatch" and [d["op"] for d in got["diff"]] == ["equal", "replace"]
    [row] = [c for c in client.get("/api/channels", headers=h).json() if c["id"] == cid]
    assert row["mismatches"] == 1


def test_the_drafter_is_told_someone_else_signs_and_a_refused_sign_keeps_the_note(client, ws):
    from sqlalchemy import select

    from yuqing.store.tables import Unit

    with ws.db.write() as s:
        gov = s.execute(select(Unit).where(Unit.name == "区政府办公室")).scalar_one()
        cid = factories.channel(s, "区政府门户网站", owner=gov, admission="approved").id
    csrf = _as(client, "office")
    r = client.post("/publications", data={"csrf_token": csrf, "channel_id": str(cid), "title": "办公室自拟通知",
                                           "text": SIGNED})
    pid = int(re.search(r"/publications/(\d+)", str(r.url)).group(1))
    assert 'id="sign"' not in r.text and "起草人不能签发自己起草的稿件，请由本单位其他领导签发" in r.text
    listed = client.get("/publications").text.split(f'id="publication-{pid}"')[1].split("</li>")[0]
    assert "审阅签发" not in listed and "本人起草，须由他人签发" in listed  # no button to a page with no form
    r = client.post(f"/publications/{pid}/sign", data={"csrf_token": csrf, "decision": "approve",
                                                       "note": "我已核对无误"})  # a stale page, a second tab
    assert r.status_code == 403 and 'role="alert">起草人不能签发自己起草的稿件' in r.text
    assert "我已核对无误</textarea>" in r.text and "待签发" in r.text
    csrf = _as(client, "gov_l")
    listed = client.get("/publications").text.split(f'id="publication-{pid}"')[1].split("</li>")[0]
    assert f'href="/publications/{pid}#sign">审阅签发' in listed  # the unit's leader is offered it
    r = client.post(f"/publications/{pid}/sign", data={"csrf_token": csrf, "decision": "approve"})
    assert "已签发" in _flash(r) and "政府办主任陈" in r.text


def test_a_handlers_draft_says_who_signs_it(client, ws):
    """A unit handler cannot sign at all: the draft's page still names who does (the owner unit's leaders or
    the district's), not only 尚未签发."""
    from sqlalchemy import select

    from yuqing.store.tables import Unit

    with ws.db.write() as s:
        gov = s.execute(select(Unit).where(Unit.name == "区政府办公室")).scalar_one()
        cid = factories.channel(s, "区政府门户网站", owner=gov, admission="approved").id
    csrf = _as(client, "gov_h")
    r = client.post("/publications", data={"csrf_token": csrf, "channel_id": str(cid), "title": "信息员拟稿",
                                           "text": SIGNED})
    assert "稿件已提交" in _flash(r) and 'id="sign"' not in r.text
    assert "须由起草人以外有签发权限的领导签发：主办单位区政府办公室的单位领导，或区领导" in r.text
    pid = int(re.search(r"/publications/(\d+)", str(r.url)).group(1))
    csrf = _as(client, "gov_l")
    r = client.post(f"/publications/{pid}/sign", data={"csrf_token": csrf, "decision": "approve"})
    assert "已签发" in _flash(r) and 'id="who-signs"' not in r.text  # signed: the signer is named instead


def test_a_direct_sign_off_reads_as_one_on_the_publication_page(client, ws):
    """`publications sign` without a draft (the leader's own text): the page says it was signed directly, by whom
    it was drafted and signed, not as a reviewer's 意见."""
    from yuqing.domain.roles import Actor
    from yuqing.publish.registry import add_channel
    from yuqing.publish.signoff import sign_text
    from yuqing.store.tables import User

    with ws.db.read() as s:
        leader = s.query(User).filter_by(username="gov_l").one()
        actor = Actor(leader.id, leader.display_name, leader.role_code, leader.unit_id)
    ch = add_channel(ws, actor, kind="weibo", name="区政府发布", unit="区政府办公室", url="https://weibo.example.cn/g")
    pub = sign_text(ws, actor, ch.id, title="供暖通告", text=SIGNED)
    _as(client, "gov_l")
    page = client.get(f"/publications/{pub.id}").text
    assert "领导直接签发：起草与签发为同一人" in page and "意见：领导直接签发" not in page
