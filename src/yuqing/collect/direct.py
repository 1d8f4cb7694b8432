"""Direct reporting (舆情直报, R-COLLECT-5): a unit user reports an item by hand — pasted text, a link or
screenshots — with a short note and an urgency flag (紧急/一般).

A report enters the same pipeline as collected items: it is an item of the workspace's "直报" source with
`reported_by_id` set (the reporter and unit are recorded on the report row and in the item's `extra`), so
analysis picks it up. Posters inside the reported content are hashed like in any item (`collect.store`).
A report that duplicates an item already stored (same link, or the same or nearly the same text) attaches
to that item and credits the reporter: no second item is stored.

A link is fetched through the collection HTTP client with its limits (size, time, redirects) before the
action's transaction opens, and kept as evidence like a collected page. Screenshots are checked with
Pillow (type, size, a decodable image) and re-encoded, which drops EXIF (place and phone model).
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import json
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from yuqing.actions import Tx, action
from yuqing.analyse.dedup import match_core, shingles, slot_conflict
from yuqing.clock import CHINA, utcnow
from yuqing.collect.base import FetchedItem, canonical_url
from yuqing.collect.http import FetchError, HttpClient, HttpPolicy
from yuqing.collect.store import clean_item, content_hash, item_key, save_items
from yuqing.store.tables import Item, Source, Unit, User
from yuqing.store.tables_direct import DirectReport, DirectReportDuty
from yuqing.workspace import Workspace

SOURCE_KIND = "direct"
SOURCE_NAME = "直报"
URGENCIES: dict[str, str] = {"urgent": "紧急", "normal": "一般"}
KINDS: dict[str, str] = {"text": "文字", "link": "链接", "screenshot": "截图", "nothing": "今日无舆情"}
DEFAULT_CUTOFF = "17:00"  # 各单位每日 17:00 前报送
MAX_TEXT = 20_000
MAX_NOTE = 500
MAX_SCREENSHOTS = 6
MAX_SCREENSHOT_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
IMAGE_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"), "WEBP": ("webp", "image/webp")}
# A duplicate is looked for among the items captured in the last days (bounded work for one hand report).
DUPLICATE_DAYS = 3
DUPLICATE_CANDIDATES = 3000
LINK_POLICY = HttpPolicy(read_timeout=15.0, total_timeout=30.0, retries=1, per_host_delay=0.0)


class DirectReportError(ValueError):
    """A report that cannot be accepted; the message (Chinese) names the field and what to do."""


@dataclass(frozen=True, slots=True)
class Screenshot:
    """An image handed to a report (from the form or the demo)."""

    filename: str
    data: bytes


@dataclass(slots=True)
class Draft:
    """What the reporter typed: at least one of text, link or screenshots."""

    text: str = ""
    url: str = ""
    note: str = ""
    urgency: str = "normal"
    poster: str = ""  # 发帖人, if the reporter names one: stored hashed, like any poster
    screenshots: list[Screenshot] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CheckedImage:
    filename: str
    data: bytes  # re-encoded: no EXIF
    ext: str
    content_type: str
    width: int
    height: int
    original_sha256: str


def report_day(at: datetime) -> date:
    """The China-time day a submission counts for."""
    return at.astimezone(CHINA).date()


def cutoff_at(day: date, cutoff: str) -> datetime:
    hour, minute = (int(p) for p in cutoff.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


def check_cutoff(text: str) -> str:
    """A cut-off written HH:MM (China time), normalised; DirectReportError otherwise."""
    try:
        parsed = datetime.strptime(text.strip(), "%H:%M")
    except ValueError:
        raise DirectReportError(f"截止时间应写成 17:00 这样的时:分，收到“{text[:20]}”") from None
    return parsed.strftime("%H:%M")


# -- screenshots ----------------------------------------------------------------------------------------
def check_screenshot(shot: Screenshot) -> CheckedImage:
    """A valid PNG, JPEG or WebP image within the limits, re-encoded without EXIF; DirectReportError otherwise."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = Path(shot.filename or "截图").name[:120] or "截图"
    if not shot.data:
        raise DirectReportError(f"截图“{name}”是空文件，请重新选择")
    if len(shot.data) > MAX_SCREENSHOT_BYTES:
        raise DirectReportError(f"截图“{name}”超过 {MAX_SCREENSHOT_BYTES // (1024 * 1024)} MB，请压缩后再上传")
    try:
        with Image.open(io.BytesIO(shot.data)) as probe:
            fmt = probe.format or ""
            if fmt not in IMAGE_FORMATS:
                raise DirectReportError(f"截图“{name}”不是 PNG、JPEG 或 WebP 图片")
            if probe.width * probe.height > MAX_PIXELS:
                raise DirectReportError(f"截图“{name}”像素过多（{probe.width}×{probe.height}），请缩小后再上传")
            probe.verify()
        with Image.open(io.BytesIO(shot.data)) as img:
            img.load()
            pic: Image.Image = ImageOps.exif_transpose(img)  # the orientation the phone meant; EXIF is dropped
            ext, ctype = IMAGE_FORMATS[fmt]
            out = io.BytesIO()
            if fmt == "JPEG":
                pic.convert("RGB").save(out, "JPEG", quality=90)
            elif fmt == "WEBP":
                pic.save(out, "WEBP", quality=90)
            else:
                if pic.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
                    pic = pic.convert("RGBA")
                pic.save(out, "PNG")
            width, height = pic.size
    except DirectReportError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DirectReportError(f"截图“{name}”无法识别为图片（文件可能已损坏），请重新截图") from None
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return CheckedImage(f"{stem}.{ext}", out.getvalue(), ext, ctype, width, height,
                        hashlib.sha256(shot.data).hexdigest())


