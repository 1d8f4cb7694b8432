"""The duty roster in the database (值班, R-ALERT-4): shifts added by hand or imported from XLSX, hand-over
notes, who is on duty now, paging the person on duty, acknowledgement and escalation.

A rule routed to the person on duty makes a sent-log row with recipient "duty" (exactly once, like every
channel). Sending it pages step 0: whoever heads the duty chain at that moment gets an in-app notification
(written in the transaction that marks the row sent) and an e-mail with a signed acknowledgement link when
their account has an address (best effort: a failed e-mail is noted on the page, and escalation covers a
person who never saw it). Nobody on duty: the office is paged at once.
An unacknowledged page escalates after `duty_ack_minutes` to the next person on duty, then to the office:
each escalation is a new page whose unique key (delivery, step) lets exactly one runner insert it.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from yuqing.accounts import actor_of
from yuqing.actions import Tx, action
from yuqing.clock import aware, utcnow
from yuqing.domain import duty as policy
from yuqing.domain.alerts import AlertMessage
from yuqing.domain.roles import PermissionDenied
from yuqing.store.repositories.cases import NotFound
from yuqing.store.repositories.notifications import notify
from yuqing.store.tables import Event, User
from yuqing.store.tables_alert import (
    AlertAttempt,
    AlertDelivery,
    AlertRule,
    DutyHandover,
    DutyPage,
    DutyShift,
)
from yuqing.workspace import Workspace

log = logging.getLogger(__name__)

MAX_ROSTER_BYTES = 2 * 1024 * 1024
MAX_ROSTER_ROWS = 2000
PAGE_KIND = "alert.duty"
OFFICE_KIND = "alert.escalated"
DUTY_RECIPIENT = "duty"


class RosterError(ValueError):
    """A roster file or shift that cannot be used as a whole; the message says why, in Chinese."""


# ------------------------------------------------------------------ who is on duty
def load_shifts(s: Session, start: datetime, end: datetime) -> list[policy.Shift]:
    rows = s.execute(select(DutyShift).where(DutyShift.starts_at < end, DutyShift.ends_at > start)
                     .order_by(DutyShift.starts_at, DutyShift.id)).scalars()
    return [policy.Shift(r.id, r.user_id, aware(r.starts_at), aware(r.ends_at), r.level, r.kind) for r in rows]


def window_active(s: Session, now: datetime) -> bool:
    """Emergency mode or a planned monitoring window is on: 24-hour duty (emergency shifts count, no quiet hours)."""
    from yuqing.collect.schedule import active_windows

    return bool(active_windows(s, now))


def window_arrangement(s: Session, now: datetime) -> tuple[list[str], list[int]]:
    """The duty arrangement (值班安排) of the monitoring windows on now: their names and the people, in each
    window's order (windows by start), each once; empty when no window on now names one."""
    from yuqing.collect.schedule import active_windows

    names: list[str] = []
    people: list[int] = []
    for w in sorted(active_windows(s, now), key=lambda w: (aware(w.starts_at), w.id)):
        if w.duty_user_ids:
            names.append(w.name)
            people.extend(int(u) for u in w.duty_user_ids if int(u) not in people)
    return names, people


def on_duty(s: Session, now: datetime) -> list[int]:
    """The escalation chain now: the user ids on duty, lowest level first (active accounts only). While a
    monitoring window with a duty arrangement is on, its people are the chain (the roster again should every
    one of them have left)."""
    _, arranged = window_arrangement(s, now)
    shifts = load_shifts(s, now, now + timedelta(seconds=1))
    window = window_active(s, now)
    live: list[int] = []
    for people in ([arranged, []] if arranged else [[]]):
        ids = policy.chain(shifts, now, window, people)
        active = set(s.execute(select(User.id).where(User.id.in_(ids), User.active.is_(True))).scalars()) if ids \
            else set()
        live = [i for i in ids if i in active]
        if live:
            break
    return live


# ------------------------------------------------------------------ shifts, import, hand-over notes
_BARE = re.compile(r"[（(].*?[）)]")


def _bare(display_name: str) -> str:
    """"舆情监测员 李明（演示）" → "李明": rosters name people, not their titles."""
    return _BARE.sub("", display_name).strip().split(" ")[-1]


