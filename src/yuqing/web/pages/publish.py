"""网站与新媒体账号 (R-PUBLISH): the registry with admission states and the clean-up list, the admission
application and review forms, the sign-off list (签发) with its approve and publish buttons, the side-by-side
diff of signed vs live text, and the statement filings (申报备案). Routes stay thin: the actions live in
yuqing.publish; a refusal keeps what was typed and says why in Chinese.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile
from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.domain.lifecycle import TransitionRefused
from yuqing.domain.roles import JOBS, PERMISSIONS, PermissionDenied
from yuqing.publish import admission, filings, live, registry, signoff
from yuqing.publish.registry import PublishError
from yuqing.publish.states import (
    ADMISSION_LABELS,
    CADENCES,
    CHANNEL_KINDS,
    FILING_KINDS,
    FINDING_KINDS,
    LIVE_CHECK_LABELS,
    PUBLICATION_LABELS,
)
from yuqing.respond.uploads import MAX_ATTACHMENT_BYTES, Upload
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import Unit, User
from yuqing.store.tables_publish import Channel, ChannelFinding, Publication
from yuqing.web.deps import (
    CsrfViewer,
    CurrentViewer,
    DbSession,
    Viewer,
    WorkspaceDep,
    redirect_with_flash,
    render,
)

router = APIRouter()
REFUSED = (PublishError, TransitionRefused, ValueError)
LABELS = {"kinds": CHANNEL_KINDS, "cadences": CADENCES, "admission_labels": ADMISSION_LABELS,
          "publication_labels": PUBLICATION_LABELS, "live_labels": LIVE_CHECK_LABELS, "finding_kinds": FINDING_KINDS,
          "filing_kinds": FILING_KINDS}


def _need(viewer: Viewer, permission: str, what: str) -> None:
    if not viewer.can(permission):
        raise HTTPException(403, f"无权访问：{what}")


def _sees_all(session: Session, request: Request, viewer: Viewer) -> bool:
    return registry.sees_all(session, request.app.state.ws, viewer.actor)


def _units(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    q = select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.name)
    if viewer.actor.unit_bound:
        q = q.where(Unit.id == viewer.actor.unit_id)
    return [(i, n) for i, n in session.execute(q)]


# -- the registry ------------------------------------------------------------------------------------

def _registry(request: Request, viewer: Viewer, session: Session, status: int = 200, **extra: Any) -> Any:
    _need(viewer, "channels.read", "网站与新媒体账号供网宣办、办公室和各单位使用")
    rows = registry.channel_rows(session, viewer.actor, all_units=_sees_all(session, request, viewer))
    cleanup = [r for r in rows if r.cleanup]
    extra.setdefault("form", {"kind": "website", "cadence": "daily"})
    return render(request, "publish/registry.html", status, rows=rows, cleanup=cleanup,
                  units=_units(session, viewer), **LABELS, **extra)


@router.get("/channels")
def registry_page(request: Request, viewer: CurrentViewer, session: DbSession) -> object:
    return _registry(request, viewer, session)


@router.post("/channels")
def registry_add(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
                 kind: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                 unit: Annotated[str, Form()] = "", url: Annotated[str, Form()] = "",
                 feed_url: Annotated[str, Form()] = "", cadence: Annotated[str, Form()] = "weekly",
                 responsible_person: Annotated[str, Form()] = "", administrator: Annotated[str, Form()] = "") -> object:
    _need(viewer, "channels.manage", "登记网站与新媒体账号")
    form = {"kind": kind, "name": name, "unit": unit, "url": url, "feed_url": feed_url, "cadence": cadence,
            "responsible_person": responsible_person, "administrator": administrator}
    try:
        ch = registry.add_channel(ws, viewer.actor, kind=kind, name=name, unit=unit or None, url=url,
                                  feed_url=feed_url or None, cadence=cadence, responsible_person=responsible_person,
                                  administrator=administrator)
    except REFUSED as exc:
        return _registry(request, viewer, session, 400, error=str(exc), form=form)
    return redirect_with_flash(f"/channels/{ch.id}/admission",
                               f"已登记“{ch.name}”（编号 {ch.id}）。请提交准入申请，附建设方案和安全管理制度")


# -- admission ---------------------------------------------------------------------------------------

def _channel(session: Session, request: Request, viewer: Viewer, channel_id: int) -> Channel:
    try:
        return registry.load_channel(session, viewer.actor, channel_id,
                                     all_units=_sees_all(session, request, viewer))
    except NotFound:
        raise HTTPException(404, "网站或账号不存在，或不属于本单位") from None


def _admission(request: Request, viewer: Viewer, session: Session, channel_id: int, status: int = 200,
               **extra: Any) -> Any:
    _need(viewer, "channels.read", "网站与新媒体账号")
    ch = _channel(session, request, viewer, channel_id)
    [row] = registry.channel_rows(session, viewer.actor, [ch.id], all_units=True)
    apps = admission.applications(session, ch.id)
    ws = request.app.state.ws
    pu = registry.propaganda_unit_id(session, ws)
    reviewer = viewer.can("channels.review") or (pu is not None and viewer.actor.unit_id == pu
                                                  and viewer.can("channels.manage"))
    own = not viewer.actor.unit_bound or ch.owner_unit_id == viewer.actor.unit_id
    may_apply = viewer.can("channels.manage") and own and not ch.closed and ch.admission in ("none", "rejected")
    edit = extra.pop("edit", None) or {"kind": ch.kind, "name": ch.name, "unit": str(ch.owner_unit_id or ""),
                                       "url": ch.url, "feed_url": ch.feed_url or "", "cadence": ch.cadence,
                                       "responsible_person": ch.responsible_person, "administrator": ch.administrator}
    may_edit = viewer.can("channels.manage") and own and not ch.closed
    return render(request, "publish/admission.html", status, ch=ch, row=row, apps=apps, reviewer=reviewer,
                  edit=edit, may_edit=may_edit, units=_units(session, viewer),
                  may_apply=may_apply, propaganda=ws.settings.propaganda_unit, form=extra.pop("form", {}),
                  **LABELS, **extra)


@router.get("/channels/{channel_id}/admission")
def admission_page(request: Request, viewer: CurrentViewer, session: DbSession, channel_id: int) -> object:
    return _admission(request, viewer, session, channel_id)


async def _upload(f: UploadFile | None) -> Upload | None:
    if f is None or not f.filename:
        return None
    return Upload(f.filename, await f.read(MAX_ATTACHMENT_BYTES + 1))


@router.post("/channels/{channel_id}/apply")
async def admission_apply(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
                          channel_id: int, construction_plan: Annotated[str, Form()] = "",
                          security_rules: Annotated[str, Form()] = "",
                          plan_file: Annotated[UploadFile | None, File()] = None,
                          rules_file: Annotated[UploadFile | None, File()] = None) -> object:
    form = {"construction_plan": construction_plan, "security_rules": security_rules}
    files = {"construction_plan": await _upload(plan_file), "security_rules": await _upload(rules_file)}
    try:
        admission.apply_admission(ws, viewer.actor, channel_id, construction_plan=construction_plan,
                                  security_rules=security_rules,
                                  files={k: v for k, v in files.items() if v is not None})
    except NotFound:
        raise HTTPException(404, "网站或账号不存在，或不属于本单位") from None
    except REFUSED as exc:
        return _admission(request, viewer, session, channel_id, 400, error=str(exc), form=form)
    return redirect_with_flash(f"/channels/{channel_id}/admission", f"准入申请已提交，等待{ws.settings.propaganda_unit}审核")


@router.post("/channels/{channel_id}/edit")
def channel_edit(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep, channel_id: int,
                 kind: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                 unit: Annotated[str, Form()] = "", url: Annotated[str, Form()] = "",
                 feed_url: Annotated[str, Form()] = "", cadence: Annotated[str, Form()] = "weekly",
                 responsible_person: Annotated[str, Form()] = "", administrator: Annotated[str, Form()] = "") -> object:
    form = {"kind": kind, "name": name, "unit": unit, "url": url, "feed_url": feed_url, "cadence": cadence,
            "responsible_person": responsible_person, "administrator": administrator}
    try:
        registry.update_channel(ws, viewer.actor, channel_id, kind=kind, name=name, unit=unit or None, url=url,
                                feed_url=feed_url or None, cadence=cadence, responsible_person=responsible_person,
                                administrator=administrator)
    except NotFound:
        raise HTTPException(404, "网站或账号不存在，或不属于本单位") from None
    except REFUSED as exc:
        return _admission(request, viewer, session, channel_id, 400, error=str(exc), edit=form, edit_open=True)
    return redirect_with_flash(f"/channels/{channel_id}/admission", "登记信息已保存")


@router.get("/channels/{channel_id}/applications/{application_id}/files/{index}")
def admission_file(viewer: CurrentViewer, ws: WorkspaceDep, channel_id: int, application_id: int,
                   index: int) -> Response:
    try:
        got = admission.download_application_file(ws, viewer.actor, channel_id, application_id, index)
    except (NotFound, PermissionDenied):
        raise HTTPException(404, "附件不存在或无权查看") from None
    return Response(got.data, media_type=got.content_type,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''" + quote(got.filename)})


@router.post("/channels/{channel_id}/review")
def admission_review(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep, channel_id: int,
                     decision: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> object:
    form = {"decision": decision, "note": note}
    try:
        if decision not in ("approve", "reject"):
            raise PublishError("请选择“准入”或“不予准入”")  # never a default yes
        admission.review_admission(ws, viewer.actor, channel_id, approve=decision == "approve", note=note)
    except NotFound:
        raise HTTPException(404, "网站或账号不存在") from None
    except REFUSED as exc:
        return _admission(request, viewer, session, channel_id, 400, error=str(exc), form=form)
    return redirect_with_flash(f"/channels/{channel_id}/admission",
                               "已准入" if decision == "approve" else "已决定不予准入，申请单位已收到通知")


@router.post("/channels/{channel_id}/close")
def admission_close(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep, channel_id: int,
                    reason: Annotated[str, Form()] = "") -> object:
    try:
        admission.close_channel(ws, viewer.actor, channel_id, reason=reason)
    except NotFound:
        raise HTTPException(404, "网站或账号不存在") from None
    except REFUSED as exc:
        return _admission(request, viewer, session, channel_id, 400, error=str(exc), form={"reason": reason})
    return redirect_with_flash(f"/channels/{channel_id}/admission", "已关停；系统将继续检查它是否仍可访问")


# -- sign-off ----------------------------------------------------------------------------------------

def _visible_channels(session: Session, request: Request, viewer: Viewer) -> list[Channel]:
    q = select(Channel).where(Channel.closed.is_(False)).order_by(Channel.name)
    if viewer.actor.unit_bound and not _sees_all(session, request, viewer):
        q = q.where(Channel.owner_unit_id == viewer.actor.unit_id)
    return list(session.execute(q).scalars())


def _publications(request: Request, viewer: Viewer, session: Session, status: int = 200,
                  channel: int | None = None, **extra: Any) -> Any:
    _need(viewer, "channels.read", "发布稿件签发")
    channels = _visible_channels(session, request, viewer)
    all_ids = [c.id for c in session.execute(select(Channel)).scalars()] if _sees_all(session, request, viewer) \
        else [c.id for c in channels]
    ids = [channel] if channel in all_ids else all_ids
    names = {c.id: c.name for c in session.execute(select(Channel).where(Channel.id.in_(ids))).scalars()}
    pubs = list(session.execute(select(Publication).where(Publication.channel_id.in_(ids))
                                .order_by(Publication.id.desc()).limit(200)).scalars())
    unsigned = list(session.execute(select(ChannelFinding).where(
        ChannelFinding.channel_id.in_(ids), ChannelFinding.kind == "unsigned", ChannelFinding.resolved_at.is_(None))
        .order_by(ChannelFinding.id.desc()).limit(100)).scalars())
    groups = {"draft": [], "approved": [], "published": [], "rejected": []}  # type: dict[str, list[Publication]]
    for p in pubs:
        groups.setdefault(p.state, []).append(p)
    uploaders = [role for role, perms in PERMISSIONS.items() if "publications.draft" in perms and role != JOBS]
    q = select(User).where(User.active.is_(True), User.role_code.in_(uploaders)).order_by(User.display_name)
    if viewer.actor.unit_bound:  # a unit's draft is uploaded by the unit's own people
        q = q.where(User.unit_id == viewer.actor.unit_id)
    people = [(u.username, u.display_name) for u in session.execute(q).scalars()]
    extra.setdefault("form", {"channel_id": str(channel or "")})
    own_drafts = {p.id for p in groups["draft"] if signoff.drafted_by(p, viewer.actor)}  # signed by someone else
    return render(request, "publish/publications.html", status, groups=groups, names=names, channels=channels,
                  unsigned=unsigned, people=people, own_drafts=own_drafts, channel=channel if channel in all_ids else None, **LABELS,
                  **extra)


@router.get("/publications")
def publications_page(request: Request, viewer: CurrentViewer, session: DbSession, channel: int | None = None) -> object:
    return _publications(request, viewer, session, channel=channel)


@router.post("/publications")
def publications_draft(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
                       channel_id: Annotated[str, Form()] = "", title: Annotated[str, Form()] = "",
                       text: Annotated[str, Form()] = "", uploader: Annotated[str, Form()] = "") -> object:
    _need(viewer, "publications.draft", "起草发布稿件")
    form = {"channel_id": channel_id, "title": title, "text": text, "uploader": uploader}
    try:
        if not channel_id.isdigit():
            raise PublishError("请选择发布渠道")
        pub = signoff.draft_publication(ws, viewer.actor, int(channel_id), title=title, text=text,
                                        uploader=uploader or None)
    except NotFound:
        return _publications(request, viewer, session, 400, error="请选择本单位的发布渠道", form=form)
    except REFUSED as exc:
        return _publications(request, viewer, session, 400, error=str(exc), form=form)
    return redirect_with_flash(f"/publications/{pub.id}", "稿件已提交，等待单位领导签发")


def _publication(request: Request, viewer: Viewer, session: Session, pub_id: int, status: int = 200,
                 **extra: Any) -> Any:
    _need(viewer, "channels.read", "发布稿件")
    try:
        pub, ch = signoff.load_publication(session, viewer.actor, pub_id)
    except NotFound:
        if _sees_all(session, request, viewer):
            pub = session.get(Publication, pub_id)  # type: ignore[assignment]
            if pub is None:
                raise HTTPException(404, "稿件不存在") from None
            ch = session.get(Channel, pub.channel_id)  # type: ignore[assignment]
        else:
            raise HTTPException(404, "稿件不存在，或不属于本单位") from None
    own = not viewer.actor.unit_bound or ch.owner_unit_id == viewer.actor.unit_id
    # The drafter is told who must sign instead of being offered a form that would be refused (SELF_SIGN).
    self_drafted = viewer.can("publications.sign") and own and pub.state == "draft" and \
        signoff.drafted_by(pub, viewer.actor)
    may_sign = viewer.can("publications.sign") and own and pub.state == "draft" and not self_drafted
    uploader = (pub.uploader_id == viewer.actor.user_id) if pub.uploader_id is not None \
        else pub.uploader_name == viewer.actor.name
    finding = session.execute(select(ChannelFinding).where(ChannelFinding.kind == "mismatch",
                                                           ChannelFinding.key == str(pub.id),
                                                           ChannelFinding.channel_id == ch.id)).scalar_one_or_none()
    may_redraft = pub.state == "rejected" and own and viewer.can("publications.draft")
    owner = session.get(Unit, ch.owner_unit_id) if ch.owner_unit_id is not None else None
    return render(request, "publish/publication.html", status, pub=pub, ch=ch, may_sign=may_sign,
                  owner_unit=owner.name if owner is not None else "",
                  self_drafted=self_drafted, self_sign=signoff.SELF_SIGN,
                  may_redraft=may_redraft,
                  may_publish=uploader and pub.state == "approved" and viewer.can("publications.draft"),
                  may_recheck=pub.state == "published" and (uploader or viewer.can("channels.check")),
                  finding=finding, form=extra.pop("form", {}), **LABELS, **extra)


@router.get("/publications/{pub_id}")
def publication_page(request: Request, viewer: CurrentViewer, session: DbSession, pub_id: int) -> object:
    return _publication(request, viewer, session, pub_id)


@router.post("/publications/{pub_id}/sign")
def publication_sign(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep, pub_id: int,
                     decision: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> object:
    form = {"decision": decision, "note": note}
    try:
        if decision not in ("approve", "reject"):
            raise PublishError("请选择“签发”或“退回修改”")  # signing is never a default
        signoff.sign_publication(ws, viewer.actor, pub_id, approve=decision == "approve", note=note)
    except NotFound:
        raise HTTPException(404, "稿件不存在") from None
    except PermissionDenied as exc:  # e.g. the drafter signing their own text: said on the page, input kept
        return _publication(request, viewer, session, pub_id, 403, error=str(exc), form=form)
    except REFUSED as exc:
        return _publication(request, viewer, session, pub_id, 400, error=str(exc), form=form)
    return redirect_with_flash(f"/publications/{pub_id}", "已签发，正文已冻结；上传人已收到通知"
                               if decision == "approve" else "已退回修改")


@router.post("/publications/{pub_id}/redraft")
def publication_redraft(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep, pub_id: int,
                        title: Annotated[str, Form()] = "", text: Annotated[str, Form()] = "") -> object:
    try:
        signoff.redraft_publication(ws, viewer.actor, pub_id, title=title, text=text)
    except NotFound:
        raise HTTPException(404, "稿件不存在") from None
    except REFUSED as exc:
        return _publication(request, viewer, session, pub_id, 400, error=str(exc), form={"title": title, "text": text})
    return redirect_with_flash(f"/publications/{pub_id}", "已修改并重新提交签发")


@router.post("/publications/{pub_id}/publish")
def publication_publish(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep, pub_id: int,
                        url: Annotated[str, Form()] = "") -> object:
    try:
        signoff.record_published(ws, viewer.actor, pub_id, url=url)
    except NotFound:
        raise HTTPException(404, "稿件不存在") from None
    except REFUSED as exc:
        return _publication(request, viewer, session, pub_id, 400, error=str(exc), form={"url": url})
    result = signoff.check_live(ws, viewer.actor, pub_id)
    return redirect_with_flash(f"/publications/{pub_id}" + ("/diff" if result.outcome == "mismatch" else ""),
                               f"已登记发布网址。页面核对：{LIVE_CHECK_LABELS[result.outcome]}")


@router.post("/publications/{pub_id}/recheck")
def publication_recheck(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
                        pub_id: int) -> object:
    try:
        result = signoff.check_live(ws, viewer.actor, pub_id)
    except NotFound:
        raise HTTPException(404, "稿件不存在") from None
    except REFUSED as exc:
        return _publication(request, viewer, session, pub_id, 400, error=str(exc))
    return redirect_with_flash(f"/publications/{pub_id}", f"已重新核对：{LIVE_CHECK_LABELS[result.outcome]}")


@router.get("/publications/{pub_id}/diff")
def publication_diff(request: Request, viewer: CurrentViewer, session: DbSession, pub_id: int) -> object:
    _need(viewer, "channels.read", "发布内容核对")
    try:
        pub, ch = signoff.load_publication(session, viewer.actor, pub_id)
    except NotFound:
        pub = session.get(Publication, pub_id)  # type: ignore[assignment]
        if pub is None or not _sees_all(session, request, viewer):
            raise HTTPException(404, "稿件不存在，或不属于本单位") from None
        ch = session.get(Channel, pub.channel_id)  # type: ignore[assignment]
    rows = live.side_by_side(pub.text, pub.live_text or "") if pub.live_text is not None else []
    changed = sum(1 for r in rows if r.op != "equal")
    return render(request, "publish/diff.html", pub=pub, ch=ch, rows=rows, changed=changed, **LABELS)


# -- statement filings (申报备案) ----------------------------------------------------------------------

def _filings(request: Request, viewer: Viewer, session: Session, status: int = 200, **extra: Any) -> Any:
    _need(viewer, "channels.read", "声明与发布备案")
    rows = filings.filing_rows(session, viewer.actor)
    extra.setdefault("form", {"kind": "statement"})
    from yuqing.store.repositories.cases import list_cases
    from yuqing.store.repositories.events import list_events

    events = [(e.id, e.title) for e in list_events(session, limit=50)] if viewer.can("events.read") else []
    cases = [(c.id, c.title) for c in list_cases(session, viewer.actor, limit=50)] \
        if viewer.can("cases.read_all") or viewer.can("cases.read_own") else []
    return render(request, "publish/filings.html", status, rows=rows, events=events, cases=cases, **LABELS, **extra)


def _int_list(text: str) -> list[int]:
    parts = [p for p in text.replace("，", ",").replace(" ", ",").split(",") if p.strip()]
    if not all(p.strip().lstrip("#").isdigit() for p in parts):
        raise PublishError("事件和案件编号请填写数字，多个用逗号分隔")
    return [int(p.strip().lstrip("#")) for p in parts]


@router.get("/filings")
def filings_page(request: Request, viewer: CurrentViewer, session: DbSession) -> object:
    return _filings(request, viewer, session)


@router.post("/filings")
def filings_add(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep,
                kind: Annotated[str, Form()] = "statement", title: Annotated[str, Form()] = "",
                text: Annotated[str, Form()] = "", url: Annotated[str, Form()] = "",
                events: Annotated[str, Form()] = "", cases: Annotated[str, Form()] = "") -> object:
    _need(viewer, "statements.file", "申报备案")
    form = {"kind": kind, "title": title, "text": text, "url": url, "events": events, "cases": cases}
    try:
        filing = filings.file_statement(ws, viewer.actor, kind=kind, title=title, text=text, url=url or None,
                                        event_ids=_int_list(events), case_ids=_int_list(cases))
    except REFUSED as exc:
        return _filings(request, viewer, session, 400, error=str(exc), form=form)
    return redirect_with_flash(f"/filings/{filing.id}", "已申报备案，等待审批")


def _filing(request: Request, viewer: Viewer, session: Session, filing_id: int, status: int = 200,
            **extra: Any) -> Any:
    _need(viewer, "channels.read", "声明与发布备案")
    rows = filings.filing_rows(session, viewer.actor, filing_id=filing_id)
    if not rows:
        raise HTTPException(404, "备案不存在")
    row = rows[0]
    may_approve = viewer.can("statements.approve") and row.filing.state == "filed" and \
        row.filing.filed_by_id != viewer.actor.user_id
    return render(request, "publish/filing.html", status, row=row, may_approve=may_approve,
                  form=extra.pop("form", {}), **LABELS, **extra)


@router.get("/filings/{filing_id}")
def filing_page(request: Request, viewer: CurrentViewer, session: DbSession, filing_id: int) -> object:
    return _filing(request, viewer, session, filing_id)


@router.post("/filings/{filing_id}/approve")
def filing_approve(request: Request, viewer: CsrfViewer, session: DbSession, ws: WorkspaceDep, filing_id: int,
                   decision: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "") -> object:
    try:
        if decision not in ("approve", "reject"):
            raise PublishError("请选择“审批通过”或“不予通过”")
        filings.approve_filing(ws, viewer.actor, filing_id, approve=decision == "approve", note=note)
    except NotFound:
        raise HTTPException(404, "备案不存在") from None
    except PermissionDenied:
        raise
    except REFUSED as exc:
        return _filing(request, viewer, session, filing_id, 400, error=str(exc), form={"decision": decision,
                                                                                       "note": note})
    return redirect_with_flash(f"/filings/{filing_id}", "已审批" if decision == "approve" else "已决定不予通过")
