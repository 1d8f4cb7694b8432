"""Charts for the report files (DOCX, hence PDF), drawn by matplotlib with a CJK font so Chinese labels
never become empty boxes. Without a CJK font installed (Debian: fonts-wqy-microhei) no chart is drawn and
the tables beside them still carry every number."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

# Fonts tried in order: files first (no font cache needed), then names matplotlib may know.
CJK_FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                  "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SENTIMENT_COLOURS = {"负面": "#d9534f", "中性": "#8a9bb0", "正面": "#3c9d5d", "未分析": "#c8ced6"}


@cache
def cjk_font() -> Any:
    """A FontProperties for a CJK font, or None when none is installed."""
    from matplotlib import font_manager

    for path in CJK_FONT_FILES:
        if Path(path).exists():
            return font_manager.FontProperties(fname=path)
    return None


def bar_chart(title: str, rows: list[dict[str, Any]], colour: str = "#2f6fb3", top: int | None = 10,
              keep_zero: bool = False) -> bytes | None:
    """A horizontal bar chart (PNG) of name/count rows, largest first; None without rows or a CJK font.
    Counts of 0 are left out, except for rates (`keep_zero`): a unit at 0% is the one to see."""
    font = cjk_font()
    rows = [r for r in rows if r["count"] or keep_zero][:top]
    if font is None or not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    names = [r["name"] for r in rows][::-1]
    counts = [r["count"] for r in rows][::-1]
    colours = [SENTIMENT_COLOURS.get(n, colour) for n in names]
    fig, ax = plt.subplots(figsize=(6.0, 0.45 * len(rows) + 0.9), dpi=150)
    try:
        bars = ax.barh(names, counts, color=colours, height=0.6)
        ax.set_title(title, fontproperties=font, fontsize=12)
        for label in ax.get_yticklabels():
            label.set_fontproperties(font)
        ax.bar_label(bars, labels=[str(c) for c in counts], padding=3, fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_xlim(0, (max(counts) or 1) * 1.15)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)