def _person(s: Session, wanted: str) -> int:
    """A user id by user name, display name or bare name; RosterError when unknown or ambiguous."""
    wanted = wanted.strip()
    users = list(s.execute(select(User.id, User.username, User.display_name).where(User.active.is_(True))).all())
    for uid, username, _ in users:
        if username == wanted:
            return int(uid)
    exact = [uid for uid, _, name in users if name == wanted]
    found = exact or [uid for uid, _, name in users if _bare(name) == wanted]
    if not found:
        raise RosterError(f"没有名为“{wanted}”的在用账号")
    if len(found) > 1:
        raise RosterError(f"有 {len(found)} 个账号叫“{wanted}”，请改写用户名")
    return int(found[0])


def resolve_people(s: Session, wanted: list[str] | tuple[str, ...] | Any) -> list[int]:
    """User ids of a duty arrangement given by user name, display name or bare name, in the order given;
    RosterError naming the first one that is unknown or ambiguous."""
    out: list[int] = []
    for name in wanted or ():
        if str(name).strip():
            user_id = _person(s, str(name))
            if user_id not in out:
                out.append(user_id)
    return out


@dataclass
class ImportResult:
    added: int = 0
    skipped: int = 0  # already in the roster
    errors: list[str] = field(default_factory=list)


def parse_roster(data: bytes) -> tuple[list[policy.RosterRow], list[tuple[int, str]]]:
    """The usable rows of a roster workbook and, by line, the reasons the others cannot be used. The file as a
    whole is refused (RosterError) only when it is too big, unreadable or has no proper header."""
    from yuqing.collect.files import XlsxError, open_workbook, sheet_rows

    if len(data) > MAX_ROSTER_BYTES:
        raise RosterError(f"文件超过 {MAX_ROSTER_BYTES // (1024 * 1024)} MB，请只保留值班表本身")
    rows: list[policy.RosterRow] = []
    errors: list[tuple[int, str]] = []
    columns: dict[str, int] | None = None
    try:
        wb = open_workbook(data)
        try:
            for n, cells in sheet_rows(wb):
                if not any(c not in (None, "") for c in cells):
                    continue
                if columns is None:
                    columns = policy.header_map(cells)
                    continue
                if len(rows) + len(errors) >= MAX_ROSTER_ROWS:
                    raise RosterError(f"值班表超过 {MAX_ROSTER_ROWS} 行，请分文件导入")
                try:
                    rows.append(policy.parse_row(cells, columns, n))
                except policy.RosterRowError as exc:
                    errors.append((n, str(exc)))
        finally:
            wb.close()
    except XlsxError as exc:
        raise RosterError(f"无法读取 XLSX 文件：{exc}") from None
    except policy.RosterRowError as exc:
        raise RosterError(str(exc)) from None
    if columns is None:
        raise RosterError("文件里没有内容：第一行应为表头 " + " | ".join(policy.ROSTER_COLUMNS))
    return rows, errors


@action("duty.import", permission="duty.manage")
def import_roster(tx: Tx, data: bytes, filename: str = "") -> ImportResult:
    """Add the shifts of a roster workbook: each bad row is reported by its line and the good ones are kept;
    a shift already in the roster is skipped (importing the same file twice adds nothing)."""
    rows, bad = parse_roster(data)
    s = tx.session
    result = ImportResult()
    errors = list(bad)
    have: set[tuple[int, datetime, datetime, int, str]] = set()
    if rows:
        start, end = min(r.starts for r in rows), max(r.ends for r in rows)
        have = {(x.user_id, aware(x.starts_at), aware(x.ends_at), x.level, x.kind) for x in s.execute(
            select(DutyShift).where(DutyShift.starts_at >= start, DutyShift.ends_at <= end)).scalars()}
    for row in rows:
        try:
            user_id = _person(s, row.person)
        except RosterError as exc:
            errors.append((row.line, f"第 {row.line} 行：{exc}"))
            continue
        key = (user_id, row.starts, row.ends, row.level, row.kind)
        if key in have:
            result.skipped += 1
            continue
        have.add(key)
        s.add(DutyShift(user_id=user_id, starts_at=row.starts, ends_at=row.ends, level=row.level, kind=row.kind,
                        note=row.note, created_by_id=tx.actor.user_id, created_at=utcnow()))
        result.added += 1
    result.errors = [message for _, message in sorted(errors)]
    tx.audit("duty.import", "duty_roster", None, filename=filename[:200] or None, rows=result.added,
             skipped=result.skipped, errors=len(result.errors))
    return result


