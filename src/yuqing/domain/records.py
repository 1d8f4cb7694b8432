"""Readable records: the Chinese words for every audit action, case-history step and detail field.

The audit log and a case's history store codes (`case.assign`, `from_state`, `lead_unit_id`) so they stay
stable and hashable; people read them through this table. Case-desk actions take their labels from the
lifecycle table; everything else is listed here. A test scans the code base and the demo's audit log
and fails when an action code or detail field has no label: add it below.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from yuqing.clock import CHINA, aware
from yuqing.domain import lifecycle as lc
from yuqing.domain.grading import GRADE_LABELS
from yuqing.domain.messages import FINDING_KINDS
from yuqing.domain.roles import ROLE_LABELS

# Steps of a case's history that are not transitions of the lifecycle table (those come from lc.ACTIONS).
CASE_STEP_LABELS: dict[str, str] = {
    "open": "立案",
    "view": "查看案件",
    "attachment_download": "下载附件",
    "task_done": "完成分级响应任务",
    "sign_assist": "协办单位签收",
    "assist_opinion": "提交协办意见",
    "time_to_sign": "记录签收用时",
    "time_to_feedback": "记录反馈用时",
    "extension_requested": "申请延期",
    "extension_approved": "批准延期",
    "extension_rejected": "不批准延期",
    "remind": "催办",
    "supervise": "督办",
    "reply_drafted": "起草回复",
    "reply_approved": "签发回复",
    "reply_rejected": "退回回复稿",
    "reply_released": "记录回复发布",
    "instruction": "领导批示",
    "instruction_done": "批示落实",
    "item_attached": "关联后续信息",
    "spot_check_requested": "指定抽查复核",
    "spot_check_drawn": "抽中复核",
    "report_up": "上报市级",
    "venue_contact": "记录与信息发布平台沟通",
}

# Audit actions outside the case desk, by code.
AUDIT_LABELS: dict[str, str] = {
    "export.case_library": "导出案例库",
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "privacy.retention_purge": "按保存期限清除原始快照和个人信息",
    "privacy.retention_purge_batch": "按保存期限清除一批信息的快照和个人信息",
    "privacy.legacy_redaction_batch": "为早先保存的快照补做发帖人脱敏",
    "auth.logout": "退出登录",
    "unit.create": "新增单位",
    "unit.update": "修改单位",
    "unit.disable": "停用单位",
    "unit.enable": "启用单位",
    "unit.delete": "删除单位",
    "user.create": "新增用户",
    "user.update": "修改用户",
    "user.set_password": "重设密码",
    "user.activate": "启用用户",
    "user.deactivate": "停用用户",
    "user.delete": "删除用户",
    "source.create": "新增信息源",
    "source.update": "修改信息源",
    "source.disable": "停用信息源",
    "source.enable": "启用信息源",
    "source.delete": "删除信息源",
    "source.push_token": "生成推送令牌",
    "collect.emergency_on": "开启突发事件24小时监测",
    "collect.emergency_off": "结束突发事件24小时监测",
    "collect.planned_on": "开启计划监测时段",
    "collect.planned_off": "结束计划监测时段",
    "collect.window_started": "重点时段监测到点开启",
    "collect.window_ended": "重点时段监测到点结束",
    "items.import": "导入信息",
    "export.items": "导出信息",
    "event.merge": "合并事件",
    "event.split": "拆分事件",
    "event.rename": "修改事件标题",
    "event.grade_override": "人工认定事件等级",
    "event.grade_lift": "撤销人工认定等级",
    "profile.add_landmark": "新增地标",
    "profile.add_alias": "新增别名",
    "profile.set_keywords": "修改监测关键词",
    "profile.update_landmark": "修改地标",
    "profile.remove_landmark": "删除地标",
    "profile.remove_alias": "删除别名",
    "rule.save": "保存交办规则",
    "rule.delete": "删除交办规则",
    "rule.export": "导出交办规则",
    "rule.import": "导入交办规则",
    "spot_check.run": "抽查复核抽签",
    "alert.channel_add": "新增预警渠道",
    "alert.channel_update": "修改预警渠道",
    "alert.rule_add": "新增预警规则",
    "alert.rule_edit": "修改预警规则",
    "alert.channel_test": "发送测试消息",
    "notification.prefs": "修改通知设置",
    "event.report_up": "事件上报市级",
    "alert.rule_update": "启用或停用预警规则",
    "alert.acknowledge": "确认收到预警",
    "alert.retry": "立即重试发送失败的预警",
    "alert.silence": "设置预警静默",
    "alert.unsilence": "结束预警静默",
    "duty.import": "导入值班表",
    "duty.shift_add": "新增值班班次",
    "duty.shift_delete": "删除值班班次",
    "duty.handover": "填写交接班记录",
    "duty.acknowledge": "值班人员确认收到预警",
    "duty.escalate": "预警未确认，升级通知",
    "report.generate": "生成报告",
    "report.download": "下载报告",
    "report.deliver": "通过渠道发送报告",
    "report.routes": "修改报告发送渠道",
    "publish.deliver": "通过渠道发送发布监管提醒",
    "publish.routes": "修改发布监管提醒渠道",
    "special_report.draft": "起草舆情专报",
    "special_report.revise": "修改舆情专报",
    "special_report.approve": "审批舆情专报",
    "special_report.return": "退回舆情专报",
    "special_report.send": "报送舆情专报",
    "direct.report": "舆情直报",
    "direct.nothing": "报送今日无舆情",
    "direct.duty_set": "设置每日报送单位",
    "direct.duty_remove": "移出每日报送名单",
    "direct.cutoff_check": "每日报送截止检查",
    # own channels (R-PUBLISH): registry, admission, sign-off, filings
    "channel.add": "登记网站或账号", "channel.update": "修改网站或账号登记", "channel.apply": "提交准入申请",
    "channel.approve": "准入", "channel.reject": "不予准入", "channel.close": "关停网站或账号",
    "channel.record_posts": "记录渠道上的发布", "publication.draft": "起草发布稿件", "publication.sign": "签发稿件", "publication.sign_direct": "直接签发稿件（起草与签发为同一人）",
    "publication.reject": "退回稿件", "publication.redraft": "修改退回的稿件", "publication.publish": "登记稿件发布",
    "publication.live_check": "核对发布页面与签发稿", "statement.file": "申报备案", "statement.approve": "审批备案",
    "statement.reject": "备案不予通过", "channel.attachment_download": "下载准入申请附件",
    # channel checks and correction orders (R-PUBLISH-3)
    "channel.check": "检查网站或账号（更新、链接、错敏词）", "correction.issue": "下达整改通知",
    "channel.check_round": "一轮网站与账号检查（汇总）",
    "correction.overdue": "整改逾期提醒", "correction.recheck": "整改复查", "correction.explain": "提交整改情况说明",
    "correction.cancel": "撤销整改通知", "correction.follow": "整改通知跟随仍存在问题的页面", "wrong_words.seed": "启用默认错敏词列表", "wrong_words.save": "保存错敏词",
    "wrong_words.set_active": "启用或停用错敏词",
}

OBJECT_LABELS: dict[str, str] = {
    "case": "案件", "user": "用户", "unit": "单位", "source": "信息源", "event": "事件", "item": "信息",
    "items": "信息", "file": "文件", "profile": "辖区档案", "responsibility_rule": "交办规则",
    "spot_check_run": "抽查批次", "monitoring_window": "监测时段", "attachment": "附件",
    "alert_channel": "预警渠道", "alert_rule": "预警规则", "alert": "预警", "alert_silence": "预警静默",
    "report": "报告", "report_routes": "报告发送渠道", "publish_routes": "发布监管提醒渠道", "duty_roster": "值班表", "duty_shift": "值班班次", "special_report": "舆情专报",
    "direct_report": "舆情直报", "direct_report_day": "每日报送",
    "channel": "网站或账号", "publication": "发布稿件", "statement_filing": "声明备案",
    "correction_order": "整改通知", "wrong_word": "错敏词", "wrong_words": "错敏词列表",
    "channels": "网站与新媒体账号",
}

# Detail fields, in the order they read best; fields not listed are shown after, still labelled.
DETAIL_LABELS: dict[str, str] = {
    "version": "版本", "approval_void": "原审批作废", "satisfaction": "满意度", "units": "单位数",
    "recipients": "报送对象",
    "from_state": "原状态", "to_state": "新状态", "reason": "理由/说明", "note": "说明", "title": "标题",
    "name": "名称", "username": "用户名", "display_name": "姓名", "role": "角色", "unit": "单位",
    "kind": "类型", "parent": "上级", "place": "地名", "alias": "别名", "aliases": "别名",
    "url": "网址", "official": "官方账号", "interval": "采集间隔（秒）", "enabled": "启用", "active": "启用",
    "grade": "等级", "event_id": "事件", "item_id": "信息", "items": "信息", "new_event": "新事件",
    "merged": "被合并事件", "before": "修改前", "after": "修改后", "changes": "修改内容",
    "lead_unit_id": "牵头单位", "assist_unit_ids": "协办单位", "unit_id": "单位", "unit_ids": "单位",
    "due_at": "办理期限", "new_due_at": "申请延至", "routing": "交办依据", "followed_proposal": "按责任清单建议",
    "late": "超期", "hours": "用时", "level": "督办级别", "automatic": "系统自动",
    "supervision_id": "督办记录", "instruction_id": "批示记录", "reply_id": "回复稿", "request_id": "延期申请",
    "spot_check_id": "复核记录", "run_id": "抽查批次", "seed": "抽签种子", "share": "抽查比例",
    "population": "可抽案件", "drawn": "抽中案件", "text_sha256": "签发文本哈希", "task": "任务",
    "label": "任务名称", "confirmed_by": "确认人", "false_feedback": "虚假反馈", "after_close": "销号后",
    "to": "上报至", "records": "记录数", "new": "新增", "updated": "更新", "rows": "行数", "total": "总数",
    "query": "查询条件", "filename": "文件名", "case_id": "案件", "pattern": "匹配内容", "priority": "优先级",
    "replace": "替换原有规则", "sources": "信息源", "keywords": "关键词", "starts_at": "开始", "ends_at": "结束",
    "started_at": "开始", "evaluation_id": "评估记录", "reopened": "重新打开", "referenced": "被引用",
    "proposal": "交办建议", "deadline": "办理期限要求", "days": "自然日天数", "working_days": "工作日天数",
    "default": "按默认期限", "second_case_for": "同一事件的在办案件", "unsigned_assists": "未签收的协办单位",
    "feedback_id": "反馈记录",
    "retention_days": "保存期限（天）", "cutoff": "清除此前采集的", "versions": "历史版本", "bodies": "原始响应",
    "copies": "快照类别", "count": "数量", "legacy_redacted": "补做脱敏的快照",
    "signed": "设置了签名密钥", "topic": "领域", "channels": "预警渠道", "roles": "站内通知角色", "changed": "修改的项目",
    "secret_changed": "更换了密钥", "rule_id": "预警规则", "channel_id": "预警渠道",
    "period": "报告期", "replaced": "重新生成", "relevant": "涉区信息数", "overdue": "逾期案件数", "format": "文件格式",
    "via": "途径", "skipped": "已有而跳过", "errors": "有误的行数", "step": "升级步骤", "missed_by": "未确认的人",
    "escalated_to": "升级通知", "minutes": "分钟数", "person": "值班人员",
    "position": "顺位", "shift": "班次类型", "to_duty": "发给值班人员", "early_warning": "也发送预警信号", "delivered": "发送成功", "error": "失败原因", "by_email": "改为站内和邮件", "inbox_only": "改为仅站内", "recipient": "接收方", "forward_id": "上报记录", "package_sha256": "上报材料哈希", "retry": "重新发送",
    "duplicate": "并入已采集信息", "urgency": "紧急程度", "files": "截图（哈希）", "cutoff_time": "每日报送截止时间",
    "missing": "未报送单位", "intervals": "采集间隔变化（秒）", "source": "信息源", "duty": "值班安排",
    "missed_start": "开启未被及时记录", "contact_id": "沟通记录", "venue": "沟通平台", "q": "关键词", "year": "年份",
    # own channels (R-PUBLISH)
    "owner_unit_id": "主办单位", "feed_url": "订阅或列表页", "cadence": "更新频率", "responsible_person": "负责人",
    "administrator": "管理员", "application_id": "准入申请", "attachments": "附件（哈希）", "channel": "网站或账号",
    "content_sha256": "签发文本哈希", "uploader": "上传人", "answers_for": "负责内容", "outcome": "核对结果",
    "admission": "准入状态",
    "live_sha256": "页面文本哈希", "signed_sha256": "签发文本哈希", "seen": "发现文章数", "unsigned": "未经签发的文章",
    "event_ids": "事件", "case_ids": "案件", "report_type": "报告类型", "finding_kind": "问题类别",
    "closed": "已关停", "answering": "可以访问", "status": "HTTP 状态", "last_update": "最近更新", "state": "状态",
    "pages": "检查页面数", "new_findings": "新发现问题数", "resolved": "已消除问题数", "finding_id": "问题记录",
    "detail": "整改内容", "passed": "复查通过", "how": "复查方式", "evidence": "复查所见", "length": "字数",
    "word": "错词", "suggestion": "应为", "page": "页面",
    # a round of the channel check (one entry; channels with findings have their own)
    "checked": "检查渠道数", "answered": "可以访问的渠道数", "unreachable": "无法访问的渠道数",
    "closed_live": "已关停仍可访问", "raised": "新发现问题", "cleared": "已消除问题", "orders_issued": "下达整改通知",
    "channels_audited": "有问题变化、单独记录的渠道数", "failed": "检查出错的渠道数", "signed_later": "已对应签发稿的文章",
}
_FINDING_COUNT_KEYS = {"raised", "cleared"}  # {finding kind: count}

_BOOL_KEYS = {"official", "enabled", "active", "followed_proposal", "late", "automatic", "false_feedback",
              "after_close", "replace", "signed", "secret_changed", "replaced", "approval_void", "to_duty",
              "early_warning", "delivered", "retry", "missed_start"}
_TIME_KEYS = {"due_at", "new_due_at", "starts_at", "ends_at", "started_at", "last_update"}
_STATE_KEYS = {"from_state", "to_state"}
_UNIT_KEYS = {"lead_unit_id", "assist_unit_ids", "unit_id", "unit_ids", "owner_unit_id"}
KIND_VALUES: dict[str, str] = {
    # reports
    "daily": "网络舆情日报告表", "monthly": "月统计", "quarterly": "季通报", "yearly": "年度考核", "special": "舆情专报",
    # units
    "town": "乡镇", "street": "街道", "department": "部门", "office": "办公室",
    # sources
    "rss": "RSS/Atom 订阅", "web": "网页", "account": "政务号", "board": "留言板导出", "push": "推送接口",
    "file": "文件导入",
    # replies
    "reply": "点对点回复", "statement": "权威发布", "clarification": "澄清",
    # reminders
    "before_due": "到期前催办", "overdue": "超期催办", "supervision": "超期督办",
    # responsibility rules
    "place": "属地", "matter": "属事", "person": "属人",
    # monitoring windows
    "emergency": "突发事件监测", "planned": "计划监测",
    # alert channels
    "email": "电子邮件", "wecom": "企业微信群机器人", "dingtalk": "钉钉群机器人", "webhook": "通用 Webhook",
    "sms": "短信网关", "inapp": "站内通知",
    # duty shifts
    "regular": "日常值班",
    # direct reports (舆情直报)
    "direct": "舆情直报", "text": "文字直报", "link": "链接直报", "screenshot": "截图直报", "nothing": "今日无舆情",
    # own channels (R-PUBLISH)
    "website": "政府网站", "weibo": "政务微博", "wechat": "微信公众号", "app": "政务客户端", "video": "短视频账号",
    "leader": "领导干部实名账号", "spokesperson": "新闻发言人发布",
}
LEVEL_VALUES = {"office": "办公室督办", "leader": "领导督办"}


def case_step_label(action: str) -> str:
    """A case-history step in Chinese: a lifecycle action's label, or one of the other steps."""
    act = lc.ACTIONS.get(action)
    if act is not None:
        return act.label
    return CASE_STEP_LABELS.get(action, "其他操作")


