"""The registry of the district's own websites and new-media accounts (R-PUBLISH-1): register a channel,
edit it, and read it back with the figures the registry, the clean-up list and `channels list` show.

A unit-bound person (经办人, 单位领导) registers and sees only their own unit's channels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.domain.roles import Actor, PermissionDenied
from yuqing.publish.order_states import ACTIVE as ACTIVE_ORDERS
from yuqing.publish.order_states import UNFIXED as UNFIXED_ORDERS
from yuqing.publish.states import ADMISSION_LABELS, CADENCES, CHANNEL_KINDS
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import Unit
from yuqing.store.tables_publish import Channel, ChannelFinding, CorrectionOrder, Publication
from yuqing.workspace import Workspace

_URL = re.compile(r"^https?://\S+$")


class PublishError(ValueError):
    """A publishing-governance change that cannot be made; the message says why, in Chinese, for the UI."""


def check_url(value: str | None, what: str, required: bool = True) -> str | None:
    url = (value or "").strip()
    if not url:
        if required:
            raise PublishError(f"请填写{what}（http:// 或 https:// 开头）")
        return None
    if not _URL.match(url):
        raise PublishError(f"{what}须以 http:// 或 https:// 开头，而不是“{url[:80]}”")
    return url


def find_unit(s: Session, unit: str | int | None) -> Unit | None:
    """A unit by id or exact name; None for an empty value, PublishError for an unknown one."""
    if unit is None or str(unit).strip() == "":
        return None
    text = str(unit).strip()
    row = s.get(Unit, int(text)) if text.isdigit() else None
    row = row or s.execute(select(Unit).where(Unit.name == text)).scalar_one_or_none()
    if row is None:
        raise PublishError(f"单位“{text}”不存在，请先在“单位管理”中建立")
    return row


def require_own(actor: Actor, ch: Channel, doing: str) -> None:
    """A unit-bound person acts only on their own unit's channels."""
    if actor.unit_bound and ch.owner_unit_id != actor.unit_id:
        raise PermissionDenied(f"{actor.name} 只能{doing}本单位的网站和账号")


def propaganda_unit_id(s: Session, ws: Workspace) -> int | None:
    """The propaganda department's unit (setting `propaganda_unit`), if it exists."""
    name = ws.settings.propaganda_unit.strip()
    if not name:
        return None
    return s.execute(select(Unit.id).where(Unit.name == name)).scalar_one_or_none()


def sees_all(s: Session, ws: Workspace, actor: Actor) -> bool:
    """Not bound to one unit, or a person of the propaganda department (who reviews every unit's channels)."""
    return not actor.unit_bound or (actor.unit_id is not None and actor.unit_id == propaganda_unit_id(s, ws))


def load_channel(s: Session, actor: Actor, channel_id: int, *, all_units: bool = False) -> Channel:
    """The channel, or NotFound when it does not exist or lies outside a unit-bound actor's unit
    (`all_units`: the actor is known to see every unit's channels)."""
    ch = s.get(Channel, channel_id)
    if ch is None or (not all_units and actor.unit_bound and ch.owner_unit_id != actor.unit_id):
        raise NotFound(f"网站或账号 {channel_id} 不存在")
    return ch


def _fields(s: Session, actor: Actor, *, kind: str, name: str, unit: str | int | None, url: str,
            feed_url: str | None, cadence: str, responsible_person: str, administrator: str) -> dict[str, Any]:
    if kind not in CHANNEL_KINDS:
        raise PublishError("类型须为：" + "、".join(f"{k}（{v}）" for k, v in CHANNEL_KINDS.items()))
    if cadence not in CADENCES:
        raise PublishError("更新频率须为 daily（每日）或 weekly（每周）")
    name = name.strip()
    if not name or len(name) > 200:
        raise PublishError("请填写名称（200 字以内）")
    owner = find_unit(s, unit)
    if actor.unit_bound:
        if owner is None:
            owner = s.get(Unit, actor.unit_id) if actor.unit_id else None
        if owner is None or owner.id != actor.unit_id:
            raise PermissionDenied(f"{actor.name} 只能登记本单位的网站和账号")
    return {"kind": kind, "name": name, "owner_unit_id": owner.id if owner else None,
            "url": check_url(url, "网址"), "feed_url": check_url(feed_url, "更新列表或订阅地址", required=False),
            "cadence": cadence, "responsible_person": responsible_person.strip()[:100],
            "administrator": administrator.strip()[:100]}


@action("channel.add", permission="channels.manage")
def add_channel(tx: Tx, *, kind: str, name: str, unit: str | int | None, url: str, feed_url: str | None = None,
                cadence: str = "weekly", responsible_person: str = "", administrator: str = "",
                note: str = "", fictional: bool = False) -> Channel:
    """Register a website or account (未申请 until its unit applies for admission)."""
    values = _fields(tx.session, tx.actor, kind=kind, name=name, unit=unit, url=url, feed_url=feed_url,
                     cadence=cadence, responsible_person=responsible_person, administrator=administrator)
    ch = Channel(**values, note=note.strip(), created_by_name=tx.actor.name, fictional=fictional)
    tx.session.add(ch)
    tx.session.flush()
    tx.audit("channel.add", "channel", ch.id, **{k: v for k, v in values.items()})
    return ch


