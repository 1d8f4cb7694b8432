"""Direct reporting (舆情直报): text, links and screenshots enter the pipeline; duplicates credit the reporter."""

from __future__ import annotations

import io
import json
import zlib
from datetime import datetime

import pytest
from PIL import Image
from sqlalchemy import select

from tests import factories
from tests.collect.conftest import FixtureServer
from yuqing.accounts import actor_of
from yuqing.clock import CHINA, frozen
from yuqing.collect import direct
from yuqing.collect.direct import DirectReportError, Draft, Screenshot
from yuqing.collect.http import HttpClient
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.store.tables import AuditEntry, Item, Notification, Source
from yuqing.store.tables_direct import DirectReport
from yuqing.workspace import Workspace

NOON = datetime(2026, 11, 30, 12, 0, tzinfo=CHINA)
POST = "网友反映青石镇幸福路菜市场门口污水横流已经三天了，无人处理，附近居民出行困难。"


@pytest.fixture
def people(ws: Workspace) -> dict[str, Actor]:
    with ws.db.write() as s:
        unit = factories.unit(s, "区应急管理局")
        other = factories.unit(s, "区网安大队")
        return {"handler": actor_of(factories.user(s, "yj", "unit_handler", unit, display_name="应急局刘")),
                "other": actor_of(factories.user(s, "wa", "unit_handler", other, display_name="网安周")),
                "leader": actor_of(factories.user(s, "ld", "leader", display_name="区领导"))}


def png(size: tuple[int, int] = (40, 30), exif: bool = False, fmt: str = "PNG") -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {2: (30.0, 40.0, 50.0)}  # GPS
        img.save(out, fmt, exif=data)
    else:
        img.save(out, fmt)
    return out.getvalue()


def test_pasted_text_becomes_an_item_of_the_direct_source(ws: Workspace, people: dict[str, Actor]) -> None:
    with frozen(NOON):
        report = direct.report_item(ws, people["handler"], Draft(text=POST, note="请关注", urgency="urgent",
                                                                 poster="张三"))
    with ws.db.read() as s:
        row = s.get(DirectReport, report.id)
        assert row is not None and row.kind == "text" and not row.duplicate and not row.late
        item = s.get(Item, row.item_id)
        assert item is not None and item.reported_by_id == people["handler"].user_id
        assert item.analysed_at is None  # pending: analysis picks it up like a collected item
        assert s.get(Source, item.source_id).kind == "direct"  # type: ignore[union-attr]
        assert item.extra["direct"]["unit"] == "区应急管理局" and item.extra["direct"]["urgency"] == "urgent"
        assert item.author_hash and item.author_public is None
        stored = zlib.decompress(item.raw_snapshot or b"")
        assert "张三".encode() not in stored and json.loads(stored)["text"] == POST
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "direct.report")).scalar_one()
        assert audit.object_id == str(report.id)
        notes = s.execute(select(Notification.audience)).scalars().all()
        assert sorted(notes) == ["analyst", "office"]


def test_a_duplicate_of_a_collected_item_credits_the_reporter(ws: Workspace, people: dict[str, Actor]) -> None:
    with frozen(NOON), ws.db.write() as s:
        original = factories.item(s, text=POST, captured_at=NOON).id
        copy = factories.item(s, text="转发：" + POST, captured_at=NOON, duplicate_of_id=original).id
    with frozen(NOON):
        first = direct.report_item(ws, people["handler"], Draft(text="有网友说：" + POST))
        second = direct.report_item(ws, people["other"], Draft(text=POST, note="同一件事"))
    with ws.db.read() as s:
        assert {first.item_id, second.item_id} == {original}
        assert first.duplicate and second.duplicate and copy != original
        assert s.query(Item).count() == 2  # no item stored for either report
        assert s.get(Item, original).reported_by_id is None  # type: ignore[union-attr]


def test_another_place_in_the_same_words_is_not_a_duplicate(ws: Workspace, people: dict[str, Actor]) -> None:
    with frozen(NOON), ws.db.write() as s:
        factories.item(s, text=POST, captured_at=NOON)
    with frozen(NOON):
        report = direct.report_item(ws, people["handler"], Draft(text=POST.replace("幸福路", "建设路")))
    assert not report.duplicate