def has_label(code: str) -> bool:
    """Whether an audit action code has its own Chinese label (the test asks this of every code)."""
    if code.startswith("case."):
        step = code[len("case."):]
        return step in lc.ACTIONS or step in CASE_STEP_LABELS
    return code in AUDIT_LABELS


def action_label(code: str) -> str:
    """An audit action in Chinese: 案件·交办, 新增用户 …"""
    if code.startswith("case."):
        return "案件·" + case_step_label(code[len("case."):])
    return AUDIT_LABELS.get(code, "其他操作")


def action_choices() -> list[tuple[str, str]]:
    """(code, label) of every known audit action, for the audit page's filter."""
    codes = [f"case.{a}" for a in lc.ACTIONS] + [f"case.{a}" for a in CASE_STEP_LABELS] + list(AUDIT_LABELS)
    return [(c, action_label(c)) for c in codes]


def object_label(object_type: str) -> str:
    return OBJECT_LABELS.get(object_type, "对象")


def field_label(key: str) -> str:
    return DETAIL_LABELS.get(key, "附加信息")


def _time(value: Any) -> str:
    try:
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return aware(dt).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _unit_names(value: Any, units: dict[int, str]) -> str:
    ids = value if isinstance(value, list) else [value]
    return "、".join(units.get(int(i), f"单位 #{i}") for i in ids if i is not None) or "无"


