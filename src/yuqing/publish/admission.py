"""Admission (准入, R-PUBLISH-1): the owner unit applies with its construction plan (建设方案) and security
rules (安全管理制度) → the propaganda department (区委网宣办, setting `propaganda_unit`) or the office
reviews → approved / rejected → closed (关停). Each step is an audited action; the channel's `admission`
mirrors its newest application so the registry reads one row.

Policy (关于进一步加强全区网络宣传工作的意见 §二.2, 建立网站平台准入机制): a unit that wants a website or platform
publishing party or government information applies to 区委宣传部 with its construction plan and security rules,
and builds it only after approval; 区委宣传部 leads the clean-up of the units' websites (清理整顿). The review is
done by its 网宣办 (setting `propaganda_unit`) or the office.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.publish.registry import PublishError, load_channel, require_own, sees_all
from yuqing.publish.registry import propaganda_unit_id as registry_unit
from yuqing.publish.states import ADMISSION, ADMISSION_LABELS, step
from yuqing.respond.uploads import Download, Upload, check_upload, safe_name
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables_publish import Channel, ChannelApplication

ATTACHMENT_KINDS = {"construction_plan": "建设方案", "security_rules": "安全管理制度"}


def propaganda_unit_id(tx: Tx) -> int | None:
    return registry_unit(tx.session, tx.ws)


def may_review(tx: Tx) -> bool:
    """The office (channels.review) or a person of the propaganda department reviews admission."""
    actor: Actor = tx.actor
    if actor.can("channels.review"):
        return True
    unit_id = propaganda_unit_id(tx)
    return unit_id is not None and actor.unit_id == unit_id and actor.can("channels.manage")


def _require_reviewer(tx: Tx) -> None:
    if not may_review(tx):
        raise PermissionDenied(f"{tx.actor.name} 无权审核准入（须由{tx.ws.settings.propaganda_unit or '网宣办'}"
                               "或领导小组办公室审核）")


def newest_application(tx: Tx, channel_id: int) -> ChannelApplication | None:
    return tx.session.execute(select(ChannelApplication).where(ChannelApplication.channel_id == channel_id)
                              .order_by(ChannelApplication.id.desc()).limit(1)).scalar_one_or_none()


def _store(tx: Tx, ch: Channel, kind: str, upload: Upload) -> dict[str, object]:
    ctype = check_upload(upload)
    digest = hashlib.sha256(upload.data).hexdigest()
    rel = Path("attachments") / "channels" / str(ch.id) / f"{digest[:16]}_{safe_name(upload.filename)}"
    dest = tx.ws.path / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists():
        dest.write_bytes(upload.data)
    return {"kind": kind, "filename": upload.filename[:255], "content_type": ctype, "size": len(upload.data),
            "sha256": digest, "path": rel.as_posix()}


@action("channel.apply", permission="channels.manage")
def apply_admission(tx: Tx, channel_id: int, *, construction_plan: str = "", security_rules: str = "",
                    files: dict[str, Upload] | None = None) -> ChannelApplication:
    """Apply for admission with the construction plan and the security rules (text or file, both required)."""
    ch = load_channel(tx.session, tx.actor, channel_id)
    require_own(tx.actor, ch, "申请准入")
    files = {k: v for k, v in (files or {}).items() if v is not None and v.filename}
    unknown = set(files) - set(ATTACHMENT_KINDS)
    if unknown:
        raise PublishError("附件只能是建设方案或安全管理制度")
    plan, rules = construction_plan.strip(), security_rules.strip()
    if not plan and "construction_plan" not in files:
        raise PublishError("请附上建设方案（上传文件或填写内容）")
    if not rules and "security_rules" not in files:
        raise PublishError("请附上安全管理制度（上传文件或填写内容）")
    if ch.closed:
        raise PublishError("该网站或账号已关停，不能再申请准入")
    ch.admission = step(ADMISSION, ch.admission, "apply", ADMISSION_LABELS)
    attachments = [_store(tx, ch, kind, up) for kind, up in sorted(files.items())]
    app = ChannelApplication(channel_id=ch.id, state="applied", construction_plan_text=plan,
                             security_rules_text=rules, attachments=attachments, applicant_id=tx.actor.user_id,
                             applicant_name=tx.actor.name, applied_at=utcnow())
    tx.session.add(app)
    tx.session.flush()
    tx.audit("channel.apply", "channel", ch.id, application_id=app.id,
             attachments=[{"kind": a["kind"], "sha256": a["sha256"]} for a in attachments])
    reviewer = propaganda_unit_id(tx)
    link = f"/channels/{ch.id}/admission"
    tx.notify("office", "channel.application", f"准入申请待审核：{ch.name}", link=link)
    if reviewer is not None:
        tx.notify(f"unit:{reviewer}", "channel.application", f"准入申请待审核：{ch.name}", link=link)
    return app


@action("channel.review", permission=("channels.review", "channels.manage"))
def review_admission(tx: Tx, channel_id: int, *, approve: bool, note: str = "") -> ChannelApplication:
    """准入 or 不予准入 by the propaganda department or the office; a refusal must say why.
    Who may review is checked in the body (a person of the configured propaganda unit, or the office)."""
    _require_reviewer(tx)
    ch = load_channel(tx.session, tx.actor, channel_id, all_units=True)
    app = newest_application(tx, ch.id)
    if app is None or app.state != "applied":
        raise PublishError("该网站或账号没有待审核的准入申请")
    if not approve and not note.strip():
        raise PublishError("不予准入时请填写理由")
    if app.applicant_id is not None and app.applicant_id == tx.actor.user_id:
        raise PermissionDenied("申请人不能审核自己的准入申请")
    action_ = "approve" if approve else "reject"
    ch.admission = app.state = step(ADMISSION, app.state, action_, ADMISSION_LABELS)
    app.reviewer_id, app.reviewer_name, app.reviewed_at = tx.actor.user_id, tx.actor.name, utcnow()
    app.review_note = note.strip()
    tx.audit(f"channel.{action_}", "channel", ch.id, application_id=app.id, note=app.review_note)
    if ch.owner_unit_id is not None:
        verdict = "已准入" if approve else "不予准入"
        tx.notify(f"unit:{ch.owner_unit_id}", "channel.admission", f"{ch.name}：{verdict}", app.review_note,
                  link=f"/channels/{ch.id}/admission")
    return app


@action("channel.close", permission=("channels.review", "channels.manage"))
def close_channel(tx: Tx, channel_id: int, *, reason: str) -> Channel:
    """关停 (清理整顿): the channel is closed and its application with it; the check keeps watching whether
    it still answers. Who may close is checked in the body (as for review)."""
    _require_reviewer(tx)
    ch = load_channel(tx.session, tx.actor, channel_id, all_units=True)
    if not reason.strip():
        raise PublishError("请填写关停理由")
    ch.admission = step(ADMISSION, ch.admission, "close", ADMISSION_LABELS)
    ch.closed, ch.closed_at = True, utcnow()
    app = newest_application(tx, ch.id)
    if app is not None:
        app.state, app.closed_at, app.closed_by_name = "closed", ch.closed_at, tx.actor.name
        app.close_reason = reason.strip()
    tx.audit("channel.close", "channel", ch.id, reason=reason.strip())
    if ch.owner_unit_id is not None:
        tx.notify(f"unit:{ch.owner_unit_id}", "channel.admission", f"{ch.name}：已关停", reason.strip(),
                  link=f"/channels/{ch.id}/admission")
    return ch


def applications(s: Session, channel_id: int) -> list[ChannelApplication]:
    """A channel's applications, newest first."""
    return list(s.execute(select(ChannelApplication).where(ChannelApplication.channel_id == channel_id)
                          .order_by(ChannelApplication.id.desc())).scalars())


@action("channel.attachment_download", permission="channels.read")
def download_application_file(tx: Tx, channel_id: int, application_id: int, index: int) -> Download:
    """Hand out a construction plan or security rules file of an application; every download is audited
    (R-PLATFORM-2). The office and 网宣办 see every unit's; a unit its own."""
    ch = load_channel(tx.session, tx.actor, channel_id, all_units=sees_all(tx.session, tx.ws, tx.actor))
    app = tx.session.get(ChannelApplication, application_id)
    if app is None or app.channel_id != ch.id or not 0 <= index < len(app.attachments or []):
        raise NotFound("附件不存在")
    meta = app.attachments[index]
    path = (tx.ws.path / str(meta["path"])).resolve()
    if not path.is_relative_to(tx.ws.path.resolve()) or not path.exists():
        raise NotFound("附件文件缺失")
    tx.audit("channel.attachment_download", "channel", ch.id, application_id=app.id, filename=meta["filename"])
    return Download(str(meta["filename"]), str(meta.get("content_type") or "application/octet-stream"),
                    path.read_bytes())