# -- links ----------------------------------------------------------------------------------------------
def _public_host(url: str) -> None:
    """Refuse addresses inside the network (a unit user must not make the server read internal pages)."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        raise DirectReportError(f"链接的网站“{host[:80]}”无法解析，请检查链接") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address.is_private or address.is_loopback or address.is_link_local or address.is_reserved:
            raise DirectReportError("链接指向内部网络地址，不能抓取；请改为粘贴文字或上传截图")


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DirectReportError("链接应以 http:// 或 https:// 开头，请复制完整的网页地址")
    if len(url) > 2000:
        raise DirectReportError("链接过长（超过 2000 个字符）")
    return url


def fetch_link(url: str, client: HttpClient | None = None, *, allow_internal: bool = False) -> FetchedItem:
    """The page behind a reported link, fetched with the collection limits and extracted like a web source."""
    from yuqing.collect.web import ACCEPT, extract_detail

    url = check_url(url)
    if not allow_internal:
        _public_host(url)
    own = client is None
    http = client or HttpClient(LINK_POLICY)
    try:
        resp = http.get(url, accept=ACCEPT)
    except FetchError as exc:
        raise DirectReportError(f"链接无法打开（{exc.args[0]}）；可改为粘贴文字或上传截图") from None
    finally:
        if own:
            http.close()
    try:
        item = extract_detail(resp.content, resp.content_type, resp.url, {})
    except Exception as exc:  # hostile or broken markup: tell the reporter, keep nothing
        raise DirectReportError(f"链接的网页无法解析（{type(exc).__name__}）；可改为粘贴文字或上传截图") from None
    item.url = url
    if resp.url != url:
        item.extra["final_url"] = resp.url
    return item


# -- duplicates -----------------------------------------------------------------------------------------
def find_duplicate(session: Any, fetched: FetchedItem, now: datetime) -> int | None:
    """The stored item this report repeats (the root of a repost chain), else None.

    The same link (canonical URL) anywhere; else the same or nearly the same text (shingle resemblance
    >= 0.6, or the report is >= 80 % contained in the item) among the recent items, unless the two name
    another place or number in the same words (`analyse.dedup.slot_conflict`)."""
    if fetched.url:
        canon = canonical_url(fetched.url)
        source_ids = list(session.execute(select(Source.id)).scalars())
        row = session.execute(
            select(Item.id, Item.duplicate_of_id)
            .where(Item.source_id.in_(source_ids), Item.item_key.in_([canon, fetched.url]))
            .order_by(Item.id).limit(1)
        ).first()
        if row is None:
            row = session.execute(select(Item.id, Item.duplicate_of_id).where(Item.url == fetched.url)
                                  .order_by(Item.id).limit(1)).first()
        if row is not None:
            return int(row.duplicate_of_id or row.id)
    core = match_core(f"{fetched.title}\n{fetched.text}" if fetched.title else fetched.text)
    if len(core) < 8:
        return None
    mine = shingles(core)
    since = now - timedelta(days=DUPLICATE_DAYS)
    rows = session.execute(
        select(Item.id, Item.title, Item.text, Item.duplicate_of_id)
        .where(Item.captured_at >= since).order_by(Item.captured_at.desc()).limit(DUPLICATE_CANDIDATES)
    ).all()
    best: tuple[float, int] | None = None
    for row in rows:
        other_core = match_core(f"{row.title}\n{row.text}" if row.title else row.text)
        if not other_core:
            continue
        theirs = shingles(other_core)
        shared = len(mine & theirs)
        if not shared:
            continue
        resemblance = shared / len(mine | theirs)
        contained = shared / len(mine)
        if (resemblance >= 0.6 or contained >= 0.8) and not slot_conflict(core, other_core):
            score = max(resemblance, contained)
            if best is None or score > best[0]:
                best = (score, int(row.duplicate_of_id or row.id))
    return best[1] if best else None


# -- the source and the unit's cut-off ------------------------------------------------------------------
def direct_source(tx: Tx) -> Source:
    """The workspace's one "直报" source (made on the first report)."""
    source = tx.session.execute(select(Source).where(Source.kind == SOURCE_KIND).order_by(Source.id).limit(1)
                                ).scalar_one_or_none()
    if source is None:
        source = Source(name=SOURCE_NAME, kind=SOURCE_KIND, url=None, config={}, interval_seconds=0,
                        enabled=True, official=False, health="ok")
        tx.session.add(source)
        tx.session.flush()
        tx.audit("source.create", "source", source.id, kind=SOURCE_KIND, name=SOURCE_NAME)
    return source