def format_value(key: str, value: Any, *, units: dict[int, str] | None = None) -> str:
    """One detail value as a person reads it: states, grades, roles, kinds and units by name, times in
    China time, yes/no for flags, lists joined with 、, nested fields labelled."""
    if value is None or value == "" or value == []:
        return "无"
    if key in _STATE_KEYS:
        return lc.label(str(value))
    if key in _UNIT_KEYS:
        return _unit_names(value, units or {})
    if key in _BOOL_KEYS or isinstance(value, bool):
        return "是" if value else "否"
    if key in _TIME_KEYS:
        return _time(value)
    if key == "grade":
        return GRADE_LABELS.get(str(value), str(value))
    if key == "role":
        return ROLE_LABELS.get(str(value), str(value))
    if key == "kind":
        return KIND_VALUES.get(str(value), str(value))
    if key == "level":
        return LEVEL_VALUES.get(str(value), str(value))
    if key == "finding_kind":
        return FINDING_KINDS.get(str(value), str(value))
    if key == "report_type":
        return KIND_VALUES.get(str(value), str(value))
    if key in ("admission", "cadence", "outcome"):  # own channels: 准入状态, 更新频率, 核对结果
        from yuqing.publish.states import ADMISSION_LABELS, CADENCES, LIVE_CHECK_LABELS

        codes = {"admission": ADMISSION_LABELS, "cadence": CADENCES, "outcome": LIVE_CHECK_LABELS}[key]
        return codes.get(str(value), str(value))
    if key == "state":  # a channel's update state in its check entry (按时更新, 僵尸账号 …)
        from yuqing.publish.freshness import STATES

        return STATES.get(str(value), str(value))
    if key in _FINDING_COUNT_KEYS and isinstance(value, dict):  # 失效链接 2、错词 1
        from yuqing.publish.states import FINDING_KINDS as CHECK_KINDS

        labels = {**FINDING_KINDS, **CHECK_KINDS}
        return "、".join(f"{labels.get(k, k)} {n}" for k, n in sorted(value.items())) or "无"
    if key == "task":  # a graded response task (分级响应任务) by its name
        from yuqing.domain.grading import TASKS

        task = TASKS.get(str(value))
        return task.label if task else str(value)
    if key == "urgency":
        return {"urgent": "紧急", "normal": "一般"}.get(str(value), str(value))
    if key == "hours" and isinstance(value, int | float):
        return f"{value:g} 小时"
    if key == "share" and isinstance(value, int | float):
        return f"{value:.0%}"
    if isinstance(value, dict):
        return "；".join(f"{field_label(k)}：{format_value(k, v, units=units)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(format_value(key, v, units=units) if isinstance(v, dict | list) else str(v)
                        for v in value)
    return str(value)


