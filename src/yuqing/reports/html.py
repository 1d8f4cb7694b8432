"""The daily report as HTML: the body shared with the web page, and a standalone file (`--format html`)."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

_env = Environment(loader=PackageLoader("yuqing.reports", "templates"), autoescape=select_autoescape(["html"]))


def daily_body(figures: dict[str, Any], *, links: bool = False, charts: str = "") -> Markup:
    """The report's sections (HTML, escaped); `links` to the app's pages, `charts` the ECharts data URL."""
    return Markup(_env.get_template("daily_body.html").render(figures=figures, links=links, charts=charts))


def daily_html(figures: dict[str, Any], *, issuer: str, watermark: str) -> bytes:
    """A standalone page (no scripts, CSS bars for the charts), watermarked with who made it and when."""
    html = _env.get_template("daily_document.html").render(
        figures=figures, body=daily_body(figures), issuer=issuer, watermark=watermark)
    return html.encode("utf-8")


def period_body(figures: dict[str, Any], *, links: bool = False, base: str = "") -> Markup:
    """A month's or quarter's statistics (HTML, escaped); with `links`, each count opens its cases under `base`."""
    return Markup(_env.get_template("period_body.html").render(figures=figures, links=links, base=base))


def period_html(figures: dict[str, Any], *, issuer: str, watermark: str) -> bytes:
    """A standalone page of the statistics, watermarked with who made it and when."""
    html = _env.get_template("period_document.html").render(
        figures=figures, body=period_body(figures), issuer=issuer, watermark=watermark)
    return html.encode("utf-8")


def special_body(figures: dict[str, Any], *, links: bool = False) -> Markup:
    """A special report's sections (HTML, escaped); `links` to the event, posts and cases."""
    return Markup(_env.get_template("special_body.html").render(figures=figures, links=links))


def special_html(figures: dict[str, Any], *, issuer: str, watermark: str) -> bytes:
    html = _env.get_template("special_document.html").render(
        figures=figures, body=special_body(figures), issuer=issuer, watermark=watermark)
    return html.encode("utf-8")
