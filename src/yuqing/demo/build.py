"""Build (or reuse) the demo workspace from the data files beside this module. Everything is fictional."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from yuqing.accounts import create_unit, create_user
from yuqing.actions.actors import seed_actor
from yuqing.domain.profile import DistrictProfile
from yuqing.domain.roles import ROLE_NAMES
from yuqing.importer import import_file
from yuqing.store.tables import Item, Source, Unit, User
from yuqing.workspace import Workspace, init_workspace

DATA = resources.files("yuqing.demo")


def demo_password(username: str) -> str:
    """Demo passwords are printed on start; they protect nothing real."""
    return f"{username}@demo2026"


def _data(name: str) -> Any:
    return json.loads(DATA.joinpath(name).read_text(encoding="utf-8"))


DEMO_FEED = "示例新闻网（RSS 演示）"
DEAD_SOURCE = "示例论坛（演示：已失效的来源）"


def demo_sources(ws: Workspace, base_url: str) -> None:
    """Two live sources for `yuqing up`: a GB2312 RSS feed the demo app serves itself (items arrive while
    you watch) and a dead forum address (it turns red on the sources page). Addresses follow the port."""
    from yuqing.collect.sources import sources_add, sources_update

    wanted = {DEMO_FEED: ("rss", f"{base_url}/demo/feed.xml", 300),
              DEAD_SOURCE: ("web", "http://127.0.0.1:9/forum/list", 600)}
    with ws.db.read() as s:
        found = s.execute(select(Source.name, Source.id, Source.url).where(Source.name.in_(wanted))).all()
    existing = {name: (source_id, address) for name, source_id, address in found}
    for name, (kind, url, interval) in wanted.items():
        if name not in existing:
            sources_add(ws, seed_actor(ws), kind, url, name, interval=interval)
        elif existing[name][1] != url:
            sources_update(ws, seed_actor(ws), existing[name][0], url=url)


def build_demo(directory: Path, progress: Any = None,
               base_url: str = "http://127.0.0.1:8000") -> tuple[Workspace, list[tuple[str, str, str, str]]]:
    """Create the demo workspace in `directory`, or bring an existing one up to date. Idempotent."""
    profile = DistrictProfile.from_dict(_data("profile.json"))
    units = _data("units.json")
    users = _data("users.json")
    profile.units = [u["name"] for u in units]
    ws = init_workspace(directory, profile, demo=True)
    seeder = seed_actor(ws)  # the installer on a new workspace (kept for the whole seed), else the admin
    with ws.db.read() as s:
        have = set(s.execute(select(Unit.name)).scalars())
        have_users = set(s.execute(select(User.username)).scalars())
    for u in units:
        if u["name"] not in have:
            create_unit(ws, seeder, u["name"], u["kind"], u.get("parent"), u.get("place"), u.get("contact"))
    for u in users:
        if u["username"] not in have_users:
            create_user(ws, seeder, u["username"], u["name"], demo_password(u["username"]), u["role"], u.get("unit"))
    posts = Path(str(DATA.joinpath("posts.jsonl")))
    with ws.db.read() as s:
        count = s.execute(select(func.count(Item.id))).scalar_one()
    if count == 0:
        task = progress.add_task("导入演示信息", total=sum(1 for _ in posts.open(encoding="utf-8"))) if progress else None
        import_file(ws, seeder, posts, fictional=True,
                    progress=(lambda n: progress.advance(task, n)) if progress else None)
    demo_sources(ws, base_url)  # before the steps: the planned exam window raises their polling
    for step in DEMO_STEPS:
        step(ws, progress)
    from yuqing.demo.notifications import dead_source_fetched

    dead_source_fetched(ws, DEAD_SOURCE)  # the admin's inbox tells it is down
    passwords = [(u["username"], demo_password(u["username"]), ROLE_NAMES[u["role"]], u.get("unit") or "")
                 for u in users]
    return ws, passwords


def _analyse(ws: Workspace, progress: Any) -> None:
    """Relevance, sentiment, topics, duplicates and events for the imported posts."""
    from yuqing.analysis_service import analyse_pending

    with ws.db.read() as s:
        todo = s.execute(select(func.count(Item.id)).where(Item.analysed_at.is_(None))).scalar_one()
    if todo:
        task = progress.add_task("分析演示信息", total=todo) if progress else None
        analyse_pending(ws, progress=(lambda n: progress.advance(task, n)) if progress else None)


RUMOUR_TITLE = "桃源镇学校食堂“过期食材”传言（待市场监管局核实）"


def _analyst_titles(ws: Workspace, progress: Any) -> None:
    """The analyst gives the food-rumour event a title of her own (shown as 分析员定题; audited)."""
    from yuqing.domain.roles import Actor
    from yuqing.events_admin import rename_event
    from yuqing.store.tables import Event, User

    with ws.db.read() as s:
        analyst = s.execute(select(User).where(User.username == "analyst")).scalar_one_or_none()
        stories = s.execute(select(Item.event_id, Item.extra).where(Item.event_id.is_not(None))).all()
        counts: dict[int, int] = {}
        for event_id, extra in stories:
            if (extra or {}).get("story") == "rumour":
                counts[event_id] = counts.get(event_id, 0) + 1
        event = s.get(Event, max(counts, key=counts.__getitem__)) if counts else None
    if analyst is None or event is None or event.title_pinned:
        return
    actor = Actor(analyst.id, analyst.display_name, analyst.role_code, analyst.unit_id)
    rename_event(ws, actor, event.id, RUMOUR_TITLE, "自动标题取自单条帖子，改为概括传言及核实状态")


def _case_story(ws: Workspace, progress: Any) -> None:
    from yuqing.respond.demo import demo_step

    demo_step(ws, progress)


def _more_cases(ws: Workspace, progress: Any) -> None:
    from yuqing.respond.demo_cases import demo_step

    demo_step(ws, progress)


def _alerts(ws: Workspace, progress: Any) -> None:
    from yuqing.alert.demo import demo_step

    demo_step(ws, progress)


def _inbox(ws: Workspace, progress: Any) -> None:
    from yuqing.demo.notifications import demo_step

    demo_step(ws, progress)


def _direct(ws: Workspace, progress: Any) -> None:
    from yuqing.collect.direct_demo import demo_step

    demo_step(ws, progress)


def _windows(ws: Workspace, progress: Any) -> None:
    from yuqing.collect.direct_demo import windows_step

    windows_step(ws, progress)


def _reports(ws: Workspace, progress: Any) -> None:
    from yuqing.reports.demo import demo_step

    demo_step(ws, progress)


def _case_library(ws: Workspace, progress: Any) -> None:
    from yuqing.respond.demo_library import demo_step

    demo_step(ws, progress)


# Later stages (analysis, cases …) add functions (ws, progress) -> None that extend the demo, in order.
def _channels(ws: Workspace, progress: Any) -> None:
    from yuqing.publish.demo import demo_step
    from yuqing.publish.demo_checks import demo_step as checks_step

    demo_step(ws, progress)
    checks_step(ws, progress)


def _assessment(ws: Workspace, progress: Any) -> None:
    from yuqing.reports.demo import assessment_step

    assessment_step(ws, progress)


# The case library's flooding case before the reports: the special report on the flooding names its case.
DEMO_STEPS: list[Any] = [_analyse, _analyst_titles, _case_story, _more_cases, _alerts, _inbox, _direct, _windows,
              _case_library, _reports, _channels, _assessment]
