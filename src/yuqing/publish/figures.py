"""Figures of the district's own channels for a period, per owner unit (the yearly assessment) and per channel
(the channel page): overdue correction orders, channels found zombie, posts per week."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.clock import CHINA, aware
from yuqing.publish.corrections import overdue_by_unit
from yuqing.publish.states import ADMISSION_LABELS, FINDING_KINDS, STANDING_KINDS
from yuqing.store.tables_publish import Channel, ChannelFinding


def zombies_by_unit(session: Session, start: datetime, end: datetime) -> dict[int, list[int]]:
    """Channels found zombie in [start, end), per owner unit (each channel once)."""
    out: dict[int, set[int]] = {}
    rows = session.execute(select(ChannelFinding.channel_id, Channel.owner_unit_id)
                           .join(Channel, Channel.id == ChannelFinding.channel_id)
                           .where(ChannelFinding.kind == "zombie", ChannelFinding.found_at >= start,
                                  ChannelFinding.found_at < end, Channel.owner_unit_id.is_not(None)))
    for channel_id, unit_id in rows:
        if unit_id is not None:
            out.setdefault(unit_id, set()).add(channel_id)
    return {u: sorted(ids) for u, ids in out.items()}


def unapproved_by_unit(session: Session, start: datetime, end: datetime) -> dict[int, list[int]]:
    """Channels found running without approval, or closed but still answering, in [start, end), per owner unit
    (each channel once a year, however often the check saw it): 先审批后开设 counts against the unit."""
    out: dict[int, set[int]] = {}
    rows = session.execute(select(ChannelFinding.channel_id, Channel.owner_unit_id)
                           .join(Channel, Channel.id == ChannelFinding.channel_id)
                           .where(ChannelFinding.kind.in_(STANDING_KINDS), ChannelFinding.found_at >= start,
                                  ChannelFinding.found_at < end, Channel.owner_unit_id.is_not(None)))
    for channel_id, unit_id in rows:
        if unit_id is not None:
            out.setdefault(unit_id, set()).add(channel_id)
    return {u: sorted(ids) for u, ids in out.items()}


UNIT_CHANNEL_COUNTS = ("correction_overdue", "zombie_channels", "unapproved_channels")


def unit_channel_ids(session: Session, start: datetime, end: datetime) -> dict[int, dict[str, list[int]]]:
    """Per unit: {"correction_overdue": order ids, "zombie_channels": channel ids, "unapproved_channels": channel
    ids} for the assessment."""
    out: dict[int, dict[str, list[int]]] = {}
    for unit_id, ids in overdue_by_unit(session, aware(start), aware(end)).items():
        out.setdefault(unit_id, {})["correction_overdue"] = sorted(ids)
    for unit_id, ids in zombies_by_unit(session, aware(start), aware(end)).items():
        out.setdefault(unit_id, {})["zombie_channels"] = ids
    for unit_id, ids in unapproved_by_unit(session, aware(start), aware(end)).items():
        out.setdefault(unit_id, {})["unapproved_channels"] = ids
    return out


def attach_to_period(session: Session, figures: dict[str, Any], start: datetime, end: datetime) -> None:
    """Give each unit row of a period's figures (and the district's total) its channel ids."""
    per_unit = unit_channel_ids(session, start, end)
    total: dict[str, list[int]] = {k: [] for k in UNIT_CHANNEL_COUNTS}
    for row in figures["units"]:
        mine = per_unit.get(row["unit_id"], {})
        row["channel_ids"] = {k: mine.get(k, []) for k in UNIT_CHANNEL_COUNTS}
    for mine in per_unit.values():
        for key, ids in mine.items():
            total[key].extend(ids)
    figures["total"]["channel_ids"] = {k: sorted(v) for k, v in total.items()}


def channel_assessment_rows(session: Session, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per own channel in service during [start, end) (registered before `end`, not closed before `start` unless
    found still answering in the year): its admission state (as it stands now: the registry keeps no history of
    it, and a stored report keeps the state of when it was generated), the standing findings of the year
    (running without approval, closed but answering) and the ids behind each count the yearly assessment of
    sites and accounts scores, as of `end` (a later fix or re-check does not change a past year). Findings count when found in the year; an order is overdue when its
    deadline fell in the year and no re-fetch had seen it fixed by then (as for the owner unit), else open when
    it was issued by `end` and not done by then. Cancelled orders count for nobody."""
    from yuqing.publish import order_states as st
    from yuqing.publish.states import CHANNEL_KINDS
    from yuqing.store.tables import Unit
    from yuqing.store.tables_publish import CorrectionOrder

    start, end = aware(start), aware(end)
    units = dict(session.execute(select(Unit.id, Unit.name)).all())
    standing: dict[int, list[dict[str, Any]]] = {}  # channel → its standing findings of the year (the evidence)
    for f in session.execute(select(ChannelFinding).where(
            ChannelFinding.kind.in_(STANDING_KINDS), ChannelFinding.found_at >= start,
            ChannelFinding.found_at < end).order_by(ChannelFinding.id)).scalars():
        standing.setdefault(f.channel_id, []).append(
            {"id": f.id, "kind": f.kind, "label": FINDING_KINDS.get(f.kind, f.kind), "detail": f.detail,
             "found": aware(f.found_at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")})
    # A channel closed before the year is out of it, unless the check found it still answering in the year.
    channels = [c for c in session.execute(select(Channel).where(Channel.created_at < end).order_by(Channel.id))
                .scalars() if c.closed_at is None or aware(c.closed_at) >= start or c.id in standing]
    rows: dict[int, dict[str, Any]] = {
        c.id: {"channel_id": c.id, "name": c.name, "kind": c.kind, "kind_label": CHANNEL_KINDS.get(c.kind, c.kind),
               "unit_id": c.owner_unit_id, "unit_name": units.get(c.owner_unit_id or 0, "无主办单位"),
               "admission": "closed" if c.closed else c.admission,
               "admission_label": ADMISSION_LABELS.get("closed" if c.closed else c.admission, c.admission),
               "answering": c.answering, "standing": standing.get(c.id, []),
               "ids": {k: [] for k in ("zombie", "mismatch", "unsigned", "broken_link", "wrong_word",
                                       "correction_open", "correction_overdue")}}
        for c in channels}
    for fid, channel_id, kind in session.execute(
            select(ChannelFinding.id, ChannelFinding.channel_id, ChannelFinding.kind).where(
                ChannelFinding.found_at >= start, ChannelFinding.found_at < end).order_by(ChannelFinding.id)):
        if channel_id in rows and kind in rows[channel_id]["ids"]:
            rows[channel_id]["ids"][kind].append(fid)
    for o in session.execute(select(CorrectionOrder).where(
            CorrectionOrder.issued_at < end, CorrectionOrder.state != st.CANCELLED).order_by(CorrectionOrder.id)).scalars():
        if o.channel_id not in rows:
            continue
        due = aware(o.due_at) if o.due_at is not None else None
        done = o.confirmed_at is not None and aware(o.confirmed_at) < end
        if due is not None and start <= due < end and not (o.confirmed_at is not None and aware(o.confirmed_at) <= due):
            rows[o.channel_id]["ids"]["correction_overdue"].append(o.id)
        elif not done:  # issued and still unfixed at the year's end (an older deadline included)
            rows[o.channel_id]["ids"]["correction_open"].append(o.id)
    return list(rows.values())