def is_late(session: Any, unit_id: int | None, at: datetime) -> bool:
    """Whether a submission at `at` is after the unit's cut-off that day (units without a duty: never late)."""
    if unit_id is None:
        return False
    duty = session.get(DirectReportDuty, unit_id)
    return duty is not None and at > cutoff_at(report_day(at), duty.cutoff)


def _reporter_unit(tx: Tx) -> Unit | None:
    if tx.actor.user_id is None:
        return None
    user = tx.session.get(User, tx.actor.user_id)
    unit_id = user.unit_id if user is not None else tx.actor.unit_id
    return tx.session.get(Unit, unit_id) if unit_id is not None else None


# -- the action -----------------------------------------------------------------------------------------
def _check_draft(draft: Draft, fetched: FetchedItem | None) -> None:
    if draft.urgency not in URGENCIES:
        raise DirectReportError("请选择紧急程度：紧急或一般")
    if len(draft.note) > MAX_NOTE:
        raise DirectReportError(f"说明不超过 {MAX_NOTE} 个字（现有 {len(draft.note)} 个）")
    if len(draft.text) > MAX_TEXT:
        raise DirectReportError(f"粘贴的文字不超过 {MAX_TEXT} 个字（现有 {len(draft.text)} 个）")
    if len(draft.screenshots) > MAX_SCREENSHOTS:
        raise DirectReportError(f"截图一次最多 {MAX_SCREENSHOTS} 张")
    if not (draft.text.strip() or fetched is not None or draft.screenshots):
        raise DirectReportError("请粘贴信息内容、填写链接或上传截图（至少一项）")
    if draft.screenshots and not (draft.text.strip() or fetched is not None or draft.note.strip()):
        raise DirectReportError("只上传截图时，请在“说明”里简要写明截图的内容")


def _item_of(draft: Draft, fetched: FetchedItem | None, images: list[CheckedImage]) -> tuple[str, FetchedItem]:
    """The report as an item to store: the fetched page, or the pasted text (and screenshots) as a record."""
    shots = [{"filename": i.filename, "sha256": hashlib.sha256(i.data).hexdigest(),
              "original_sha256": i.original_sha256} for i in images]
    if fetched is not None:
        if shots:
            fetched.extra["screenshots"] = shots
        return "link", fetched
    text = draft.text.strip() or draft.note.strip()
    kind = "text" if draft.text.strip() else "screenshot"
    record: dict[str, Any] = {"text": text, "note": draft.note.strip(), "screenshots": shots}
    poster = draft.poster.strip() or None
    if poster:
        record["author"] = poster  # hashed in the stored copy (collect.privacy), like any poster
    raw = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
    title = "" if kind == "text" else f"截图直报：{text[:40]}"
    return kind, FetchedItem(title=title, text=text, author=poster, raw=raw,
                             content_type="application/json", extra={"screenshots": shots} if shots else {})


