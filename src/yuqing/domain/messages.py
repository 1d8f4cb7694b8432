"""What the channel adapters carry: one base, three kinds. An alert about an event (`AlertMessage`, in
domain/alerts.py), a report (`ReportMessage`: the daily report, a special report, a month's, quarter's or
year's statistics) or a publishing finding on an own channel (`PublishMessage`: a live article that differs
from its signed text, an unsigned article, a zombie account, a closed channel still answering, an overdue
correction order). Each adapter formats any of them through the same methods (title, text, html, markdown,
short) and looks at `kind` only where it needs to (the webhook's JSON, the e-mail's attachments, the inbox's
link).

Pure: no database, no network; the files a report mail attaches are made by a callable the e-mail adapter
calls once the mail server has answered (a server that is down costs no PDF conversion).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

ALERT, REPORT, PUBLISH = "alert", "report", "publish"

# Report types sent through channels, in the order of the settings page: those the jobs or the 报送 step make
# final (a yearly assessment is made by hand and sent by no job); the inbox kind each is filed under.
REPORT_TYPES: dict[str, str] = {
    "daily": "网络舆情日报告表",
    "special": "舆情专报与重要信息",
    "monthly": "月统计",
    "quarterly": "季通报",
}
INBOX_KINDS: dict[str, str] = {"daily": "report.daily", "special": "report.special", "monthly": "report.periodic",
                               "quarterly": "report.periodic", "yearly": "report.periodic"}
# Publishing findings sent through channels (发布监管提醒), in the order of the settings page, and the inbox kind
# each is filed under (the same kind as the notice the finding already raised).
FINDING_KINDS: dict[str, str] = {
    "mismatch": "发布内容与签发稿不一致",
    "unsigned": "未经签发的发布",
    "zombie": "僵尸账号",
    "closed_live": "已关停渠道仍可访问",
    "unapproved": "未经准入即运行",
    "overdue": "整改逾期",
}
FINDING_INBOX_KINDS: dict[str, str] = {"mismatch": "publication.mismatch", "unsigned": "publication.unsigned",
                                       "zombie": "channel.zombie", "closed_live": "channel.closed_live",
                                       "unapproved": "channel.unapproved", "overdue": "channel.correction_overdue"}
# SMS gateways split long texts into several paid messages: a report's short line keeps to this.
SMS_CHARS = 140


class Message:
    """The interface of every message a channel sends (alert or report)."""

    __slots__ = ()
    kind: ClassVar[str]

    @property
    def title(self) -> str:
        raise NotImplementedError

    @property
    def key(self) -> str:
        """The webhook's X-Yuqing-Delivery: the same on every retry of one message."""
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError

    def markdown(self) -> str:
        raise NotImplementedError

    def html(self) -> str:
        """For e-mail: an HTML alternative to text() when the message has one (a diff reads better as a table)."""
        return ""

    def short(self) -> str:
        """For SMS: one line, no links to tap blindly."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str  # e.g. application/pdf
    data: bytes


@dataclass(frozen=True, slots=True)
class ReportMessage(Message):
    """One report sent to one channel: its title, period, key figures as (label, value) lines and a link."""

    kind: ClassVar[str] = REPORT
    delivery_id: int
    report_type: str  # daily | special | monthly | quarterly | yearly
    subject: str  # e.g. 网络舆情日报告表（2026-11-30）
    period: str  # e.g. 2026-11-30, 2026年11月, 第 2 版（2026-11-30 审批）
    summary: Sequence[tuple[str, str]] = ()
    path: str = ""  # the report's page, e.g. /reports/daily/2026-11-30
    base_url: str = ""  # public_url: links only when it is set
    issuer: str = ""  # 某区网络舆情工作领导小组办公室
    attachments: Callable[[], Sequence[Attachment]] | None = None  # for e-mail: DOCX and PDF, made when needed

    @property
    def title(self) -> str:
        return self.subject[:200]

    @property
    def key(self) -> str:
        return f"report-{self.delivery_id}"

    @property
    def link(self) -> str:
        return f"{self.base_url.rstrip('/')}{self.path}" if self.base_url and self.path else ""

    @property
    def inbox_kind(self) -> str:
        return INBOX_KINDS.get(self.report_type, "report.periodic")

    def lines(self) -> list[tuple[str, str]]:
        return [("报告", REPORT_TYPES.get(self.report_type, "报告")), ("统计期", self.period), *self.summary]

    def text(self) -> str:
        body = "\n".join(f"{k}：{v}" for k, v in self.lines())
        where = f"查看：{self.link}" if self.link else "请登录舆情平台，在“报告”中查看全文"
        sender = f"\n——{self.issuer}" if self.issuer else ""
        return f"{self.title}\n{body}\n{where}{sender}"

    def markdown(self) -> str:
        body = "\n".join(f"> {k}：**{v}**" if k not in ("报告", "统计期") else f"> {k}：{v}" for k, v in self.lines())
        link = f"\n\n[查看报告]({self.link})" if self.link else "\n\n请登录舆情平台，在“报告”中查看全文"
        return f"### {self.title}\n{body}{link}"

    def short(self) -> str:
        figures = "，".join(f"{k}{v}" for k, v in list(self.summary)[:3])
        line = f"{self.title}{'：' + figures if figures else ''}。请登录舆情平台查看"
        return line if len(line) <= SMS_CHARS else line[:SMS_CHARS - 1] + "…"

    def files(self) -> list[Attachment]:
        return list(self.attachments()) if self.attachments is not None else []


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# A diff row as kept for a message: (op, left segments, right segments), segments [text, changed]: the same
# rows as the diff page (publish.live.side_by_side), only the changed ones.
DiffRows = Sequence[tuple[str, Sequence[Sequence[Any]], Sequence[Sequence[Any]]]]


@dataclass(frozen=True, slots=True)
class PublishMessage(Message):
    """One publishing finding sent to one channel: which own channel and owner unit, what was found, who answers
    for it (the signing leader for the signed text, the uploader for signed-vs-live) and the page to open; a
    mismatch carries its changed sentences, signed beside live."""

    kind: ClassVar[str] = PUBLISH
    delivery_id: int
    finding_kind: str  # mismatch | unsigned | zombie | closed_live | overdue
    subject: str  # e.g. 发布内容与签发稿不一致：示例区人民政府门户网站《…》
    channel: str  # the own channel's name
    unit: str = ""  # its owner unit (主办单位)
    found: str = ""  # what was found, one readable line
    answerable: Sequence[tuple[str, str]] = ()  # (who, name), e.g. ("签发人（对签发内容负责）", "张三")
    path: str = ""  # the diff, channel or order page
    base_url: str = ""
    diff: DiffRows = ()
    changed: int = 0  # changed rows in all (diff holds the first few)
    issuer: str = ""

    @property
    def title(self) -> str:
        return self.subject[:200]

    @property
    def key(self) -> str:
        return f"publish-{self.delivery_id}"

    @property
    def link(self) -> str:
        return f"{self.base_url.rstrip('/')}{self.path}" if self.base_url and self.path else ""

    @property
    def inbox_kind(self) -> str:
        return FINDING_INBOX_KINDS.get(self.finding_kind, "channel.correction")

    def lines(self) -> list[tuple[str, str]]:
        out = [("类别", FINDING_KINDS.get(self.finding_kind, "发布监管")), ("渠道", self.channel)]
        if self.unit:
            out.append(("主办单位", self.unit))
        if self.found:
            out.append(("发现", self.found))
        return out + [(who, name or "—") for who, name in self.answerable]

    def _where(self) -> str:
        return f"查看：{self.link}" if self.link else "请登录舆情平台，在“网站与新媒体”中查看"

    def text(self) -> str:
        body = "\n".join(f"{k}：{v}" for k, v in self.lines())
        diff = ""
        if self.diff:
            rows = []
            for n, (_op, left, right) in enumerate(self.diff, start=1):
                rows.append(f"{n}. 签发稿：{_plain(left) or '（无）'}\n   发布页面：{_plain(right) or '（无）'}")
            more = f"\n（共 {self.changed} 处不同，以上为前 {len(self.diff)} 处）" if self.changed > len(self.diff) else ""
            diff = "\n\n签发稿与发布页面不同之处（【】内为不同的文字）：\n" + "\n".join(rows) + more
        sender = f"\n——{self.issuer}" if self.issuer else ""
        return f"{self.title}\n{body}{diff}\n{self._where()}{sender}"

    def html(self) -> str:
        items = "".join(f"<li>{_esc(k)}：{_esc(v)}</li>" for k, v in self.lines())
        table = ""
        if self.diff:
            rows = "".join(f"<tr><td>{_marked(left, 'del')}</td><td>{_marked(right, 'ins')}</td></tr>"
                           for _op, left, right in self.diff)
            more = (f"<p>共 {self.changed} 处不同，以上为前 {len(self.diff)} 处。</p>"
                    if self.changed > len(self.diff) else "")
            table = ("<table border=\"1\" cellpadding=\"6\" style=\"border-collapse:collapse;table-layout:fixed;width:100%\">"
                     "<thead><tr><th>签发稿</th><th>发布页面</th></tr></thead>"
                     f"<tbody>{rows}</tbody></table>{more}")
        link = f'<p><a href="{_esc(self.link)}">查看</a></p>' if self.link else f"<p>{_esc(self._where())}</p>"
        sender = f"<p>——{_esc(self.issuer)}</p>" if self.issuer else ""
        return (f'<html><body><h2>{_esc(self.title)}</h2><ul>{items}</ul>{table}{link}{sender}</body></html>')

    def markdown(self) -> str:
        body = "\n".join(f"> {k}：**{v}**" if k in ("发现",) else f"> {k}：{v}" for k, v in self.lines())
        label = "查看对比" if self.finding_kind == "mismatch" else "查看详情"
        link = f"\n\n[{label}]({self.link})" if self.link else "\n\n请登录舆情平台，在“网站与新媒体”中查看"
        return f"### {self.title}\n{body}{link}"

    def short(self) -> str:
        who = "，".join(f"{w.split('（')[0]}{n}" for w, n in self.answerable if n)
        line = f"{self.title}{'（' + who + '）' if who else ''}。请登录舆情平台查看"
        return line if len(line) <= SMS_CHARS else line[:SMS_CHARS - 1] + "…"


def _plain(segments: Sequence[Sequence[Any]]) -> str:
    return "".join(f"【{t}】" if changed else str(t) for t, changed in segments)


def _marked(segments: Sequence[Sequence[Any]], tag: str) -> str:
    style = "background:#fde2e1;color:#a12622" if tag == "del" else "background:#e3f4e8;color:#1f6b35"
    return "".join(f'<{tag} style="{style}">{_esc(str(t))}</{tag}>' if changed else _esc(str(t))
                   for t, changed in segments)
