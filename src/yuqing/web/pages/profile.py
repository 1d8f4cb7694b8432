"""The district profile page: towns and streets, landmarks, aliases and watch keywords (admin edits)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from yuqing.profile_admin import (
    ProfileError,
    add_alias,
    add_landmark,
    remove_alias,
    remove_landmark,
    set_keywords,
    update_landmark,
)
from yuqing.web.deps import Viewer, WorkspaceDep, check_csrf, redirect_with_flash, render, require_permission

router = APIRouter(prefix="/admin/profile")
ProfileAdmin = Annotated[Viewer, require_permission("profile.manage")]


def _page(request: Request, ws: WorkspaceDep, error: str | None = None, status: int = 200,
          form: dict[str, str] | None = None) -> object:
    profile = ws.profile()
    return render(request, "admin/profile.html", status, profile=profile, error=error, form=form or {})


@router.get("")
def profile_page(request: Request, viewer: ProfileAdmin, ws: WorkspaceDep) -> object:
    return _page(request, ws)


@router.post("/landmarks", dependencies=[Depends(check_csrf)])
def post_landmark(request: Request, viewer: ProfileAdmin, ws: WorkspaceDep, name: Annotated[str, Form()],
                  parent: Annotated[str, Form()], aliases: Annotated[str, Form()] = "") -> object:
    try:
        add_landmark(ws, viewer.actor, name, parent, aliases.replace("，", ",").split(","))
    except ProfileError as exc:
        return _page(request, ws, str(exc), 400, {"name": name, "parent": parent, "aliases": aliases})
    return redirect_with_flash("/admin/profile", f"已新增地标“{name.strip()}”")


@router.post("/aliases", dependencies=[Depends(check_csrf)])
def post_alias(request: Request, viewer: ProfileAdmin, ws: WorkspaceDep, place: Annotated[str, Form()],
               alias: Annotated[str, Form()]) -> object:
    try:
        add_alias(ws, viewer.actor, place, alias)
    except ProfileError as exc:
        return _page(request, ws, str(exc), 400, {"place": place, "alias": alias})
    return redirect_with_flash("/admin/profile", f"已为“{place}”添加别名“{alias.strip()}”")


@router.post("/keywords", dependencies=[Depends(check_csrf)])
def post_keywords(request: Request, viewer: ProfileAdmin, ws: WorkspaceDep,
                  keywords: Annotated[str, Form()] = "") -> object:
    try:
        set_keywords(ws, viewer.actor, keywords.replace("，", "\n").replace(",", "\n").splitlines())
    except ProfileError as exc:
        return _page(request, ws, str(exc), 400, {"keywords": keywords})
    return redirect_with_flash("/admin/profile", "已保存监测关键词")


@router.post("/landmarks/change", dependencies=[Depends(check_csrf)])
def change_landmark(request: Request, viewer: ProfileAdmin, ws: WorkspaceDep, name: Annotated[str, Form()] = "",
                    op: Annotated[str, Form()] = "", parent: Annotated[str, Form()] = "",
                    aliases: Annotated[str, Form()] = "", confirm: Annotated[str, Form()] = "") -> object:
    """Move a landmark or replace its aliases (save), or remove it (needs the confirmation box)."""
    try:
        if op == "save":
            update_landmark(ws, viewer.actor, name, parent, aliases.replace("，", ",").split(","))
            return redirect_with_flash("/admin/profile", f"已保存地标“{name}”")
        if op == "delete":
            if confirm != "yes":
                raise ProfileError("删除前请勾选“确认删除”")
            remove_landmark(ws, viewer.actor, name)
            return redirect_with_flash("/admin/profile", f"已删除地标“{name}”")
        raise ProfileError("请选择要执行的操作")
    except ProfileError as exc:
        return _page(request, ws, str(exc), 400)


@router.post("/aliases/remove", dependencies=[Depends(check_csrf)])
def post_remove_alias(request: Request, viewer: ProfileAdmin, ws: WorkspaceDep, place: Annotated[str, Form()] = "",
                      alias: Annotated[str, Form()] = "") -> object:
    try:
        remove_alias(ws, viewer.actor, place, alias)
    except ProfileError as exc:
        return _page(request, ws, str(exc), 400)
    return redirect_with_flash("/admin/profile", f"已删除“{place}”的别名“{alias}”")
