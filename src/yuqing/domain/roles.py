"""Roles and what each may do. Pure data: the web, API, CLI and jobs all ask here."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN = "admin"
ANALYST = "analyst"
OFFICE = "office"
UNIT_HANDLER = "unit_handler"
UNIT_LEADER = "unit_leader"
LEADER = "leader"
SPOKESPERSON = "spokesperson"
# Not a person: the periodic jobs (reminders, 督办, spot checks, collection, retention) act as the named
# account `yuqing-jobs` with this role. It cannot log in and is never offered in the user forms.
JOBS = "jobs"

ROLE_NAMES: dict[str, str] = {
    ADMIN: "系统管理员",
    ANALYST: "舆情监测员",
    OFFICE: "领导小组办公室",
    UNIT_HANDLER: "责任单位经办人",
    UNIT_LEADER: "责任单位领导",
    LEADER: "区领导",
    SPOKESPERSON: "新闻发言人",
}

ROLE_DESCRIPTIONS: dict[str, str] = {
    ADMIN: "管理信息源、关键词、地名库、单位、交办规则和用户",
    ANALYST: "查看信息流和事件，确认涉区与等级，撰写报告",
    OFFICE: "接收报送，交办案件，督办、销号、抽查复核",
    UNIT_HANDLER: "签收本单位案件，调查处置，按时反馈",
    UNIT_LEADER: "审核本单位反馈和对外发布内容",
    LEADER: "阅读日报和专报，作出批示",
    SPOKESPERSON: "以官方名义发布声明和澄清",
    JOBS: "定时任务（催办、督办、抽查复核、采集、数据清理、日报）使用的账号，不能登录",
}

# Labels for display (audit, history): people's roles and the jobs account.
ROLE_LABELS: dict[str, str] = {**ROLE_NAMES, JOBS: "系统任务"}

# Roles bound to one unit: they see only their own unit's cases.
UNIT_ROLES = frozenset({UNIT_HANDLER, UNIT_LEADER})

# Permissions, by role. Keep this table the single source of truth.
PERMISSIONS: dict[str, frozenset[str]] = {
    ADMIN: frozenset(
        {"items.read", "items.import", "sources.manage", "units.manage", "users.manage", "audit.read",
         "cases.read_all", "events.read", "profile.manage", "settings.manage", "rules.manage",
         "alerts.manage", "reports.read", "duty.manage", "alerts.escalate", "direct.manage",
         # On a new workspace the installer registers channels and signs for them (named in the record).
         "channels.read", "channels.manage", "channels.check", "publications.draft", "publications.sign",
         "statements.file"}
    ),
    ANALYST: frozenset({"items.read", "items.import", "items.report", "events.read", "events.edit",
                        "cases.read_all", "cases.open", "reports.read", "reports.write", "channels.read"}),
    OFFICE: frozenset({"items.read", "items.report", "events.read", "cases.read_all", "cases.open",
                       "cases.dispatch", "cases.supervise", "cases.close", "cases.spot_check", "audit.read",
                       "rules.manage", "alerts.manage", "reports.read", "reports.approve", "duty.manage",
                       "alerts.escalate", "direct.manage", "channels.read", "channels.manage", "channels.review",
                       "channels.check", "channels.correct", "publications.draft", "publications.sign",
                       "statements.file", "statements.approve"}),
    UNIT_HANDLER: frozenset({"items.report", "cases.read_own", "cases.handle", "channels.explain", "channels.read",
                             "channels.manage", "publications.draft", "statements.file"}),
    UNIT_LEADER: frozenset({"items.report", "cases.read_own", "cases.handle", "cases.approve",
                            "cases.approve_feedback", "channels.explain", "channels.read", "channels.manage",
                            "publications.draft", "publications.sign", "statements.file"}),
    LEADER: frozenset({"items.read", "events.read", "cases.read_all", "cases.instruct", "reports.read",
                       "reports.approve", "channels.read", "publications.sign", "statements.approve"}),
    # The spokesperson receives the daily and special reports (报告发送渠道) and reads them in full.
    SPOKESPERSON: frozenset({"items.read", "events.read", "cases.read_all", "statements.publish", "reports.read",
                             "cases.approve", "channels.read", "publications.draft", "publications.sign",
                             "statements.file", "statements.approve"}),
    JOBS: frozenset({"items.read", "items.import", "events.read", "events.edit", "cases.read_all",
                     "cases.supervise", "cases.spot_check", "sources.collect", "privacy.purge", "audit.read",
                     "reports.read", "reports.write", "alerts.escalate", "direct.remind", "channels.check",
                     "channels.correct", "channels.read"}),
}

# What each permission lets a person do, in the words a refusal shows them.
PERMISSION_LABELS: dict[str, str] = {
    "items.read": "查看信息流", "items.import": "导入信息", "items.report": "报送信息",
    "events.read": "查看事件", "events.edit": "编辑事件",
    "sources.manage": "管理信息源", "units.manage": "管理单位", "users.manage": "管理用户",
    "audit.read": "查看审计日志", "profile.manage": "管理辖区档案", "settings.manage": "管理系统设置",
    "rules.manage": "管理交办规则",
    "cases.read_all": "查看全部案件", "cases.read_own": "查看本单位案件", "cases.open": "立案",
    "cases.dispatch": "交办案件", "cases.supervise": "督办案件", "cases.close": "审核与销号",
    "cases.spot_check": "抽查复核", "cases.handle": "办理案件", "cases.approve": "审核回复",
    "cases.approve_feedback": "审核本单位反馈",
    "cases.instruct": "批示", "statements.publish": "发布声明",
    "reports.read": "阅读报告", "reports.write": "撰写报告", "reports.approve": "审批专报",
    "sources.collect": "采集信息源", "privacy.purge": "清理过期数据",
    "alerts.manage": "管理预警规则和渠道",
    "duty.manage": "管理值班表", "alerts.escalate": "升级未确认的预警",
    "direct.manage": "设置每日报送单位和截止时间", "direct.remind": "检查每日报送并提醒未报单位",
    "channels.check": "检查政务网站与新媒体账号（更新、链接、错敏词）", "channels.correct": "下达和撤销整改通知",
    "channels.explain": "办理本单位的整改通知（提交情况说明、申请复查）",
    "channels.read": "查看网站与新媒体账号", "channels.manage": "登记网站与新媒体账号、申请准入",
    "channels.review": "审核网站与新媒体账号准入",
    "publications.draft": "起草发布稿件、发布", "publications.sign": "签发稿件",
    "statements.file": "申报备案声明与发布", "statements.approve": "审批备案的声明与发布",
}


def permission_label(permission: str) -> str:
    return PERMISSION_LABELS.get(permission, "此操作")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a named account (a person, or the jobs account yuqing-jobs), or the installer
    before the first administrator exists (`yuqing.actions.actors`)."""

    user_id: int | None
    name: str
    role: str
    unit_id: int | None = None

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    @property
    def unit_bound(self) -> bool:
        return self.role in UNIT_ROLES




class PermissionDenied(PermissionError):
    """The actor may not do this. Pages answer 403, the CLI exits 1."""


def require(actor: Actor, permission: str) -> None:
    if not actor.can(permission):
        raise PermissionDenied(
            f"{actor.name}（{ROLE_LABELS.get(actor.role, actor.role)}）无权{permission_label(permission)}")