@action("duty.shift_add", permission="duty.manage")
def add_shift(tx: Tx, person: str, starts: datetime, ends: datetime, level: int = 1, kind: str = "regular",
              note: str = "") -> int:
    """Put one person on duty from `starts` to `ends` (China time when naive)."""
    try:
        row = policy.parse_row([starts, ends, person, level, kind, note],
                               {"starts": 0, "ends": 1, "person": 2, "level": 3, "kind": 4, "note": 5}, 0)
    except policy.RosterRowError as exc:
        raise RosterError(str(exc).removeprefix("第 0 行：")) from None
    user_id = _person(tx.session, row.person)
    shift = DutyShift(user_id=user_id, starts_at=row.starts, ends_at=row.ends, level=row.level, kind=row.kind,
                      note=row.note, created_by_id=tx.actor.user_id, created_at=utcnow())
    tx.session.add(shift)
    tx.session.flush()
    tx.audit("duty.shift_add", "duty_shift", shift.id, person=_name(tx.session, user_id), starts_at=row.starts,
             ends_at=row.ends, position=policy.level_label(row.level), shift=policy.SHIFT_KINDS[row.kind])
    return shift.id


@action("duty.shift_delete", permission="duty.manage")
def delete_shift(tx: Tx, shift_id: int) -> None:
    shift = tx.session.get(DutyShift, shift_id)
    if shift is None:
        raise NotFound(f"班次 {shift_id} 不存在")
    tx.audit("duty.shift_delete", "duty_shift", shift.id, person=_name(tx.session, shift.user_id),
             starts_at=shift.starts_at, ends_at=shift.ends_at)
    tx.session.delete(shift)


@action("duty.handover", permission=None)
def add_handover(tx: Tx, shift_id: int, text: str) -> int:
    """A hand-over note on a shift, by the person on it or whoever manages the roster (checked here)."""
    shift = tx.session.get(DutyShift, shift_id)
    if shift is None:
        raise NotFound(f"班次 {shift_id} 不存在")
    if shift.user_id != tx.actor.user_id and not tx.actor.can("duty.manage"):
        raise PermissionDenied("只有本班值班人员或值班表管理人员可以填写交接班记录")
    text = text.strip()
    if not text:
        raise RosterError("请填写交接班记录的内容")
    if len(text) > 4000:
        raise RosterError("交接班记录不能超过 4000 字")
    note = DutyHandover(shift_id=shift.id, author_id=tx.actor.user_id, author_name=tx.actor.name, at=utcnow(),
                        text=text)
    tx.session.add(note)
    tx.session.flush()
    tx.audit("duty.handover", "duty_shift", shift.id, note=text[:200])
    return note.id


# ------------------------------------------------------------------ paging, acknowledgement, escalation
def ack_link(ws: Workspace, page_id: int, paged_at: datetime) -> str:
    """The signed link that acknowledges a page without logging in (absolute when public_url is set)."""
    token = policy.ack_token(ws.settings.secret_key, page_id, aware(paged_at) + policy.LINK_VALID)
    return f"{ws.settings.public_url.rstrip('/')}/duty/ack/{token}"


