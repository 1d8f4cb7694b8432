"""What the channel page and the correction-order pages show, read from the database (no web framework):
a channel's history and findings, the orders a person may see, one order with its finding in place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from yuqing.clock import aware, utcnow
from yuqing.domain.roles import Actor
from yuqing.publish import freshness
from yuqing.publish import order_states as st
from yuqing.publish.corrections import KIND_LABELS, is_overdue
from yuqing.store.tables import Unit
from yuqing.store.tables_publish import Channel, ChannelFinding, ChannelPost, CorrectionOrder, Publication

WEEKS = 12


@dataclass
class OrderRow:
    order: CorrectionOrder
    channel: Channel | None
    unit_name: str
    finding: ChannelFinding | None
    overdue: bool

    @property
    def state_label(self) -> str:
        return st.label(self.order.state)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.finding.kind, "") if self.finding else ""


@dataclass
class ChannelView:
    channel: Channel
    unit_name: str
    fresh: freshness.Freshness
    weeks: list[tuple[str, int]]
    posts_total: int
    signed: int
    unsigned: int
    unmatched: int
    publications: dict[str, int]
    findings: dict[str, list[ChannelFinding]] = field(default_factory=dict)
    resolved: int = 0
    orders: list[OrderRow] = field(default_factory=list)
    ordered: dict[int, int] = field(default_factory=dict)  # finding id → its active order

    def order_of(self, finding: ChannelFinding) -> int | None:
        """The active order covering this finding (its own, or the one for the same problem on another page)."""
        from yuqing.publish.corrections import subject

        if finding.id in self.ordered:
            return self.ordered[finding.id]
        for r in self.orders:
            if r.finding is not None and r.order.state in st.ACTIVE and r.finding.kind == finding.kind \
                    and subject(r.finding) == subject(finding):
                return r.order.id
        return None

    @property
    def cadence_label(self) -> str:
        return freshness.cadence_label(self.channel.cadence)


def channel_view(s: Session, ch: Channel, now: datetime | None = None) -> ChannelView:
    now = now or utcnow()
    unit = s.get(Unit, ch.owner_unit_id) if ch.owner_unit_id else None
    posts = list(s.execute(select(ChannelPost.published_at, ChannelPost.first_seen_at, ChannelPost.signed)
                           .where(ChannelPost.channel_id == ch.id)))
    dates = [p or seen for p, seen, _ in posts if (p or seen) is not None]
    weeks = [(d.strftime("%m-%d"), n) for d, n in freshness.posts_per_week(dates, now, WEEKS)]
    pubs = dict(s.execute(select(Publication.state, func.count()).where(Publication.channel_id == ch.id)
                          .group_by(Publication.state)).all())
    findings: dict[str, list[ChannelFinding]] = {}
    resolved = 0
    for f in s.execute(select(ChannelFinding).where(ChannelFinding.channel_id == ch.id)
                       .order_by(ChannelFinding.found_at.desc(), ChannelFinding.id.desc())).scalars():
        if f.resolved_at is None:
            findings.setdefault(f.kind, []).append(f)
        else:
            resolved += 1
    return ChannelView(
        channel=ch, unit_name=unit.name if unit else "无主办单位",
        fresh=freshness.judge(ch.last_update, ch.cadence, now, since=ch.created_at),
        weeks=weeks, posts_total=len(posts), signed=sum(1 for *_, sg in posts if sg is True),
        unsigned=sum(1 for *_, sg in posts if sg is False), unmatched=sum(1 for *_, sg in posts if sg is None),
        publications={str(k): int(v) for k, v in pubs.items()}, findings=findings, resolved=resolved,
        orders=(orders := order_rows(s, channel_id=ch.id, now=now)),
        ordered={r.order.finding_id: r.order.id for r in orders if r.order.finding_id and r.order.state in st.ACTIVE})


def weekly_chart(view: ChannelView) -> dict[str, Any]:
    """The ECharts option of posts per week (drawn by app.js from data attributes: no inline script)."""
    return {"option": {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 36, "right": 12, "top": 36, "bottom": 28},  # room for the axis name 篇
        "xAxis": {"type": "category", "data": [w for w, _ in view.weeks]},
        "yAxis": {"type": "value", "minInterval": 1, "name": "篇"},
        "series": [{"name": "发布数", "type": "bar", "data": [n for _, n in view.weeks],
                    "itemStyle": {"color": "#2f6fb3"}}],
    }}


def order_rows(s: Session, *, actor: Actor | None = None, all_units: bool = True, channel_id: int | None = None,
               unit_id: int | None = None, overdue_only: bool = False, active_only: bool = False,
               now: datetime | None = None, limit: int = 500) -> list[OrderRow]:
    """Orders, newest first; a unit-bound person sees their unit's only (unless `all_units`)."""
    now = now or utcnow()
    q = select(CorrectionOrder).order_by(CorrectionOrder.id.desc()).limit(limit)
    if actor is not None and actor.unit_bound and not all_units:
        q = q.where(CorrectionOrder.unit_id == actor.unit_id)
    if channel_id is not None:
        q = q.where(CorrectionOrder.channel_id == channel_id)
    if unit_id is not None:
        q = q.where(CorrectionOrder.unit_id == unit_id)
    if active_only or overdue_only:
        q = q.where(CorrectionOrder.state.in_(st.UNFIXED if overdue_only else st.ACTIVE))
    rows = []
    for o in s.execute(q).scalars():
        if overdue_only and not is_overdue(o, now):
            continue
        unit = s.get(Unit, o.unit_id) if o.unit_id else None
        rows.append(OrderRow(o, s.get(Channel, o.channel_id), unit.name if unit else "—",
                             s.get(ChannelFinding, o.finding_id) if o.finding_id else None, is_overdue(o, now)))
    return rows


def zombie_channels(s: Session, unit_id: int | None = None) -> list[Channel]:
    """Channels found zombie (ever), for the assessment's drill-down: newest finding first."""
    q = (select(Channel).join(ChannelFinding, ChannelFinding.channel_id == Channel.id)
         .where(ChannelFinding.kind == "zombie").distinct())
    if unit_id is not None:
        q = q.where(Channel.owner_unit_id == unit_id)
    return list(s.execute(q).scalars())


def standing_findings(s: Session, unit_id: int | None = None) -> list[tuple[Channel, ChannelFinding]]:
    """Channels found running without approval or closed but answering (ever), with each finding as the
    evidence, for the assessment's drill-down: newest first."""
    from yuqing.publish.states import STANDING_KINDS

    q = (select(Channel, ChannelFinding).join(ChannelFinding, ChannelFinding.channel_id == Channel.id)
         .where(ChannelFinding.kind.in_(STANDING_KINDS)).order_by(ChannelFinding.found_at.desc(), ChannelFinding.id))
    if unit_id is not None:
        q = q.where(Channel.owner_unit_id == unit_id)
    return [(c, f) for c, f in s.execute(q).all()]


def due_text(order: CorrectionOrder, now: datetime | None = None) -> str:
    """The deadline as the unit reads it: 剩余 N 天 / 已逾期 N 天."""
    if order.due_at is None:
        return "—"
    left = aware(order.due_at) - aware(now or utcnow())
    if order.state not in st.UNFIXED:
        return ""
    if left.total_seconds() < 0:
        return f"已逾期 {max(1, -left.days)} 天" if -left.days >= 1 else "已逾期"
    hours = int(left.total_seconds() // 3600)
    return f"剩余 {hours // 24} 天 {hours % 24} 小时" if hours >= 24 else f"剩余 {hours} 小时"