def test_a_link_is_fetched_kept_as_evidence_and_posters_hashed(ws: Workspace, people: dict[str, Actor],
                                                              server: FixtureServer, client: HttpClient) -> None:
    page = (f"<html><head><title>菜市场污水</title><meta name='author' content='李四'></head><body>"
            f"<article><h1>菜市场污水</h1><p>{POST}</p><p>发帖人：李四</p></article></body></html>")
    url = server.add("/post/1", page, headers={"content-type": "text/html; charset=utf-8"})
    with frozen(NOON):
        report = direct.report_item(ws, people["handler"], Draft(url=url, note="网友发帖"), client=client,
                                    allow_internal=True)
        again = direct.report_item(ws, people["other"], Draft(url=url), client=client, allow_internal=True)
    with ws.db.read() as s:
        item = s.get(Item, report.item_id)
        assert item is not None and report.kind == "link" and item.url == url and POST in item.text
        assert item.raw_sha256 and item.raw_snapshot
        assert again.duplicate and again.item_id == item.id


def test_internal_links_are_refused_and_nothing_is_kept(ws: Workspace, people: dict[str, Actor]) -> None:
    with pytest.raises(DirectReportError, match="内部网络"):
        direct.report_item(ws, people["handler"], Draft(url="http://127.0.0.1:9/x"))
    with pytest.raises(DirectReportError, match="http"):
        direct.report_item(ws, people["handler"], Draft(url="ftp://example.org/x"))
    with ws.db.read() as s:
        assert s.query(DirectReport).count() == 0


def test_a_screenshot_is_checked_reencoded_without_exif_and_stored(ws: Workspace, people: dict[str, Actor]) -> None:
    raw = png(exif=True, fmt="JPEG")
    assert b"PhoneMaker" in raw
    with frozen(NOON):
        report = direct.report_item(ws, people["handler"], Draft(
            note="某公众号文章截图：西关路路面塌陷", screenshots=[Screenshot("IMG_0001.jpg", raw)]))
    assert report.kind == "screenshot" and len(report.files) == 1
    stored = (ws.path / report.files[0]["path"]).read_bytes()
    assert b"PhoneMaker" not in stored and Image.open(io.BytesIO(stored)).getexif() == {}
    assert report.files[0]["content_type"] == "image/jpeg"
    with ws.db.read() as s:
        item = s.get(Item, report.item_id)
        assert item is not None and item.text == "某公众号文章截图：西关路路面塌陷"
        assert item.extra["screenshots"][0]["sha256"] == report.files[0]["sha256"]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "空文件"),
    (b"%PDF-1.4 not an image", "无法识别"),
    (png()[:30], "无法识别"),
])
def test_bad_screenshots_are_refused(ws: Workspace, people: dict[str, Actor], data: bytes, message: str) -> None:
    with pytest.raises(DirectReportError, match=message):
        direct.report_item(ws, people["handler"], Draft(note="截图", screenshots=[Screenshot("a.png", data)]))


def test_gif_and_oversized_screenshots_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DirectReportError, match="PNG"):
        direct.check_screenshot(Screenshot("a.gif", png(fmt="GIF")))
    monkeypatch.setattr(direct, "MAX_SCREENSHOT_BYTES", 50)
    with pytest.raises(DirectReportError, match="MB"):
        direct.check_screenshot(Screenshot("a.png", png()))
    monkeypatch.setattr(direct, "MAX_SCREENSHOT_BYTES", 10 << 20)
    monkeypatch.setattr(direct, "MAX_PIXELS", 100)
    with pytest.raises(DirectReportError, match="像素"):
        direct.check_screenshot(Screenshot("a.png", png()))


def test_empty_reports_and_wrong_roles_are_refused(ws: Workspace, people: dict[str, Actor]) -> None:
    with pytest.raises(DirectReportError, match="至少一项"):
        direct.report_item(ws, people["handler"], Draft(note="只有说明"))
    with pytest.raises(DirectReportError, match="紧急程度"):
        direct.report_item(ws, people["handler"], Draft(text=POST, urgency="maybe"))
    with pytest.raises(PermissionDenied):
        direct.report_item(ws, people["leader"], Draft(text=POST))