def _insert_page(s: Session, values: dict[str, Any]) -> int | None:
    """Insert a page unless its (delivery, step) exists; the new id, or None when another runner won."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    row = s.execute(insert(DutyPage).values(**values).on_conflict_do_nothing().returning(DutyPage.id)).first()
    return int(row[0]) if row is not None else None


def _page(s: Session, ws: Workspace, delivery: AlertDelivery, step: int, user_id: int | None,
          message: AlertMessage, now: datetime, escalated_from: str = "") -> int | None:
    """Page one person (or the office, user_id None) in `s`: the page row and its in-app notification."""
    due = now + timedelta(minutes=ws.settings.duty_ack_minutes) if user_id is not None else None
    page_id = _insert_page(s, dict(delivery_id=delivery.id, event_id=delivery.event_id, step=step, user_id=user_id,
                                   paged_at=now, ack_due_at=due, email_error=""))
    if page_id is None:
        return None
    text = dataclasses.replace(message, ack_link="").text()
    if escalated_from:
        text = f"{escalated_from}\n{text}"
    if user_id is not None:
        notify(s, f"user:{user_id}", PAGE_KIND, f"【值班预警，请确认】{message.title}", text, f"/duty/pages/{page_id}")
    else:
        notify(s, "office", OFFICE_KIND, f"【预警已升级至办公室】{message.title}", text, f"/duty/pages/{page_id}")
    return page_id


def deliver_to_duty(ws: Workspace, delivery_id: int, worker: str, message: AlertMessage) -> str:
    """Send a claimed "duty" message: page whoever heads the duty chain now (the office when nobody is on duty),
    in the transaction that marks it sent; then e-mail them the acknowledgement link."""
    now = utcnow()
    with ws.db.write() as s:
        delivery = s.get(AlertDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.claimed_by != worker or delivery.status != "sending":
            return "skipped"
        chain = on_duty(s, now)
        page_id = _page(s, ws, delivery, 0, chain[0] if chain else None, message, now)
        delivery.attempts = (delivery.attempts or 0) + 1
        delivery.status, delivery.sent_at, delivery.last_error, delivery.next_attempt_at = "sent", now, "", None
        s.add(AlertAttempt(delivery_id=delivery.id, at=now, ok=True, error="", duration_ms=0))
    if page_id is not None:
        email_page(ws, page_id, message)
    return "sent"


def email_page(ws: Workspace, page_id: int, message: AlertMessage) -> None:
    """E-mail the paged person (when their account has an address) with the acknowledgement link; a failure
    is noted on the page, never raised (the in-app page is already there, and escalation follows)."""
    from yuqing.alert.channels import ChannelSpec, SendError
    from yuqing.alert.channels.email import EmailChannel

    with ws.db.read() as s:
        page = s.get(DutyPage, page_id)
        user = s.get(User, page.user_id) if page is not None and page.user_id is not None else None
        if page is None or user is None or not user.email:
            return
        address, paged_at = user.email, page.paged_at
    mail = dataclasses.replace(message, ack_link=ack_link(ws, page_id, paged_at))
    error = ""
    try:
        EmailChannel(ChannelSpec(0, "值班人员邮件", "email", address), ws).send(mail)
    except SendError as exc:
        error = str(exc)
    except Exception as exc:  # never let a mail problem stop the alert run
        log.exception("duty e-mail failed")
        error = f"发送时程序出错（{type(exc).__name__}）"
    if error:
        with ws.db.write() as s:
            row = s.get(DutyPage, page_id)
            if row is not None:
                row.email_error = error


def _message_for(ws: Workspace, s: Session, delivery: AlertDelivery) -> AlertMessage:
    from yuqing.alert.run import _message
    from yuqing.store.tables_alert import AlertWarning

    rule, event = s.get(AlertRule, delivery.rule_id), s.get(Event, delivery.event_id)
    assert rule is not None and event is not None
    return _message(ws, delivery, rule, event,
                    s.get(AlertWarning, delivery.warning_id) if delivery.warning_id else None)


def _name(s: Session, user_id: int | None) -> str:
    if user_id is None:
        return policy.OFFICE_STEP_LABEL
    user = s.get(User, user_id)
    return user.display_name if user is not None else "已删除的账号"


@action("duty.escalate", permission="alerts.escalate")
def escalate(tx: Tx, page_id: int) -> int | None:
    """A page not acknowledged in time goes to the next person on duty not yet paged about this alert, then to
    the office; once (the new page's unique key). Returns the new page id, or None when nothing is due."""
    s, now, ws = tx.session, utcnow(), tx.ws
    page = s.get(DutyPage, page_id)
    if page is None or page.acknowledged_at is not None or page.escalated_at is not None or page.ack_due_at is None \
            or aware(page.ack_due_at) > now:
        return None
    delivery = s.get(AlertDelivery, page.delivery_id)
    if delivery is None or delivery.acknowledged_at is not None:
        return None
    before = list(s.execute(select(DutyPage).where(DutyPage.delivery_id == delivery.id)).scalars())
    paged = {p.user_id for p in before}
    chain = [u for u in on_duty(s, now) if u not in paged]
    to = chain[0] if chain else None
    if to is None and None in paged:
        return None  # the office already has it: the end of the chain
    message = _message_for(ws, s, delivery)
    waited = int((now - aware(page.paged_at)).total_seconds() // 60)
    why = f"{_name(s, page.user_id)} 在 {waited} 分钟内未确认，预警升级。"
    new_id = _page(s, ws, delivery, page.step + 1, to, message, now, escalated_from=why)
    if new_id is None:
        return None  # another runner escalated this page
    page.escalated_at = now
    tx.audit("duty.escalate", "alert", delivery.id, event_id=delivery.event_id, grade=delivery.grade,
             step=page.step + 1, missed_by=_name(s, page.user_id), escalated_to=_name(s, to), minutes=waited)
    tx.after_commit(lambda: email_page(ws, new_id, message))
    return new_id


def escalate_due(ws: Workspace, now: datetime | None = None) -> int:
    """Escalate every page whose acknowledgement time has passed (as the jobs account); how many escalated."""
    from yuqing.actions.actors import jobs_actor

    now = now or utcnow()
    with ws.db.read() as s:
        ids = list(s.execute(select(DutyPage.id).join(AlertDelivery, AlertDelivery.id == DutyPage.delivery_id).where(
            DutyPage.acknowledged_at.is_(None), DutyPage.escalated_at.is_(None), DutyPage.ack_due_at.is_not(None),
            DutyPage.ack_due_at <= now, AlertDelivery.acknowledged_at.is_(None)).order_by(DutyPage.id)).scalars())
    if not ids:
        return 0
    actor = jobs_actor(ws)
    return sum(1 for page_id in ids if escalate(ws, actor, page_id) is not None)


@action("duty.acknowledge", permission=None)
def acknowledge_page(tx: Tx, page_id: int, via: str = "inbox") -> bool:
    """Acknowledge a paged alert: by anyone it was paged to (the signed link acts as that person) or by those
    who manage alerts (checked here). Escalation stops; False when it was already acknowledged."""
    s = tx.session
    page = s.get(DutyPage, page_id)
    if page is None:
        raise NotFound(f"值班预警 {page_id} 不存在")
    pages = list(s.execute(select(DutyPage).where(DutyPage.delivery_id == page.delivery_id)).scalars())
    if tx.actor.user_id not in {p.user_id for p in pages} and not tx.actor.can("alerts.manage"):
        raise PermissionDenied("只有收到这条预警的值班人员或领导小组办公室可以确认")
    delivery = s.get(AlertDelivery, page.delivery_id)
    if delivery is None or delivery.acknowledged_at is not None or any(p.acknowledged_at for p in pages):
        return False
    now = utcnow()
    for p in pages:
        p.acknowledged_at, p.acknowledged_by_id, p.ack_via = now, tx.actor.user_id, via
    delivery.acknowledged_at, delivery.acknowledged_by_id = now, tx.actor.user_id
    tx.audit("duty.acknowledge", "alert", delivery.id, event_id=delivery.event_id, grade=delivery.grade,
             step=page.step, via=policy.ACK_VIA_LABELS.get(via, via),
             minutes=int((now - aware(page.paged_at)).total_seconds() // 60))
    return True


@dataclass
class LinkCheck:
    page_id: int
    user_id: int
    acknowledged: bool


def check_link(ws: Workspace, token: str) -> LinkCheck:
    """What a signed link is for; TokenError (Chinese) when forged, expired or not a person's page."""
    page_id = policy.read_token(ws.settings.secret_key, token, utcnow())
    with ws.db.read() as s:
        page = s.get(DutyPage, page_id)
        if page is None or page.user_id is None:
            raise policy.TokenError("确认链接无效")
        delivery = s.get(AlertDelivery, page.delivery_id)
        done = page.acknowledged_at is not None or (delivery is not None and delivery.acknowledged_at is not None)
        return LinkCheck(page.id, page.user_id, done)


def acknowledge_by_link(ws: Workspace, token: str) -> bool:
    """The signed link's acknowledgement, as the person it was sent to; single use (False the second time)."""
    found = check_link(ws, token)
    if found.acknowledged:
        return False
    with ws.db.read() as s:
        user = s.get(User, found.user_id)
        if user is None or not user.active:
            raise policy.TokenError("确认链接对应的账号已停用")
        actor = actor_of(user)
    return acknowledge_page(ws, actor, found.page_id, "link")


# ------------------------------------------------------------------ what the 值班表 page reads
@dataclass
class ShiftView:
    id: int
    user_id: int
    person: str
    starts_at: datetime
    ends_at: datetime
    level_label: str
    kind: str
    kind_label: str
    note: str
    current: bool
    handovers: list[DutyHandover]


@dataclass
class PageView:
    id: int
    event_id: int
    event_title: str
    grade_label: str
    step: int
    to: str
    paged_at: datetime
    ack_due_at: datetime | None
    status: str  # waiting | acknowledged | escalated | closed (the office has it)
    status_label: str
    acknowledged_at: datetime | None
    acknowledged_by: str
    email_error: str
    user_id: int | None


PAGE_STATUS_LABELS = {"waiting": "待确认", "acknowledged": "已确认", "escalated": "未按时确认，已升级",
                      "office": "已升级至办公室，待确认"}


def page_views(s: Session, limit: int = 50, page_ids: list[int] | None = None) -> list[PageView]:
    from yuqing.domain.alerts import grade_label

    stmt = select(DutyPage, AlertDelivery.grade, AlertDelivery.acknowledged_at, Event.title).join(
        AlertDelivery, AlertDelivery.id == DutyPage.delivery_id).join(Event, Event.id == DutyPage.event_id)
    if page_ids is not None:
        stmt = stmt.where(DutyPage.id.in_(page_ids))
    rows = s.execute(stmt.order_by(DutyPage.id.desc()).limit(limit)).all()
    names = dict(s.execute(select(User.id, User.display_name)).all()) if rows else {}
    out = []
    for p, grade, delivery_ack, title in rows:
        if p.acknowledged_at or delivery_ack:
            status = "acknowledged"
        elif p.escalated_at:
            status = "escalated"
        else:
            status = "office" if p.user_id is None else "waiting"
        out.append(PageView(p.id, p.event_id, title, grade_label(grade), p.step,
                            names.get(p.user_id, "已删除的账号") if p.user_id else policy.OFFICE_STEP_LABEL,
                            p.paged_at, p.ack_due_at, status, PAGE_STATUS_LABELS[status], p.acknowledged_at or delivery_ack,
                            names.get(p.acknowledged_by_id, "") if p.acknowledged_by_id else "", p.email_error,
                            p.user_id))
    return out


def roster_view(s: Session, now: datetime, days: int = 7) -> dict[str, Any]:
    """The roster from yesterday to `days` ahead, who is on duty now, hand-over notes, and the uncovered hours."""
    start, end = now - timedelta(days=1), now + timedelta(days=days)
    rows = list(s.execute(select(DutyShift).where(DutyShift.starts_at < end, DutyShift.ends_at > start)
                          .order_by(DutyShift.starts_at, DutyShift.level, DutyShift.id)).scalars())
    names = dict(s.execute(select(User.id, User.display_name)).all())
    notes: dict[int, list[DutyHandover]] = {}
    if rows:
        for note in s.execute(select(DutyHandover).where(DutyHandover.shift_id.in_([r.id for r in rows]))
                              .order_by(DutyHandover.id)).scalars():
            notes.setdefault(note.shift_id, []).append(note)
    active = window_active(s, now)
    shifts = [ShiftView(r.id, r.user_id, names.get(r.user_id, "已删除的账号"), r.starts_at, r.ends_at,
                        policy.level_label(r.level), r.kind, policy.SHIFT_KINDS.get(r.kind, "其他"), r.note,
                        aware(r.starts_at) <= now < aware(r.ends_at) and (r.kind == "regular" or active),
                        notes.get(r.id, [])) for r in rows]
    chain = on_duty(s, now)
    domain_shifts = [policy.Shift(r.id, r.user_id, aware(r.starts_at), aware(r.ends_at), r.level, r.kind) for r in rows]
    # A planned window with a duty arrangement covers its own span: no gap there, whatever the roster says.
    from yuqing.collect.schedule import MonitoringWindow

    for w in s.execute(select(MonitoringWindow).where(MonitoringWindow.starts_at < end,
                                                      MonitoringWindow.ends_at > now)).scalars():
        if w.duty_user_ids and w.ends_at is not None:
            domain_shifts.append(policy.Shift(-w.id, int(w.duty_user_ids[0]), aware(w.starts_at), aware(w.ends_at)))
    arrangement, _ = window_arrangement(s, now)
    return {"shifts": shifts, "on_duty": [names.get(u, "已删除的账号") for u in chain], "window_active": active,
            "arrangement": arrangement,
            "gaps": policy.gaps(domain_shifts, now, now + timedelta(days=days), active)}
