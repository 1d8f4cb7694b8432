"""Who a notification is for and what its kind is called. Pure data: actions write, the inbox reads.

A notification is addressed to an audience: a role ("office"), a unit ("unit:7") or one user ("user:42").
Everyone in the audience sees it; whether it is read is kept per user (one user reading an office
notification does not mark it read for the other office staff).
"""

from __future__ import annotations

from yuqing.domain.roles import Actor

# Kind → the label shown in the inbox and its filter. Every kind any module writes is listed here (a test
# walks them all); group → the filter headings, so 催办, 督办, 批示 and 待审批 are one click away.
KINDS: dict[str, str] = {
    "case.reported": "新报送待交办",
    "case.grade_i": "特别重大舆情",
    "case.assigned": "交办",
    "case.unassigned": "改派",
    "case.returned": "退回",
    "case.escalated": "上报",
    "case.feedback_to_approve": "反馈待领导审核",
    "case.feedback_returned": "反馈被领导退回",
    "case.assist_opinion": "协办意见",
    "case.feedback": "单位反馈",
    "case.feedback_rejected": "反馈退回重办",
    "case.extension": "延期申请",
    "case.extension_decided": "延期审批结果",
    "case.before_due": "到期前催办",
    "case.overdue": "超期催办",
    "case.supervision": "督办",
    "case.instruction": "领导批示",
    "case.instruction_done": "批示落实",
    "case.reply_draft": "回复待审核",
    "case.statement_draft": "发布稿待审核",
    "case.closed": "销号",
    "case.reopened": "重新办理",
    "case.follow_up_post": "销号后续帖子",
    "case.spot_check": "抽查复核",
    "source.down": "信息源故障",
    "source.blocked": "信息源被封禁",
    "source.stale": "信息源无更新",
    "source.recovered": "信息源恢复",
    "calendar.gap": "节假日数据缺失",
    "audit.broken": "审计链校验失败",
    "job.failed": "定时任务失败",
    "alert.fired": "舆情预警",
    "alert.duty": "值班预警（待确认）",
    "alert.escalated": "预警升级",
    "alert.channel_failing": "预警渠道故障",
    "report.daily": "网络舆情日报告表",
    "report.special": "舆情专报",
    "report.periodic": "月统计与季通报",
    "direct.urgent": "紧急直报",
    "direct.reminder": "每日报送提醒",
    "direct.missing": "未按时报送的单位",
    "collect.window": "重点时段监测开启与结束",
    "channel.application": "准入申请待审核",
    "channel.admission": "准入审核结果",
    "publication.to_sign": "稿件待签发",
    "publication.signed": "稿件已签发待发布",
    "publication.mismatch": "发布内容与签发稿不一致",
    "publication.unsigned": "未经签发的发布",
    "statement.filed": "声明备案待审批",
    "channel.closed_live": "已关停渠道仍可访问",
    "channel.unapproved": "未经准入的网站或账号仍在运行",
    "channel.zombie": "僵尸账号（长期未更新）",
    "channel.correction": "整改通知",
    "channel.correction_overdue": "整改超期",
    "channel.correction_explained": "整改情况说明",
    "channel.correction_fixed": "复查通过（已整改）",
    "channel.correction_recheck_failed": "复查未通过",
    "channel.correction_done": "整改完成",
}


def kind_label(kind: str) -> str:
    """The Chinese name of a kind; an unknown kind reads as 通知 rather than as its code."""
    return KINDS.get(kind, "通知")


def role_audience(role: str) -> str:
    return role


def unit_audience(unit_id: int) -> str:
    return f"unit:{unit_id}"


def user_audience(user_id: int) -> str:
    return f"user:{user_id}"


def audiences_of(actor: Actor) -> list[str]:
    """Every audience this person belongs to: their role, their unit, themselves."""
    out = [role_audience(actor.role)]
    if actor.unit_id is not None:
        out.append(unit_audience(actor.unit_id))
    if actor.user_id is not None:
        out.append(user_audience(actor.user_id))
    return out
