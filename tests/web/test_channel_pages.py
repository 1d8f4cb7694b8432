"""The channel page, the correction-order pages and the wrong-words list, on a workspace checked against a
channel served on 127.0.0.1 (a page with a dead link and a wrong word)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.publish import channel_server, test_check
from tests.publish.channel_server import ChannelServer
from tests.publish.test_check import ARTICLE, FAST, LIST, NOW, Desk, add_channel
from tests.web.conftest import login
from yuqing.clock import frozen
from yuqing.publish.check import run_checks
from yuqing.store.tables_publish import CorrectionOrder, WrongWord
from yuqing.web.app import create_app

site = channel_server.site
desk = test_check.desk


@pytest.fixture
def checked(desk: Desk, site: ChannelServer) -> Iterator[tuple[Desk, int, TestClient]]:
    site.add("/news/ok.html", "<p>上一篇</p>")
    site.add("/news/1.html", ARTICLE)
    ch_id = add_channel(desk, "区融媒体网站", site.url("/"), site.add("/news/", LIST))
    with frozen(NOW):
        run_checks(desk.ws, desk.jobs, policy=FAST)
    with TestClient(create_app(desk.ws), base_url="http://127.0.0.1", headers={"accept": "text/html"}) as c:
        yield desk, ch_id, c


def test_channel_page_shows_history_and_findings_in_place(checked: tuple[Desk, int, TestClient]) -> None:
    _d, ch_id, client = checked
    login(client, "office")
    with frozen(NOW + timedelta(hours=1)):
        page = client.get(f"/channels/{ch_id}")
        charts = client.get(f"/channels/{ch_id}/charts").json()
    assert page.status_code == 200
    text = page.text
    assert "每周发布数" in text and "区【工商局】" not in text and "<mark>工商局</mark>会同区应急管理局" in text
    assert "应为“<strong>市场监督管理局</strong>”" in text and "HTTP 404" in text and "/files/missing.pdf" in text
    assert "整改通知（2）" in text and "未经签发" in text
    series = charts["weekly"]["option"]["series"][0]["data"]
    assert len(series) == 12 and sum(series) == 1  # the one article, dated 27 November
    assert client.get("/channels/99999").status_code == 404
    with frozen(NOW + timedelta(days=10)):
        client.cookies.clear()
        login(client, "office")  # ten days later: a new session
        registry = client.get("/channels").text
    assert "整改中 2" in registry and "整改逾期 2" in registry  # both orders past their 3 working days


def test_a_unit_explains_and_asks_for_a_recheck_other_units_see_nothing(checked: tuple[Desk, int, TestClient]
                                                                        ) -> None:
    d, _ch_id, client = checked
    with d.ws.db.read() as s:
        order_id = s.execute(select(CorrectionOrder.id).order_by(CorrectionOrder.id)).scalars().first()
    login(client, "edu_h")
    assert client.get(f"/channels/orders/{order_id}").status_code == 404
    assert "没有未办结的整改通知" in client.get("/channels/orders").text
    client.cookies.clear()
    token = login(client, "media_h")
    listing = client.get("/channels/orders").text
    assert f"/channels/orders/{order_id}" in listing and "剩余" in listing
    short = client.post(f"/channels/orders/{order_id}/explain", data={"text": "已改", "csrf_token": token})
    assert short.status_code == 400 and "至少 10 个字" in short.text and ">已改</textarea>" in short.text
    ok = client.post(f"/channels/orders/{order_id}/explain",
                     data={"text": "编辑沿用了旧机构名称，已更正并加强审核。", "csrf_token": token})
    assert ok.status_code == 200 and "复查确认整改到位后办结" in ok.text
    again = client.post(f"/channels/orders/{order_id}/recheck", data={"csrf_token": token})
    assert again.status_code == 200 and "复查未通过" in again.text


def test_office_edits_the_wrong_words_list(checked: tuple[Desk, int, TestClient]) -> None:
    d, _ch, client = checked
    token = login(client, "office")
    page = client.get("/channels/words").text
    assert "目前使用系统默认列表" in page and "工商局" in page
    bad = client.post("/channels/words", data={"word": "错", "suggestion": "对", "kind": "misspelling",
                                               "csrf_token": token})
    assert bad.status_code == 400 and "至少两个字" in bad.text
    r = client.post("/channels/words", data={"word": "区长助理", "suggestion": "副区长", "kind": "outdated",
                                             "note": "本区2025年起不再设", "csrf_token": token})
    assert r.status_code == 200 and "已保存" in r.text
    client.post("/channels/words/active", data={"word": "工商局", "active": "0", "csrf_token": token})
    with d.ws.db.read() as s:
        rows = {w.word: w for w in s.execute(select(WrongWord)).scalars()}
    assert rows["区长助理"].active and not rows["工商局"].active and len(rows) > 20  # the defaults made concrete
    client.cookies.clear()
    token = login(client, "media_h")
    assert client.post("/channels/words", data={"word": "某词语", "suggestion": "另一词", "kind": "banned",
                                                "csrf_token": token}).status_code == 403


def test_office_sends_an_unsigned_article_as_an_order_from_the_channel_page(checked: tuple[Desk, int, TestClient]
                                                                            ) -> None:
    from tests import factories

    d, ch_id, client = checked
    with d.ws.db.write() as s:
        ch = s.get(factories.Channel, ch_id)
        fid = factories.channel_finding(s, ch, "unsigned", key="u1", page_url="http://127.0.0.1/u1.html",
                                        detail="《未签发文章》未经签发即发布").id
    token = login(client, "office")
    with frozen(NOW + timedelta(hours=1)):
        page = client.get(f"/channels/{ch_id}").text
        assert f'action="/channels/findings/{fid}/order"' in page and "整改通知 " in page  # the others have theirs
        r = client.post(f"/channels/findings/{fid}/order", data={"csrf_token": token})
        assert r.status_code == 200 and "整改通知已下达" in r.text and "未经签发即发布" in r.text
        again = client.post(f"/channels/findings/{fid}/order", data={"csrf_token": token})
    assert "未能下达：该问题已有整改通知" in again.text
    client.cookies.clear()
    token = login(client, "media_h")
    assert client.post(f"/channels/findings/{fid}/order", data={"csrf_token": token}).status_code == 403
