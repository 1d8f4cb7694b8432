"""Message-board exports (领导留言板, 12345 hotline lists): CSV or XLSX files with Chinese columns.

A board row is a citizen's message plus the government's reply; the reply, the replying unit, the
status and the category are kept in `extra` so the case desk can see whether it was answered.
"""

from __future__ import annotations

from yuqing.collect.files import ALIASES, FileFetcher

BOARD_EXTRA: dict[str, tuple[str, ...]] = {
    "reply": ("回复内容", "答复内容", "回复", "答复", "办理结果", "reply"),
    "reply_at": ("回复时间", "答复时间", "办结时间", "reply_at"),
    "reply_unit": ("回复单位", "答复单位", "办理单位", "承办单位", "reply_unit"),
    "status": ("状态", "办理状态", "处理状态", "status"),
    "category": ("类别", "留言类型", "分类", "诉求类型", "category"),
    "area": ("地区", "区域", "所属区域", "area"),
}


class BoardFetcher(FileFetcher):
    kind = "board"
    aliases = ALIASES
    extra_aliases = BOARD_EXTRA
