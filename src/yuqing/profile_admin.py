"""Actions on the district profile (profile.json): landmarks, aliases and watch keywords, each audited.

Each edit moves the profile version in the database in its transaction (removals and moves too), so every
analysis worker reloads the profile at its next batch (see yuqing.analysis_service).
"""

from __future__ import annotations

from yuqing.actions import Tx, action
from yuqing.domain.profile import DistrictProfile, Place
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


@action("profile.add_landmark", permission="profile.manage")
def add_landmark(tx: Tx, name: str, parent: str, aliases: list[str]) -> None:
    """A landmark (a market, a park, a building site …) under a town or street of the district."""
    profile = _load(tx.ws)
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
    profile_edited(tx.session)  # every analysis worker reloads the profile at its next batch
    tx.audit("profile.add_landmark", "profile", profile.district, name=name, parent=parent, aliases=aliases)
    profile.places.append(Place(name, "landmark", parent=parent, aliases=[a for a in aliases if a]))
    profile.save(tx.ws.settings.profile_path)


@action("profile.add_alias", permission="profile.manage")
def add_alias(tx: Tx, place: str, alias: str) -> None:
    """One more name posts use for a place of the profile."""
    profile = _load(tx.ws)
    alias = alias.strip()
    target = next((p for p in profile.places if p.name == place), None)
    if target is None:
        raise ProfileError(f"地名“{place}”不在档案中")
    if not alias or alias in target.aliases:
        raise ProfileError("别名为空或已存在")
    _fits(alias, "别名")
    profile_edited(tx.session)  # every analysis worker reloads the profile at its next batch
    tx.audit("profile.add_alias", "profile", profile.district, place=place, alias=alias)
    target.aliases.append(alias)
    profile.save(tx.ws.settings.profile_path)


@action("profile.set_keywords", permission="profile.manage")
def set_keywords(tx: Tx, keywords: list[str]) -> None:
    """Replace the watch keywords (duplicates and blanks dropped, order kept)."""
    profile = _load(tx.ws)
    clean = list(dict.fromkeys(k.strip() for k in keywords if k.strip()))
    profile_edited(tx.session)  # every analysis worker reloads the profile at its next batch
    tx.audit("profile.set_keywords", "profile", profile.district, before=profile.keywords, after=clean)
    profile.keywords = clean
    profile.save(tx.ws.settings.profile_path)


def _landmark(profile: DistrictProfile, name: str) -> Place:
    place = next((p for p in profile.places if p.name == name), None)
    if place is None or place.level != "landmark":
        raise ProfileError(f"地标“{name}”不在档案中（乡镇街道和村社区来自地名库，不能在此修改）")
    return place


@action("profile.update_landmark", permission="profile.manage")
def update_landmark(tx: Tx, name: str, parent: str, aliases: list[str]) -> None:
    """Move a landmark to another town or street, or replace its aliases (audited with before and after)."""
    profile = _load(tx.ws)
    place = _landmark(profile, name)
    if parent not in {p.name for p in profile.places if p.level in ("town", "district")}:
        raise ProfileError(f"上级地名“{parent}”不在档案中")
    clean = list(dict.fromkeys(a.strip() for a in aliases if a.strip()))
    for a in clean:
        _fits(a, "别名")
    profile_edited(tx.session)
    tx.audit("profile.update_landmark", "profile", profile.district, name=name,
             before={"parent": place.parent, "aliases": list(place.aliases)},
             after={"parent": parent, "aliases": clean})
    place.parent, place.aliases = parent, clean
    profile.save(tx.ws.settings.profile_path)


@action("profile.remove_landmark", permission="profile.manage")
def remove_landmark(tx: Tx, name: str) -> None:
    """Remove a landmark no responsibility rule or unit names; else refuse, saying which one does."""
    from sqlalchemy import select

    from yuqing.store.tables import Unit
    from yuqing.store.tables_case import ResponsibilityRule

    profile = _load(tx.ws)
    place = _landmark(profile, name)
    s = tx.session
    rules = s.execute(select(ResponsibilityRule.id).where(ResponsibilityRule.pattern == name)).scalars().all()
    units = s.execute(select(Unit.name).where(Unit.place == name)).scalars().all()
    if rules or units:
        users = "、".join([f"交办规则 #{r}" for r in rules] + [f"单位“{u}”" for u in units])
        raise ProfileError(f"地标“{name}”仍被 {users} 使用，请先修改它们")
    profile_edited(s)
    tx.audit("profile.remove_landmark", "profile", profile.district, name=name, parent=place.parent,
             aliases=list(place.aliases))
    profile.places.remove(place)
    profile.save(tx.ws.settings.profile_path)


@action("profile.remove_alias", permission="profile.manage")
def remove_alias(tx: Tx, place: str, alias: str) -> None:
    """Remove one alias of a place (names posts use for it); the place itself stays."""
    profile = _load(tx.ws)
    target = next((p for p in profile.places if p.name == place), None)
    if target is None or alias not in target.aliases:
        raise ProfileError(f"“{place}”没有别名“{alias}”")
    profile_edited(tx.session)
    tx.audit("profile.remove_alias", "profile", profile.district, place=place, alias=alias)
    target.aliases.remove(alias)
    profile.save(tx.ws.settings.profile_path)
