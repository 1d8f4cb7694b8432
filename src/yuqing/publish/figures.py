"""Figures of the district's own channels for a period, per owner unit (the yearly assessment) and per channel
(the channel page): overdue correction orders, channels found zombie, posts per week."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from yuqing.clock import aware
from yuqing.publish.corrections import overdue_by_unit
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


def unit_channel_ids(session: Session, start: datetime, end: datetime) -> dict[int, dict[str, list[int]]]:
    """Per unit: {"correction_overdue": order ids, "zombie_channels": channel ids} for the assessment."""
    out: dict[int, dict[str, list[int]]] = {}
    for unit_id, ids in overdue_by_unit(session, aware(start), aware(end)).items():
        out.setdefault(unit_id, {})["correction_overdue"] = sorted(ids)
    for unit_id, ids in zombies_by_unit(session, aware(start), aware(end)).items():
        out.setdefault(unit_id, {})["zombie_channels"] = ids
    return out


def attach_to_period(session: Session, figures: dict[str, Any], start: datetime, end: datetime) -> None:
    """Give each unit row of a period's figures (and the district's total) its channel ids."""
    per_unit = unit_channel_ids(session, start, end)
    total: dict[str, list[int]] = {"correction_overdue": [], "zombie_channels": []}
    for row in figures["units"]:
        mine = per_unit.get(row["unit_id"], {})
        row["channel_ids"] = {"correction_overdue": mine.get("correction_overdue", []),
                              "zombie_channels": mine.get("zombie_channels", [])}
    for mine in per_unit.values():
        for key, ids in mine.items():
            total[key].extend(ids)
    figures["total"]["channel_ids"] = {k: sorted(v) for k, v in total.items()}
