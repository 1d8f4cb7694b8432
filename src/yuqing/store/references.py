"""What still points at a row: a unit, user or source may be deleted only when nothing does (else it is
disabled, so history keeps its names). Found from the foreign keys of every table, so a table added later
counts without anyone remembering to list it here."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from yuqing.store.tables import AuditEntry, Base

# What people call the rows that refer to something, for the refusal message.
TABLE_WORDS = {
    "units": "下级单位", "users": "用户", "items": "信息", "fetch_runs": "采集记录", "events": "事件",
    "cases": "案件", "assignments": "案件分派", "responsibility_rules": "交办规则", "feedback": "反馈",
    "reminders": "催办记录", "supervisions": "督办记录", "extension_requests": "延期申请",
    "instructions": "批示", "replies": "回复稿", "spot_checks": "抽查记录", "unit_marks": "单位记分",
    "case_history": "办理记录", "attachments": "附件", "notifications": "通知", "audit_entries": "审计记录",
    "source_states": "采集状态", "item_versions": "信息版本", "monitoring_windows": "监测时段",
}


def references(session: Session, table: str, row_id: int, *, ignore: frozenset[str] = frozenset()) -> dict[str, int]:
    """{referring table: rows} for every foreign key that points at `table`.id = row_id (self-references
    included; rows the target owns, ON DELETE CASCADE, and tables in `ignore` left out); only tables with
    at least one row are returned."""
    found: dict[str, int] = {}
    for other in Base.metadata.sorted_tables:
        if other.name in ignore:
            continue
        for fk in other.foreign_keys:
            if fk.column.table.name != table or fk.column.name != "id" or fk.ondelete == "CASCADE":
                continue
            n = session.execute(select(func.count()).select_from(other).where(fk.parent == row_id)).scalar_one()
            if n:
                found[other.name] = found.get(other.name, 0) + int(n)
    return found


def delete_owned(session: Session, table: str, row_id: int) -> None:
    """Delete the rows `table`.id = row_id owns (foreign keys with ON DELETE CASCADE), on every backend
    (SQLite enforces no cascade unless asked)."""
    for other in Base.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table.name == table and fk.column.name == "id" and fk.ondelete == "CASCADE":
                session.execute(delete(other).where(fk.parent == row_id))


def acted(session: Session, user_id: int) -> int:
    """Audit entries made by a user (their record; the audit log has no foreign key by design)."""
    return int(session.execute(select(func.count(AuditEntry.id)).where(AuditEntry.actor_id == user_id)).scalar_one())


def describe(found: dict[str, int]) -> str:
    """'3 条案件分派、2 个用户' for a refusal."""
    return "、".join(f"{n} 条{TABLE_WORDS.get(t, '其他记录')}" for t, n in sorted(found.items(), key=lambda x: -x[1]))