def describe(detail: dict[str, Any] | None, *, units: dict[int, str] | None = None,
             skip: tuple[str, ...] = (), action: str = "") -> list[tuple[str, str]]:
    """The detail of an audit entry or history step as labelled fields, in a readable order; empty
    fields are left out. `action` (the entry's code) names what before/after mean where they are states."""
    if not detail:
        return []
    order = {k: i for i, k in enumerate(DETAIL_LABELS)}
    fields = []
    for key in sorted(detail, key=lambda k: order.get(k, len(order))):
        value = detail[key]
        if key in skip or value is None or value == "" or value == []:
            continue
        if action.startswith("correction.") and key in ("before", "after") and isinstance(value, str):
            # a correction order's state: 待整改 → 已说明待复查
            from yuqing.publish.order_states import STATES

            fields.append((field_label(key), STATES.get(value, value)))
            continue
        fields.append((field_label(key), format_value(key, value, units=units)))
    return fields


def unit_ids_in(details: list[dict[str, Any]]) -> set[int]:
    """The unit ids mentioned in some details, so a page can look their names up in one query."""
    ids: set[int] = set()
    for detail in details:
        for key in _UNIT_KEYS:
            value = (detail or {}).get(key)
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, int) or (isinstance(v, str) and v.isdigit()):
                    ids.add(int(v))
    return ids
