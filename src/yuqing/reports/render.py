"""One entry point for every format of a report file; each file carries who made it and when."""

from __future__ import annotations

from typing import Any

from yuqing.exports import watermark

FORMATS = ("html", "docx", "xlsx", "pdf")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def issuer_of(district: str) -> str:
    """The issuing unit printed on the report (发文机关)."""
    return f"{district or '本区'}网络舆情工作领导小组办公室"


def render_daily(fmt: str, figures: dict[str, Any], *, who: str, district: str) -> bytes:
    """The daily report as a file of `fmt` (html | docx | xlsx), watermarked with `who` and the time now."""
    mark = watermark(who)
    if fmt == "html":
        from yuqing.reports.html import daily_html

        return daily_html(figures, issuer=issuer_of(district), watermark=mark)
    if fmt == "docx":
        from yuqing.reports.docx import daily_docx

        return daily_docx(figures, issuer=issuer_of(district), watermark=mark)
    if fmt == "xlsx":
        from yuqing.reports.xlsx import daily_xlsx

        return daily_xlsx(figures, who=who)
    if fmt == "pdf":
        from yuqing.reports.docx import daily_docx
        from yuqing.reports.pdf import docx_to_pdf

        return docx_to_pdf(daily_docx(figures, issuer=issuer_of(district), watermark=mark))
    raise ValueError(f"不支持的格式：{fmt}（可选 {'、'.join(FORMATS)}）")


def filename(figures: dict[str, Any], fmt: str) -> str:
    return f"{figures['title']}_{figures['day']}.{fmt}"


def render_period(fmt: str, figures: dict[str, Any], *, who: str, district: str) -> bytes:
    """A month's or quarter's statistics as a file of `fmt`, watermarked with `who` and the time now."""
    mark = watermark(who)
    if fmt == "html":
        from yuqing.reports.html import period_html

        return period_html(figures, issuer=issuer_of(district), watermark=mark)
    if fmt in ("docx", "pdf"):
        from yuqing.reports.period_files import period_docx

        body = period_docx(figures, issuer=issuer_of(district), watermark=mark)
        if fmt == "docx":
            return body
        from yuqing.reports.pdf import docx_to_pdf

        return docx_to_pdf(body)
    if fmt == "xlsx":
        from yuqing.reports.period_files import period_xlsx

        return period_xlsx(figures, who=who)
    raise ValueError(f"不支持的格式：{fmt}（可选 {'、'.join(FORMATS)}）")


def period_filename(figures: dict[str, Any], fmt: str) -> str:
    return f"{figures['title']}.{fmt}"


def render_special(fmt: str, figures: dict[str, Any], *, who: str, district: str) -> bytes:
    """A special report's version (`special_store.document`) as a file of `fmt`, watermarked."""
    mark = watermark(who)
    if fmt == "html":
        from yuqing.reports.html import special_html

        return special_html(figures, issuer=issuer_of(district), watermark=mark)
    if fmt in ("docx", "pdf"):
        from yuqing.reports.period_files import special_docx

        body = special_docx(figures, issuer=issuer_of(district), watermark=mark)
        if fmt == "docx":
            return body
        from yuqing.reports.pdf import docx_to_pdf

        return docx_to_pdf(body)
    if fmt == "xlsx":
        from yuqing.reports.period_files import special_xlsx

        return special_xlsx(figures, who=who)
    raise ValueError(f"不支持的格式：{fmt}（可选 {'、'.join(FORMATS)}）")


def special_filename(figures: dict[str, Any], fmt: str) -> str:
    return f"{figures['title']}_{figures['event_id']}_第{figures['version']}版.{fmt}"
