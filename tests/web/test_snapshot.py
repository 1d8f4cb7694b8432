"""The snapshot page reads like the capture: records as labelled fields, a feed as this item's entry."""

from __future__ import annotations

import json
import zlib

from fastapi.testclient import TestClient

from tests import factories
from tests.web.conftest import login
from yuqing.web.snapshot import readable
from yuqing.workspace import Workspace

RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>本地新闻</title>
<item><title>另一条</title><link>https://news.example/2</link><description>无关</description></item>
<item><title>河口镇暴雨积水</title><link>https://news.example/1</link>
<pubDate>Mon, 05 Oct 2026 08:00:00 +0800</pubDate><description>&lt;p&gt;河口镇低洼处积水&lt;/p&gt;</description></item>
</channel></rss>""".encode()


def test_a_pushed_record_reads_as_labelled_fields_without_escapes(ws: Workspace, app_client: TestClient) -> None:
    record = {"id": "a1", "title": "欠薪求助", "text": "锦江华府项目拖欠工资", "reposts": 3,
              "extra": {"place": "青石镇"}}
    raw = json.dumps(record).encode()  # ensure_ascii: the bytes carry \\u escapes
    assert b"\\u" in raw
    with ws.db.write() as s:
        factories.user(s, "liming")
        it = factories.item(s, "锦江华府项目拖欠工资", raw_snapshot=zlib.compress(raw),
                            raw_content_type="application/json")
    login(app_client, "liming")
    page = app_client.get(f"/items/{it.id}/snapshot")
    assert page.status_code == 200 and "记录内容" in page.text
    assert "标题" in page.text and "欠薪求助" in page.text and "转发" in page.text and "青石镇" in page.text
    assert "\\u" not in page.text and '{"' not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_a_feed_snapshot_shows_the_items_own_entry() -> None:
    view = readable(RSS, "application/rss+xml", url="https://news.example/1")
    fields = {f.label: f.value for f in view.fields}
    assert view.kind == "feed" and fields["标题"] == "河口镇暴雨积水" and fields["摘要"] == "河口镇低洼处积水"
    assert "另一条" not in str(view.fields) and "另一条" in view.full_text
    gone = readable(RSS, "application/rss+xml", url="https://news.example/9")
    assert gone.kind == "feed" and gone.fields == [] and "没有找到" in gone.note


def test_html_is_sanitised_and_text_is_wrapped() -> None:
    page = readable("<p onclick='x()'>正文</p><script>alert(1)</script>".encode(), "text/html; charset=utf-8")
    assert page.kind == "html" and "正文" in page.html and "<script" not in page.html and "onclick" not in page.html
    plain = readable("一行\n两行".encode("gbk"), "text/plain; charset=gbk")
    assert plain.kind == "text" and plain.text == "一行\n两行"
