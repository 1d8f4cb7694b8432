"""预警中心 (admin and office): sent alerts with their status and attempts (filtered: 已触发, 已确认, 已升级,
已静默), early warnings, channel health, the rules; and the editors of channels and rules (预警设置), each
channel with a test message through its real adapter. Every change is an action (audited)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from sqlalchemy import select

from yuqing.alert.admin import (
    AlertConfigError,
    acknowledge,
    add_channel,
    add_rule,
    send_test,
    update_channel,
    update_rule,
)
from yuqing.alert.channels import ChannelConfigError
from yuqing.alert.queries import FILTERS, centre
from yuqing.analyse.topics import TOPIC_LABELS
from yuqing.domain.alerts import CHANNEL_KINDS, grade_label
from yuqing.domain.grading import GRADES
from yuqing.domain.roles import ROLE_NAMES
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables import Unit, User
from yuqing.store.tables_alert import AlertChannel, AlertRule, AlertRuleChannel
from yuqing.web.deps import (
    CsrfViewer,
    DbSession,
    Viewer,
    WorkspaceDep,
    redirect_with_flash,
    render,
    require_permission,
)

router = APIRouter()
AlertsManager = Annotated[Viewer, require_permission("alerts.manage")]
TARGET_HINTS = {
    "email": "收件地址，多个用逗号分隔",
    "wecom": "企业微信群机器人的 Webhook 地址",
    "dingtalk": "钉钉群机器人的 Webhook 地址（加签时另填密钥）",
    "webhook": "接收方地址（以密钥做 HMAC-SHA256 签名）",
    "sms": "短信网关地址模板，可用 {text}、{secret}",
    "inapp": "角色名称（如 领导小组办公室，发给该角色全体）或某人的用户名、姓名（只发给本人）",
}
ROLE_CODES = {name: code for code, name in ROLE_NAMES.items()}


def _inapp_target(session: Any, text: str) -> str:
    """What a person types as an in-app target (a role's name, a username or a person's name) as the channel
    stores it (a role code or user:USERNAME); codes typed as such still work, anything else is left to refuse."""
    text = text.strip()
    if text in ROLE_CODES:
        return ROLE_CODES[text]
    if text in ROLE_NAMES or text.startswith("user:"):
        return text
    users = list(session.execute(select(User.username).where(
        (User.username == text) | (User.display_name == text))).scalars())
    return f"user:{users[0]}" if len(users) == 1 else text


def _inapp_shown(target: str) -> str:
    """A stored in-app target as the editor shows it: the role's name, or the person's username."""
    return ROLE_NAMES.get(target, target[5:] if target.startswith("user:") else target)


def _target_error(kind: str, target: str, exc: Exception) -> str:
    if kind != "inapp" or not isinstance(exc, ChannelConfigError):
        return str(exc)
    return (f"站内通知的目标“{target.strip()}”既不是角色名称，也不是某位在用账号的用户名或姓名；请填写角色名称（"
            + "、".join(ROLE_NAMES.values()) + "）或某人的用户名")


@router.get("/alerts")
def alerts_page(request: Request, viewer: AlertsManager, session: DbSession, ws: WorkspaceDep,
                show: str = "fired") -> object:
    from yuqing.alert.duty import page_views

    show = show if show in FILTERS else "fired"
    data = centre(session, show=show)
    held = _silenced(ws, session, data) if show == "silenced" else []
    from yuqing.publish.deliver import sent_log as publish_log
    from yuqing.reports.deliver import sent_log

    return render(request, "alerts/centre.html", **data, duty_pages=page_views(session, limit=20), show=show,
                  filters=FILTERS, held=held, deliveries=sent_log(session, limit=10),
                  publish_deliveries=publish_log(session, limit=10))


def _silenced(ws: Any, session: Any, data: dict[str, Any]) -> list[dict[str, Any]]:
    """What the active silences hold back right now: the alerts that would go out without them."""
    from yuqing.alert.run import Due, evaluate
    from yuqing.store.tables import Event

    held: list[Due] = []
    evaluate(ws, silenced=held)
    titles = dict(session.execute(select(Event.id, Event.title).where(Event.id.in_({d.event_id for d in held} or {-1}))).all())
    rules = {r.id: r.name for r in data["rules"]}
    channels = {c.id: c.name for c in data["channels"]}
    return [{"event_id": d.event_id, "event_title": titles.get(d.event_id, ""), "grade_label": grade_label(d.grade),
             "rule_name": rules.get(d.rule_id, ""), "recipient": channels.get(d.channel_id or 0) or
             ("值班人员" if d.recipient == "duty" else "站内·" + ROLE_NAMES.get(d.recipient[5:], "角色"))}
            for d in held]


@router.post("/alerts/{delivery_id}/ack")
def acknowledge_alert(delivery_id: int, viewer: AlertsManager, ws: WorkspaceDep, _csrf: CsrfViewer) -> object:
    try:
        acknowledge(ws, viewer.actor, delivery_id)
    except NotFound:
        return redirect_with_flash("/alerts", "这条预警不存在")
    return redirect_with_flash("/alerts", "已确认收到")


# ---------------------------------------------------------------- channels
def _channel_page(request: Request, form: dict[str, Any], channel: AlertChannel | None = None,
                  error: str | None = None, status: int = 200) -> Any:
    return render(request, "alerts/channel_form.html", status, form=form, channel=channel, error=error,
                  kinds=CHANNEL_KINDS, hints=TARGET_HINTS)


@router.get("/alerts/channels/new")
def channel_new(request: Request, viewer: AlertsManager) -> object:
    return _channel_page(request, {"kind": "", "name": "", "target": ""})


@router.post("/alerts/channels")
def channel_create(request: Request, viewer: AlertsManager, ws: WorkspaceDep, session: DbSession, _csrf: CsrfViewer,
                   kind: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                   target: Annotated[str, Form()] = "", secret: Annotated[str, Form()] = "") -> object:
    form = {"kind": kind, "name": name, "target": target}  # the secret is never sent back to the page
    missing = [label for label, ok in (("渠道类型", kind in CHANNEL_KINDS), ("名称", name.strip()),
                                       ("目标", target.strip())) if not ok]
    if missing:
        return _channel_page(request, form, error="请填写：" + "、".join(missing), status=400)
    try:
        stored = _inapp_target(session, target) if kind == "inapp" else target
        channel_id = add_channel(ws, viewer.actor, kind, name, stored, secret or None)
    except (AlertConfigError, ChannelConfigError) as exc:
        return _channel_page(request, form, error=_target_error(kind, target, exc), status=400)
    return redirect_with_flash(f"/alerts/channels/{channel_id}", f"已添加预警渠道“{name.strip()}”，可发送测试消息检查是否畅通")


@router.get("/alerts/channels/{channel_id}")
def channel_edit(channel_id: int, request: Request, viewer: AlertsManager, session: DbSession) -> object:
    channel = session.get(AlertChannel, channel_id)
    if channel is None:
        return redirect_with_flash("/alerts", "这个预警渠道不存在")
    target = _inapp_shown(channel.target) if channel.kind == "inapp" else channel.target
    return _channel_page(request, {"kind": channel.kind, "name": channel.name, "target": target,
                                   "active": "1" if channel.active else "0"}, channel)


@router.post("/alerts/channels/{channel_id}")
def channel_update(channel_id: int, request: Request, viewer: AlertsManager, ws: WorkspaceDep, session: DbSession,
                   _csrf: CsrfViewer, target: Annotated[str, Form()] = "", secret: Annotated[str, Form()] = "",
                   clear_secret: Annotated[str, Form()] = "", active: Annotated[str, Form()] = "") -> object:
    channel = session.get(AlertChannel, channel_id)
    if channel is None:
        return redirect_with_flash("/alerts", "这个预警渠道不存在")
    form = {"kind": channel.kind, "name": channel.name, "target": target, "active": active}
    if active not in ("0", "1"):
        return _channel_page(request, form, channel, "请选择启用或停用", 400)
    try:
        stored = _inapp_target(session, target) if channel.kind == "inapp" else target
        update_channel(ws, viewer.actor, channel_id, target=stored,
                       secret="" if clear_secret == "1" else (secret or None), active=active == "1")
    except (AlertConfigError, ChannelConfigError) as exc:
        return _channel_page(request, form, channel, _target_error(channel.kind, target, exc), 400)
    return redirect_with_flash(f"/alerts/channels/{channel_id}", f"已保存预警渠道“{channel.name}”")


@router.post("/alerts/channels/{channel_id}/test")
def channel_test(channel_id: int, viewer: AlertsManager, ws: WorkspaceDep, _csrf: CsrfViewer) -> object:
    try:
        error = send_test(ws, viewer.actor, channel_id)
    except NotFound:
        return redirect_with_flash("/alerts", "这个预警渠道不存在")
    return redirect_with_flash(f"/alerts/channels/{channel_id}",
                               f"测试消息发送失败：{error}" if error else "测试消息已发出，请到对方（群、邮箱、手机或站内通知）查看是否收到")


# ---------------------------------------------------------------- rules
def _rule_page(request: Request, session: Any, form: dict[str, Any], rule: AlertRule | None = None,
               error: str | None = None, status: int = 200) -> Any:
    channels = list(session.execute(select(AlertChannel).order_by(AlertChannel.id)).scalars())
    units = list(session.execute(select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.name)).all())
    return render(request, "alerts/rule_form.html", status, form=form, rule=rule, error=error, channels=channels,
                  kinds=CHANNEL_KINDS, grades=[(g, grade_label(g)) for g in GRADES], topics=TOPIC_LABELS,
                  roles=ROLE_NAMES, units=units)


def _rule_form(name: str, min_grade: str, topic: str, place: str, keyword: str, source: str, unit: str,
               channel: list[str], role: list[str], to_duty: str, early_warning: str, active: str) -> dict[str, Any]:
    return {"name": name, "min_grade": min_grade, "topic": topic, "place": place, "keyword": keyword,
            "source": source, "unit": unit, "channels": [int(c) for c in channel if c.isdigit()], "roles": role,
            "to_duty": to_duty == "1", "early_warning": early_warning == "1", "active": active}


RuleFields = dict[str, Any]


@router.get("/alerts/rules/new")
def rule_new(request: Request, viewer: AlertsManager, session: DbSession) -> object:
    return _rule_page(request, session, {"min_grade": "", "channels": [], "roles": [], "active": "1"})


def _save_rule(ws: Any, viewer: Viewer, form: RuleFields, rule_id: int | None) -> int:
    kw = dict(topic=form["topic"] or None, place=form["place"], keyword=form["keyword"], source=form["source"],
              roles=form["roles"], unit=form["unit"], to_duty=form["to_duty"], early_warning=form["early_warning"])
    if rule_id is None:
        return add_rule(ws, viewer.actor, form["name"], form["min_grade"], form["channels"], **kw)
    update_rule(ws, viewer.actor, rule_id, form["name"], form["min_grade"], form["channels"], **kw,
                active=form["active"] == "1")
    return rule_id


@router.post("/alerts/rules")
def rule_create(request: Request, viewer: AlertsManager, ws: WorkspaceDep, session: DbSession, _csrf: CsrfViewer,
                name: Annotated[str, Form()] = "", min_grade: Annotated[str, Form()] = "",
                topic: Annotated[str, Form()] = "", place: Annotated[str, Form()] = "",
                keyword: Annotated[str, Form()] = "", source: Annotated[str, Form()] = "",
                unit: Annotated[str, Form()] = "", channel: Annotated[list[str] | None, Form()] = None,
                role: Annotated[list[str] | None, Form()] = None, to_duty: Annotated[str, Form()] = "",
                early_warning: Annotated[str, Form()] = "") -> object:
    form = _rule_form(name, min_grade, topic, place, keyword, source, unit, channel or [], role or [], to_duty,
                      early_warning, "1")
    missing = [label for label, ok in (("规则名称", name.strip()), ("最低等级", min_grade in ("I", "II", "III", "IV")),
                                       ("发往（至少要发往一个渠道、角色或值班人员）", channel or role or to_duty)) if not ok]
    if missing:
        return _rule_page(request, session, form, None, "请填写：" + "、".join(missing), 400)
    try:
        rule_id = _save_rule(ws, viewer, form, None)
    except AlertConfigError as exc:
        return _rule_page(request, session, form, None, str(exc), 400)
    return redirect_with_flash(f"/alerts/rules/{rule_id}", f"已添加预警规则“{name.strip()}”")


@router.get("/alerts/rules/{rule_id}")
def rule_edit(rule_id: int, request: Request, viewer: AlertsManager, session: DbSession) -> object:
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        return redirect_with_flash("/alerts", "这条预警规则不存在")
    channels = list(session.execute(select(AlertRuleChannel.channel_id).where(AlertRuleChannel.rule_id == rule_id))
                    .scalars())
    topic = next((code for code, label in TOPIC_LABELS.items() if label == rule.topic), rule.topic or "")
    form = {"name": rule.name, "min_grade": rule.min_grade, "topic": topic, "place": rule.place or "",
            "keyword": rule.keyword or "", "source": rule.source or "", "unit": str(rule.unit_id or ""),
            "channels": channels, "roles": list(rule.roles or []), "to_duty": rule.to_duty,
            "early_warning": rule.early_warning, "active": "1" if rule.active else "0"}
    return _rule_page(request, session, form, rule)


@router.post("/alerts/rules/{rule_id}")
def rule_update(rule_id: int, request: Request, viewer: AlertsManager, ws: WorkspaceDep, session: DbSession,
                _csrf: CsrfViewer, name: Annotated[str, Form()] = "", min_grade: Annotated[str, Form()] = "",
                topic: Annotated[str, Form()] = "", place: Annotated[str, Form()] = "",
                keyword: Annotated[str, Form()] = "", source: Annotated[str, Form()] = "",
                unit: Annotated[str, Form()] = "", channel: Annotated[list[str] | None, Form()] = None,
                role: Annotated[list[str] | None, Form()] = None, to_duty: Annotated[str, Form()] = "",
                early_warning: Annotated[str, Form()] = "", active: Annotated[str, Form()] = "") -> object:
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        return redirect_with_flash("/alerts", "这条预警规则不存在")
    form = _rule_form(name, min_grade, topic, place, keyword, source, unit, channel or [], role or [], to_duty,
                      early_warning, active)
    try:
        if active not in ("0", "1"):
            raise AlertConfigError("请选择启用或停用")
        _save_rule(ws, viewer, form, rule_id)
    except AlertConfigError as exc:
        return _rule_page(request, session, form, rule, str(exc), 400)
    return redirect_with_flash(f"/alerts/rules/{rule_id}", f"已保存预警规则“{name.strip()}”")
