"""E-mail over SMTP: the workspace's smtp_* settings, the channel's target is a list of addresses. A report's
mail carries its files (DOCX, PDF) as attachments, made only once the mail server has answered; a message with
an HTML form (a publishing mismatch's side-by-side diff) goes as text and HTML alternatives."""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from yuqing.alert.channels.base import Channel, ChannelConfigError, SendError
from yuqing.domain.messages import Attachment, Message, ReportMessage


def addresses(target: str) -> list[str]:
    return [a.strip() for a in target.replace("，", ",").replace(";", ",").split(",") if a.strip()]


class EmailChannel(Channel):
    kind = "email"

    @classmethod
    def check(cls, target: str, secret: str | None, config: dict[str, Any]) -> None:
        found = addresses(target)
        if not found or any("@" not in a or " " in a for a in found):
            raise ChannelConfigError("收件地址须为电子邮件地址，多个用逗号分隔")

    def send(self, message: Message) -> None:
        files = message.files if isinstance(message, ReportMessage) else None
        send_mail(self.ws, addresses(self.spec.target), message.title, message.text(), f"{message.kind}{message.key}",
                  attachments=files, html=message.html())


def send_mail(ws: Any, to: list[str], subject: str, body: str, idstring: str,
              attachments: Callable[[], Sequence[Attachment]] | None = None, html: str = "") -> None:
    """One plain-text mail (with an HTML alternative when given) through the workspace's SMTP settings, with the
    files `attachments()` makes (called after the server answered); SendError (in Chinese) when it fails."""
    st = ws.settings
    mail = EmailMessage()
    mail["Subject"] = subject
    mail["From"] = st.smtp_from
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(idstring=idstring)
    mail.set_content(body, charset="utf-8")
    if html:
        mail.add_alternative(html, subtype="html", charset="utf-8")
    try:
        with smtplib.SMTP(st.smtp_host, st.smtp_port, timeout=15) as smtp:
            if st.smtp_starttls:
                smtp.starttls()
            if st.smtp_user:
                smtp.login(st.smtp_user, st.smtp_password)
            for f in attachments() if attachments is not None else ():
                maintype, _, subtype = f.content_type.partition("/")
                mail.add_attachment(f.data, maintype=maintype, subtype=subtype.split(";")[0], filename=f.filename)
            smtp.send_message(mail)
    except smtplib.SMTPAuthenticationError:
        raise SendError("邮件服务器拒绝登录（请检查 smtp_user / smtp_password）") from None
    except smtplib.SMTPRecipientsRefused:
        raise SendError("邮件服务器拒收这些收件地址") from None
    except smtplib.SMTPException as exc:
        raise SendError(f"邮件服务器报错（{type(exc).__name__}）") from None
    except OSError:
        raise SendError(f"无法连接邮件服务器 {st.smtp_host}:{st.smtp_port}") from None
