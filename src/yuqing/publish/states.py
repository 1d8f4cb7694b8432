"""The lifecycles of publishing governance as data: (state, action) → state, with the Chinese labels the
pages, CLI and docs show. Pure: no database. The actions in admission.py, signoff.py and filings.py refuse
any step that is not a row here.

Policy (关于进一步加强全区网络宣传工作的意见): a government website or new-media account opens only after
the propaganda department (区委网宣办) has approved an application with its construction plan and security
rules (准入); what goes out is signed by the unit leader first (签发) and put up by the named person.
"""

from __future__ import annotations

from datetime import timedelta

from yuqing.domain.lifecycle import TransitionRefused

CHANNEL_KINDS: dict[str, str] = {
    "website": "政府网站",
    "weibo": "政务微博",
    "wechat": "微信公众号",
    "app": "政务客户端",
    "video": "短视频账号",
    "leader": "领导干部实名账号",
}
CADENCES: dict[str, str] = {"daily": "每日更新（重要新闻）", "weekly": "每周更新（一般新闻）"}
# 僵尸平台：两周无更新 (R-PUBLISH-3); the freshness check flags the channel after this long.
ZOMBIE_AFTER = timedelta(days=14)

# -- admission (准入) ------------------------------------------------------------------------------
ADMISSION_LABELS: dict[str, str] = {
    "none": "未申请",
    "applied": "待审核",
    "approved": "已准入",
    "rejected": "未通过",
    "closed": "已关停",
}
ADMISSION: dict[tuple[str, str], str] = {
    ("none", "apply"): "applied",
    ("rejected", "apply"): "applied",  # a rejected channel may apply again with a better plan
    ("applied", "approve"): "approved",
    ("applied", "reject"): "rejected",
    ("approved", "close"): "closed",
    ("rejected", "close"): "closed",
    ("none", "close"): "closed",  # 清理整顿: an account that never applied is closed down
}
ADMISSION_ACTIONS: dict[str, str] = {"apply": "提交准入申请", "approve": "准入", "reject": "不予准入",
                                     "close": "关停"}

# -- sign-off (签发) --------------------------------------------------------------------------------
PUBLICATION_LABELS: dict[str, str] = {
    "draft": "待签发",
    "approved": "已签发待发布",
    "rejected": "退回修改",
    "published": "已发布",
}
PUBLICATION: dict[tuple[str, str], str] = {
    ("draft", "approve"): "approved",
    ("draft", "reject"): "rejected",
    ("rejected", "redraft"): "draft",
    ("approved", "publish"): "published",
}
LIVE_CHECK_LABELS: dict[str, str] = {
    "pending": "待核对",
    "match": "与签发稿一致",
    "mismatch": "与签发稿不一致",
    "unreachable": "页面无法访问",
}

# -- findings and filings ---------------------------------------------------------------------------
FINDING_KINDS: dict[str, str] = {
    "mismatch": "发布内容与签发稿不一致",
    "unsigned": "未经签发的发布",
    "broken_link": "失效链接",
    "wrong_word": "错词",
    "zombie": "僵尸账号（两周无更新）",
    # 先审批后开设 (意见 §二.2): a channel the check finds answering without approval, or after it was closed.
    "unapproved": "未经准入即运行",
    "closed_live": "已关停但仍可访问",
}
# Findings about a channel's standing (its admission), not its content: the owner unit answers for them in the
# yearly assessment (one per channel and year), and the channel is not ranked among the admitted ones.
STANDING_KINDS = ("unapproved", "closed_live")
FILING_KINDS: dict[str, str] = {"statement": "新闻通稿/权威发布", "spokesperson": "新闻发言人发布",
                                "reply": "案件回复（自动备案）"}
FILING_LABELS: dict[str, str] = {"filed": "待审批", "approved": "已审批", "rejected": "未通过"}
FILING: dict[tuple[str, str], str] = {("filed", "approve"): "approved", ("filed", "reject"): "rejected"}


def step(table: dict[tuple[str, str], str], state: str, action: str, labels: dict[str, str]) -> str:
    """The state after `action`, or TransitionRefused naming the current state in Chinese."""
    nxt = table.get((state, action))
    if nxt is None:
        raise TransitionRefused(f"当前状态为“{labels.get(state, state)}”，不能执行此操作")
    return nxt
