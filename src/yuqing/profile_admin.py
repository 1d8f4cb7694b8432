"""Audited edits of the district profile (profile.json): landmarks, aliases and watch keywords.

Each edit moves the profile version in the database in its transaction, so every analysis worker
reloads the profile at its next batch (see yuqing.analysis_service).
"""

from __future__ import annotations

from yuqing.domain.profile import DistrictProfile, Place
from yuqing.domain.roles import Actor, require
from yuqing.store import audit
from yuqing.store.analysis import profile_edited
from yuqing.workspace import Workspace


class ProfileError(ValueError):
    """The edit cannot be made; the message (Chinese) says why."""


NAME_MAX = 50


def _fits(value: str, what: str) -> None:
    if len(value) > NAME_MAX:
        raise ProfileError(f"{what}太长：最多 {NAME_MAX} 个字（现在 {len(value)} 个）")


def _load(ws: Workspace) -> DistrictProfile:
    profile = ws.profile()
    if profile is None:
        raise ProfileError("工作区没有辖区档案")
    return profile


def add_landmark(ws: Workspace, actor: Actor, name: str, parent: str, aliases: list[str]) -> None:
    """A landmark (a market, a park, a building site …) under a town or street of the district."""
    require(actor, "profile.manage")
    profile = _load(ws)
    name = name.strip()
    if not name:
        raise ProfileError("地标名称不能为空")
    _fits(name, "地标名称")
    for a in aliases:
        _fits(a.strip(), "别名")
    names = {p.name for p in profile.places}
    if name in names:
        raise ProfileError(f"“{name}”已在档案中")
    if parent not in names:
        raise ProfileError(f"上级地名“{parent}”不在档案中")
    with ws.db.write() as s:
        profile_edited(s)
        audit.append(s, actor, "profile.add_landmark", "profile", profile.district, name=name, parent=parent,
                     aliases=aliases)
        profile.places.append(Place(name, "landmark", parent=parent, aliases=[a for a in aliases if a]))
        profile.save(ws.settings.profile_path)


def add_alias(ws: Workspace, actor: Actor, place: str, alias: str) -> None:
    require(actor, "profile.manage")
    profile = _load(ws)
    alias = alias.strip()
    target = next((p for p in profile.places if p.name == place), None)
    if target is None:
        raise ProfileError(f"地名“{place}”不在档案中")
    if not alias or alias in target.aliases:
        raise ProfileError("别名为空或已存在")
    _fits(alias, "别名")
    with ws.db.write() as s:
        profile_edited(s)
        audit.append(s, actor, "profile.add_alias", "profile", profile.district, place=place, alias=alias)
        target.aliases.append(alias)
        profile.save(ws.settings.profile_path)


def set_keywords(ws: Workspace, actor: Actor, keywords: list[str]) -> None:
    require(actor, "profile.manage")
    profile = _load(ws)
    clean = list(dict.fromkeys(k.strip() for k in keywords if k.strip()))
    with ws.db.write() as s:
        profile_edited(s)
        audit.append(s, actor, "profile.set_keywords", "profile", profile.district, before=profile.keywords,
                     after=clean)
        profile.keywords = clean
        profile.save(ws.settings.profile_path)


def _landmark(profile: DistrictProfile, name: str) -> Place:
    place = next((p for p in profile.places if p.name == name), None)
    if place is None or place.level != "landmark":
        raise ProfileError(f"地标“{name}”不在档案中（乡镇街道和村社区来自地名库，不能在此修改）")
    return place


def update_landmark(ws: Workspace, actor: Actor, name: str, parent: str, aliases: list[str]) -> None:
    """Move a landmark to another town or street, or replace its aliases (audited with before and after)."""
    require(actor, "profile.manage")
    profile = _load(ws)
    place = _landmark(profile, name)
    if parent not in {p.name for p in profile.places if p.level in ("town", "district")}:
        raise ProfileError(f"上级地名“{parent}”不在档案中")
    clean = list(dict.fromkeys(a.strip() for a in aliases if a.strip()))
    for a in clean:
        _fits(a, "别名")
    with ws.db.write() as s:
        audit.append(s, actor, "profile.update_landmark", "profile", profile.district, name=name,
                     before={"parent": place.parent, "aliases": list(place.aliases)},
                     after={"parent": parent, "aliases": clean})
        place.parent, place.aliases = parent, clean
        profile.save(ws.settings.profile_path)


def remove_landmark(ws: Workspace, actor: Actor, name: str) -> None:
    """Remove a landmark no responsibility rule or unit names; else refuse, saying which one does."""
    from sqlalchemy import select

    from yuqing.store.tables import Unit
    from yuqing.store.tables_case import ResponsibilityRule

    require(actor, "profile.manage")
    profile = _load(ws)
    place = _landmark(profile, name)
    with ws.db.write() as s:
        rules = s.execute(select(ResponsibilityRule.id).where(ResponsibilityRule.pattern == name)).scalars().all()
        units = s.execute(select(Unit.name).where(Unit.place == name)).scalars().all()
        if rules or units:
            users = "、".join([f"交办规则 #{r}" for r in rules] + [f"单位“{u}”" for u in units])
            raise ProfileError(f"地标“{name}”仍被 {users} 使用，请先修改它们")
        audit.append(s, actor, "profile.remove_landmark", "profile", profile.district, name=name,
                     parent=place.parent, aliases=list(place.aliases))
        profile.places.remove(place)
        profile.save(ws.settings.profile_path)


def remove_alias(ws: Workspace, actor: Actor, place: str, alias: str) -> None:
    """Remove one alias of a place (names posts use for it); the place itself stays."""
    require(actor, "profile.manage")
    profile = _load(ws)
    target = next((p for p in profile.places if p.name == place), None)
    if target is None or alias not in target.aliases:
        raise ProfileError(f"“{place}”没有别名“{alias}”")
    with ws.db.write() as s:
        audit.append(s, actor, "profile.remove_alias", "profile", profile.district, place=place, alias=alias)
        target.aliases.remove(alias)
        profile.save(ws.settings.profile_path)