@action("direct.report", permission="items.report")
def submit_report(tx: Tx, draft: Draft, fetched: FetchedItem | None = None) -> DirectReport:
    """Record a report by hand: a new item of the 直报 source, or a credit on the item it duplicates (audited).

    `fetched` is the page of the reported link, fetched before the transaction (`report_item` does both)."""
    _check_draft(draft, fetched)
    images = [check_screenshot(s) for s in draft.screenshots]
    now = utcnow()
    unit = _reporter_unit(tx)
    kind, item = _item_of(draft, fetched, images)
    clean_item(item)
    duplicate_id = find_duplicate(tx.session, item, now)
    report = DirectReport(kind=kind, unit_id=unit.id if unit else None, reporter_id=tx.actor.user_id,
                          note=draft.note.strip(), urgency=draft.urgency, url=item.url if fetched else None,
                          files=[], report_date=report_day(now), late=is_late(tx.session, unit.id if unit else None, now),
                          submitted_at=now, duplicate=duplicate_id is not None, item_id=duplicate_id)
    tx.session.add(report)
    tx.session.flush()
    if images:
        report.files = _store_images(tx.ws, report.id, images)
    direct = {"report_id": report.id, "unit_id": report.unit_id, "unit": unit.name if unit else None,
              "reporter": tx.actor.name, "urgency": draft.urgency, "note": report.note}
    if duplicate_id is None:
        source = direct_source(tx)
        item.extra["direct"] = direct
        save_items(tx.session, source.id, False, [item], tx.ws.settings.author_salt, now=now)
        key = item_key(item.external_id, item.url, content_hash(item.title, item.text))
        stored = tx.session.execute(select(Item).where(Item.source_id == source.id, Item.item_key == key)
                                    ).scalar_one()
        if stored.reported_by_id is None:
            stored.reported_by_id = tx.actor.user_id
        report.item_id = stored.id
    tx.audit("direct.report", "direct_report", report.id, kind=kind, unit_id=report.unit_id,
             item_id=report.item_id, duplicate=report.duplicate, urgency=draft.urgency, late=report.late,
             files=[f["sha256"] for f in report.files])
    if draft.urgency == "urgent":
        who = unit.name if unit else tx.actor.name
        title = f"紧急直报：{who}报送“{(item.title or item.text)[:40]}”"
        for audience in ("office", "analyst"):
            tx.notify(audience, "direct.urgent", title, body=report.note, link=f"/items/{report.item_id}")
    return report


def _store_images(ws: Workspace, report_id: int, images: list[CheckedImage]) -> list[dict[str, Any]]:
    """Keep the re-encoded screenshots under the workspace, named by their hash (like case attachments)."""
    out = []
    for image in images:
        digest = hashlib.sha256(image.data).hexdigest()
        rel = Path("direct_reports") / str(report_id) / f"{digest[:16]}.{image.ext}"
        dest = ws.path / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists():
            dest.write_bytes(image.data)
        out.append({"filename": image.filename, "sha256": digest, "size": len(image.data), "path": rel.as_posix(),
                    "content_type": image.content_type, "width": image.width, "height": image.height,
                    "original_sha256": image.original_sha256})
    return out


def report_item(ws: Workspace, actor: Any, draft: Draft, *, client: HttpClient | None = None,
                allow_internal: bool = False) -> DirectReport:
    """Fetch the reported link (if any) outside any transaction, then record the report (`submit_report`)."""
    from yuqing.domain.roles import require

    require(actor, "items.report")  # refuse before fetching anything for someone who may not report
    _check_draft(draft, FetchedItem() if draft.url.strip() else None)
    fetched = fetch_link(draft.url, client, allow_internal=allow_internal) if draft.url.strip() else None
    return submit_report(ws, actor, draft, fetched)


# -- reading --------------------------------------------------------------------------------------------
def reports_of_day(session: Any, day: date, unit_id: int | None = None) -> list[dict[str, Any]]:
    """The submissions of one China-time day (of one unit, or all), newest first, for pages and reports."""
    stmt = (select(DirectReport, Unit.name, User.display_name, Item.title, Item.text)
            .outerjoin(Unit, Unit.id == DirectReport.unit_id)
            .outerjoin(User, User.id == DirectReport.reporter_id)
            .outerjoin(Item, Item.id == DirectReport.item_id)
            .where(DirectReport.report_date == day)
            .order_by(DirectReport.submitted_at.desc(), DirectReport.id.desc()))
    if unit_id is not None:
        stmt = stmt.where(DirectReport.unit_id == unit_id)
    out = []
    for report, unit_name, reporter, title, text in session.execute(stmt):
        out.append({
            "id": report.id, "kind": report.kind, "kind_label": KINDS.get(report.kind, report.kind),
            "unit": unit_name or "", "reporter": reporter or "", "item_id": report.item_id,
            "summary": (title or text or report.note or "")[:80], "note": report.note,
            "urgency": report.urgency, "urgency_label": URGENCIES.get(report.urgency, report.urgency),
            "duplicate": report.duplicate, "late": report.late, "files": len(report.files or []),
            "submitted_at": report.submitted_at,
        })
    return out
