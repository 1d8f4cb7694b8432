"""What the channel adapters carry: one base, two kinds. An alert about an event (`AlertMessage`, in
domain/alerts.py) or a report (`ReportMessage`: the daily report, a special report, a month's, quarter's or
year's statistics). Each adapter formats either through the same methods (title, text, markdown, short) and
looks at `kind` only where it needs to (the webhook's JSON, the e-mail's attachments, the inbox's link).

Pure: no database, no network; the files a report mail attaches are made by a callable the e-mail adapter
calls once the mail server has answered (a server that is down costs no PDF conversion).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

ALERT, REPORT = "alert", "report"

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