@action("channel.update", permission="channels.manage")
def update_channel(tx: Tx, channel_id: int, *, kind: str, name: str, unit: str | int | None, url: str,
                   feed_url: str | None, cadence: str, responsible_person: str, administrator: str) -> Channel:
    """Correct a channel's registration (owner, people, addresses, cadence)."""
    ch = load_channel(tx.session, tx.actor, channel_id)
    require_own(tx.actor, ch, "修改")
    values = _fields(tx.session, tx.actor, kind=kind, name=name, unit=unit, url=url, feed_url=feed_url,
                     cadence=cadence, responsible_person=responsible_person, administrator=administrator)
    before = {k: getattr(ch, k) for k in values}
    for k, v in values.items():
        setattr(ch, k, v)
    changed = {k: [before[k], v] for k, v in values.items() if before[k] != v}
    tx.audit("channel.update", "channel", ch.id, changed=changed)
    return ch


# -- reading ------------------------------------------------------------------------------------------

@dataclass
class ChannelRow:
    """One channel as the registry, the clean-up list and `channels list --json` show it."""

    id: int
    name: str
    kind: str
    unit: str | None
    unit_id: int | None
    url: str
    feed_url: str | None
    cadence: str
    admission: str
    closed: bool
    answering: bool | None
    last_update: datetime | None
    zombie: bool
    responsible_person: str
    administrator: str
    counts: dict[str, int] = field(default_factory=dict)  # open findings by kind, and open_orders
    cleanup: list[str] = field(default_factory=list)  # why it is on the clean-up list (清理整顿清单)

    @property
    def kind_label(self) -> str:
        return CHANNEL_KINDS.get(self.kind, self.kind)

    @property
    def admission_label(self) -> str:
        return ADMISSION_LABELS.get(self.admission, self.admission)

    def as_json(self) -> dict[str, Any]:
        """The object of the `channels list --json` contract (one per line)."""
        return {"id": self.id, "name": self.name, "kind": self.kind, "unit": self.unit,
                "admission": self.admission,
                "last_update": self.last_update.isoformat() if self.last_update else None,
                "zombie": self.zombie, "unsigned": self.counts.get("unsigned", 0),
                "mismatches": self.counts.get("mismatch", 0), "broken_links": self.counts.get("broken_link", 0),
                "wrong_words": self.counts.get("wrong_word", 0), "open_orders": self.counts.get("open_orders", 0)}


def cleanup_reasons(ch: Channel) -> list[str]:
    """Why a channel is on the clean-up list: no approved admission, no owner, or closed but still live."""
    reasons = []
    if ch.closed or ch.admission == "closed":
        if ch.answering:
            reasons.append("已关停但仍可访问")
    elif ch.admission != "approved":
        reasons.append("未经准入（" + ADMISSION_LABELS.get(ch.admission, ch.admission) + "）")
    if ch.owner_unit_id is None:
        reasons.append("无主办单位")
    return reasons


def channel_rows(s: Session, actor: Actor, channel_ids: list[int] | None = None, *,
                 all_units: bool = False) -> list[ChannelRow]:
    """Every channel the actor may see (a unit: its own, unless `all_units`), in order, with its figures."""
    q = select(Channel, Unit.name).outerjoin(Unit, Unit.id == Channel.owner_unit_id).order_by(Channel.id)
    if actor.unit_bound and not all_units:
        q = q.where(Channel.owner_unit_id == actor.unit_id)
    if channel_ids is not None:
        q = q.where(Channel.id.in_(channel_ids))
    rows = s.execute(q).all()
    counts: dict[int, dict[str, int]] = {}
    for cid, kind, n in s.execute(select(ChannelFinding.channel_id, ChannelFinding.kind, func.count())
                                  .where(ChannelFinding.resolved_at.is_(None))
                                  .group_by(ChannelFinding.channel_id, ChannelFinding.kind)):
        counts.setdefault(cid, {})[kind] = n
    for cid, n in s.execute(select(CorrectionOrder.channel_id, func.count())
                            .where(CorrectionOrder.state.in_(ACTIVE_ORDERS)).group_by(CorrectionOrder.channel_id)):
        counts.setdefault(cid, {})["open_orders"] = n
    for cid, n in s.execute(select(CorrectionOrder.channel_id, func.count())
                            .where(CorrectionOrder.state.in_(UNFIXED_ORDERS), CorrectionOrder.due_at < utcnow())
                            .group_by(CorrectionOrder.channel_id)):
        counts.setdefault(cid, {})["overdue_orders"] = n  # 整改逾期: counted against the unit (assessment)
    for cid, n in s.execute(select(Publication.channel_id, func.count())
                            .where(Publication.state == "draft").group_by(Publication.channel_id)):
        counts.setdefault(cid, {})["to_sign"] = n
    return [ChannelRow(id=ch.id, name=ch.name, kind=ch.kind, unit=unit_name, unit_id=ch.owner_unit_id, url=ch.url,
                       feed_url=ch.feed_url, cadence=ch.cadence, admission=ch.admission, closed=ch.closed,
                       answering=ch.answering, last_update=ch.last_update, zombie=ch.zombie,
                       responsible_person=ch.responsible_person, administrator=ch.administrator,
                       counts=counts.get(ch.id, {}), cleanup=cleanup_reasons(ch))
            for ch, unit_name in rows]
