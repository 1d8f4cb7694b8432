"""Freshness: cadence, zombie after 14 quiet days, posts per week, reading feeds and list pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from yuqing.clock import CHINA
from yuqing.publish import freshness as f

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=CHINA)


def test_a_channel_quiet_for_15_days_is_a_zombie_and_14_days_is_the_line() -> None:
    assert f.judge(NOW - timedelta(days=15), "daily", NOW).zombie
    assert f.judge(NOW - timedelta(days=14), "weekly", NOW).state == "zombie"
    assert f.judge(NOW - timedelta(days=13, hours=23), "weekly", NOW).state == "late"
    assert f.judge(NOW - timedelta(days=15), "weekly", NOW).quiet_days == 15


def test_cadence_daily_and_weekly_from_the_policy_text() -> None:
    assert f.judge(NOW - timedelta(days=1, hours=12), "daily", NOW).state == "ok"
    assert f.judge(NOW - timedelta(days=3), "daily", NOW).state == "late"
    assert f.judge(NOW - timedelta(days=6), "weekly", NOW).state == "ok"
    assert f.judge(NOW - timedelta(days=9), "weekly", NOW).state == "late"
    assert f.judge(NOW - timedelta(days=9), None, NOW).state == "late"  # default: weekly
    assert f.cadence_label("daily").startswith("每日")


def test_never_updated_counts_from_registration() -> None:
    assert f.judge(None, "weekly", NOW).state == "unknown"
    assert f.judge(None, "weekly", NOW, since=NOW - timedelta(days=20)).zombie
    assert f.judge(None, "weekly", NOW, since=NOW - timedelta(days=2)).state == "unknown"


def test_latest_ignores_dates_far_in_the_future() -> None:
    posts = [f.Post("a", "", NOW - timedelta(days=3)), f.Post("b", "", NOW + timedelta(days=30)), f.Post("c")]
    assert f.latest(posts, NOW) == NOW - timedelta(days=3)
    assert f.latest([f.Post("c")], NOW) is None


def test_posts_per_week_counts_china_weeks_with_zeros() -> None:
    dates = [NOW - timedelta(days=1), NOW - timedelta(days=2), datetime(2026, 11, 22, 17, 0, tzinfo=UTC),
             NOW - timedelta(days=400)]
    weeks = f.posts_per_week(dates, NOW, weeks=3)
    # 2026-11-22 17:00 UTC is Monday 23 Nov 01:00 in China: the week of 23 Nov, with the two days before NOW.
    assert weeks == [(date(2026, 11, 16), 0), (date(2026, 11, 23), 3), (date(2026, 11, 30), 0)]


RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>区政府网</title>
<item><title>区政府召开常务会议</title><link>http://x/1</link><pubDate>Mon, 16 Nov 2026 08:00:00 +0800</pubDate></item>
<item><title>冬季供暖工作部署</title><link>http://x/2</link><pubDate>Sun, 15 Nov 2026 08:00:00 +0800</pubDate></item>
</channel></rss>"""

LIST_PAGE = """<html><body><ul class="nav"><li><a href="/">首页</a></li><li><a href="/more">更多</a></li></ul>
<ul class="list">
<li><a href="/art/1.html">区政府召开常务会议研究冬季供暖</a><span>2026-11-16</span></li>
<li><a href="/art/2.html">关于开展安全生产大检查的通知</a><span>2026年11月10日</span></li>
<tr><td><a href="http://other.example/x">外站链接标题文字</a></td></tr>
</ul></body></html>"""


def test_reading_a_feed_and_a_list_page() -> None:
    r = f.read_channel(RSS.encode(), "application/rss+xml", "http://x/feed")
    assert r.kind == "feed" and [p.title for p in r.posts] == ["区政府召开常务会议", "冬季供暖工作部署"]
    assert f.latest(r.posts, NOW) == datetime(2026, 11, 16, 8, 0, tzinfo=CHINA)
    page = f.read_channel(LIST_PAGE.encode(), "text/html; charset=utf-8", "http://gov.test/list")
    assert page.kind == "page"
    assert [p.url for p in page.posts] == ["http://gov.test/art/1.html", "http://gov.test/art/2.html"]
    assert page.posts[1].published_at == datetime(2026, 11, 10, tzinfo=CHINA)


def test_malformed_feeds_give_a_warning_never_an_error() -> None:
    for body in (b"<?xml version='1.0'?><rss><channel><item><title>x", b"{not json", b"<?xml version='1.0'?>\x00\xff",
                 b"", b"<rss version='2.0'><channel><item></item></channel></rss>"):
        r = f.read_channel(body, "application/rss+xml", "http://x/feed")
        assert r.kind == "feed"
        assert all(isinstance(p, f.Post) for p in r.posts)
