"""Alert channels: one small adapter per kind behind `Channel` (base.py)."""

from __future__ import annotations

from yuqing.alert.channels.base import Channel, ChannelConfigError, ChannelSpec, SendError
from yuqing.alert.channels.dingtalk import DingtalkChannel
from yuqing.alert.channels.email import EmailChannel
from yuqing.alert.channels.inapp import InappChannel
from yuqing.alert.channels.sms import SmsChannel
from yuqing.alert.channels.webhook import WebhookChannel
from yuqing.alert.channels.wecom import WecomChannel
from yuqing.workspace import Workspace

CHANNELS: dict[str, type[Channel]] = {c.kind: c for c in (
    EmailChannel, WecomChannel, DingtalkChannel, WebhookChannel, SmsChannel, InappChannel)}


def make_channel(spec: ChannelSpec, ws: Workspace) -> Channel:
    try:
        return CHANNELS[spec.kind](spec, ws)
    except KeyError:
        raise ChannelConfigError(f"未知的渠道类型：{spec.kind}") from None


__all__ = ["CHANNELS", "Channel", "ChannelConfigError", "ChannelSpec", "SendError", "make_channel"]
