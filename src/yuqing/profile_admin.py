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
