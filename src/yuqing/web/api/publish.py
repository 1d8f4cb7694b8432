"""JSON API of own channels (R-PUBLISH) under /api/channels, /api/publications and /api/filings: the
registry (the same objects as `yuqing channels list --json`), registering a channel, drafting, signing
(an explicit `approve`, never a default), recording the live URL (which runs the live check) and the
side-by-side diff, filing a statement.

Thin routes over the actions of `yuqing.publish`. Errors: 403 no right, 404 not found or not yours,
409 a step the lifecycle table refuses, 400 anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from yuqing.domain.lifecycle import TransitionRefused
from yuqing.domain.roles import PermissionDenied
from yuqing.publish import admission, filings, live, registry, signoff
from yuqing.store.repositories.cases import NotFound
from yuqing.web.deps import CurrentViewer, DbSession, WorkspaceDep, check_csrf

router = APIRouter(prefix="/api", tags=["publish"])
Writes = [Depends(check_csrf)]
T = TypeVar("T")


def guard(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except PermissionDenied as exc:
        raise HTTPException(403, str(exc)) from None
    except NotFound as exc:
        raise HTTPException(404, str(exc) or "不存在或无权查看") from None
    except TransitionRefused as exc:
        raise HTTPException(409, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from None


class ChannelPublic(BaseModel):
    id: int
    name: str
    kind: str
    unit: str | None
    admission: str
    last_update: str | None
    zombie: bool
    unsigned: int
    mismatches: int
    broken_links: int
    wrong_words: int
    open_orders: int
    url: str
    cleanup: list[str] = Field(description="why it is on the clean-up list (清理整顿清单); empty: it is not")


class ChannelCreate(BaseModel):
    kind: str = Field(max_length=20, description="website | weibo | wechat | app | video | leader")
    name: str = Field(max_length=200)
    unit: str | None = Field(None, max_length=100, description="owner unit, by name or id")
    url: str = Field(max_length=2000)
    feed_url: str | None = Field(None, max_length=2000)
    cadence: str = Field("weekly", max_length=10, description="daily | weekly")
    responsible_person: str = Field("", max_length=100)
    administrator: str = Field("", max_length=100)


class PublicationCreate(BaseModel):
    channel_id: int
    title: str = Field(max_length=300)
    text: str = Field(max_length=200_000)
    uploader: str | None = Field(None, max_length=100, description="username of the named uploader (default: you)")


class SignBody(BaseModel):
    approve: bool = Field(description="true 签发, false 退回 (with a note); required, never a default")
    note: str = Field("", max_length=2000)


class PublishedBody(BaseModel):
    url: str = Field(max_length=2000)


class DiffRowPublic(BaseModel):
    op: str = Field(description="equal | replace | delete | insert")
    signed: str
    live: str


class PublicationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    channel_id: int
    state: str
    title: str
    text: str
    content_sha256: str
    drafted_by_name: str
    signed_by_name: str | None
    signed_at: datetime | None
    uploader_name: str
    live_url: str | None
    published_at: datetime | None
    live_check: str | None
    live_checked_at: datetime | None
    diff: list[DiffRowPublic] = []


class FilingCreate(BaseModel):
    kind: str = Field("statement", max_length=20, description="statement | spokesperson")
    title: str = Field(max_length=300)
    text: str = Field(max_length=200_000)
    url: str | None = Field(None, max_length=2000)
    event_ids: list[int] = []
    case_ids: list[int] = []


def _channel(row: registry.ChannelRow) -> ChannelPublic:
    return ChannelPublic(**row.as_json(), url=row.url, cleanup=row.cleanup)


def _publication(pub: Any) -> PublicationPublic:
    out = PublicationPublic.model_validate(pub)
    if pub.live_text is not None:
        out.diff = [DiffRowPublic(op=r.op, signed="".join(t for t, _ in r.left), live="".join(t for t, _ in r.right))
                    for r in live.side_by_side(pub.text, pub.live_text)]
    return out


@router.get("/channels", response_model=list[ChannelPublic])
def channels(viewer: CurrentViewer, session: DbSession, ws: WorkspaceDep) -> list[ChannelPublic]:
    if not viewer.can("channels.read"):
        raise HTTPException(403, "无权查看网站与新媒体账号")
    rows = registry.channel_rows(session, viewer.actor, all_units=registry.sees_all(session, ws, viewer.actor))
    return [_channel(r) for r in rows]


@router.post("/channels", response_model=ChannelPublic, status_code=201, dependencies=Writes)
def add_channel(body: ChannelCreate, viewer: CurrentViewer, session: DbSession, ws: WorkspaceDep) -> ChannelPublic:
    ch = guard(lambda: registry.add_channel(ws, viewer.actor, kind=body.kind, name=body.name, unit=body.unit,
                                            url=body.url, feed_url=body.feed_url, cadence=body.cadence,
                                            responsible_person=body.responsible_person,
                                            administrator=body.administrator))
    with ws.db.read() as s:
        [row] = registry.channel_rows(s, viewer.actor, [ch.id], all_units=True)
    return _channel(row)


class ApplicationBody(BaseModel):
    construction_plan: str = Field(max_length=20_000, description="建设方案 (its text; files: the page's form)")
    security_rules: str = Field(max_length=20_000, description="安全管理制度")


class DecisionBody(BaseModel):
    approve: bool = Field(description="required, never a default; false needs a note")
    note: str = Field("", max_length=2000)


class CloseBody(BaseModel):
    reason: str = Field(max_length=500)


def _row(ws: Any, viewer: Any, channel_id: int) -> ChannelPublic:
    with ws.db.read() as s:
        [row] = registry.channel_rows(s, viewer.actor, [channel_id], all_units=True)
    return _channel(row)


@router.post("/channels/{channel_id}/applications", response_model=ChannelPublic, status_code=201,
             dependencies=Writes)
def apply(channel_id: int, body: ApplicationBody, viewer: CurrentViewer, ws: WorkspaceDep) -> ChannelPublic:
    """准入申请 with the construction plan and the security rules."""
    guard(lambda: admission.apply_admission(ws, viewer.actor, channel_id, construction_plan=body.construction_plan,
                                            security_rules=body.security_rules))
    return _row(ws, viewer, channel_id)


@router.post("/channels/{channel_id}/review", response_model=ChannelPublic, dependencies=Writes)
def review(channel_id: int, body: DecisionBody, viewer: CurrentViewer, ws: WorkspaceDep) -> ChannelPublic:
    """准入 or 不予准入 (网宣办 or the office)."""
    guard(lambda: admission.review_admission(ws, viewer.actor, channel_id, approve=body.approve, note=body.note))
    return _row(ws, viewer, channel_id)


@router.post("/channels/{channel_id}/close", response_model=ChannelPublic, dependencies=Writes)
def close(channel_id: int, body: CloseBody, viewer: CurrentViewer, ws: WorkspaceDep) -> ChannelPublic:
    guard(lambda: admission.close_channel(ws, viewer.actor, channel_id, reason=body.reason))
    return _row(ws, viewer, channel_id)


@router.post("/publications", response_model=PublicationPublic, status_code=201, dependencies=Writes)
def draft(body: PublicationCreate, viewer: CurrentViewer, ws: WorkspaceDep) -> PublicationPublic:
    pub = guard(lambda: signoff.draft_publication(ws, viewer.actor, body.channel_id, title=body.title,
                                                  text=body.text, uploader=body.uploader))
    return _publication(pub)


@router.get("/publications/{pub_id}", response_model=PublicationPublic)
def publication(pub_id: int, viewer: CurrentViewer, session: DbSession) -> PublicationPublic:
    if not viewer.can("channels.read"):
        raise HTTPException(403, "无权查看发布稿件")
    pub, _ch = guard(lambda: signoff.load_publication(session, viewer.actor, pub_id))
    return _publication(pub)


@router.post("/publications/{pub_id}/sign", response_model=PublicationPublic, dependencies=Writes)
def sign(pub_id: int, body: SignBody, viewer: CurrentViewer, ws: WorkspaceDep) -> PublicationPublic:
    pub = guard(lambda: signoff.sign_publication(ws, viewer.actor, pub_id, approve=body.approve, note=body.note))
    return _publication(pub)


@router.post("/publications/{pub_id}/published", response_model=PublicationPublic, dependencies=Writes)
def published(pub_id: int, body: PublishedBody, viewer: CurrentViewer, ws: WorkspaceDep) -> PublicationPublic:
    """Record the live URL (the named uploader only), then fetch the page and compare it with the signed text."""
    guard(lambda: signoff.record_published(ws, viewer.actor, pub_id, url=body.url))
    guard(lambda: signoff.check_live(ws, viewer.actor, pub_id))
    with ws.db.read() as s:
        pub, _ch = guard(lambda: signoff.load_publication(s, viewer.actor, pub_id))
        return _publication(pub)


@router.post("/filings", status_code=201, dependencies=Writes)
def file_statement(body: FilingCreate, viewer: CurrentViewer, ws: WorkspaceDep) -> dict[str, Any]:
    filing = guard(lambda: filings.file_statement(ws, viewer.actor, kind=body.kind, title=body.title, text=body.text,
                                                  url=body.url, event_ids=body.event_ids, case_ids=body.case_ids))
    return {"id": filing.id, "state": filing.state, "content_sha256": filing.content_sha256}


@router.post("/filings/{filing_id}/approve", dependencies=Writes)
def approve_filing(filing_id: int, body: DecisionBody, viewer: CurrentViewer, ws: WorkspaceDep) -> dict[str, Any]:
    filing = guard(lambda: filings.approve_filing(ws, viewer.actor, filing_id, approve=body.approve, note=body.note))
    return {"id": filing.id, "state": filing.state, "approved_by": filing.approved_by_name}
