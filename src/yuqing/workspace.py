"""A workspace: one folder holding settings (yuqing.toml), the district profile and (by default) the database."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from sqlalchemy import select

from yuqing.domain.profile import DistrictProfile
from yuqing.domain.roles import ROLE_DESCRIPTIONS, ROLE_LABELS
from yuqing.settings import Settings, load_settings, resolve_workspace
from yuqing.store import audit
from yuqing.store.db import Database
from yuqing.store.migrate import upgrade
from yuqing.store.tables import Role


class WorkspaceError(RuntimeError):
    """The folder is not a usable workspace; the message says what to do."""


@dataclass
class Workspace:
    settings: Settings

    @property
    def path(self) -> Path:
        return self.settings.workspace

    @cached_property
    def db(self) -> Database:
        db = Database(self.settings.resolved_database_url)
        audit.register(db.engine, self.audit_anchor)
        return db

    @cached_property
    def audit_anchor(self) -> audit.Anchor:
        """The audit chain's key (the `audit_secret` setting or `audit.key`) and checkpoint file."""
        key = audit.workspace_key(self.path, self.settings.audit_secret)
        return audit.Anchor(key, self.path / audit.CHECKPOINT_FILE)

    def profile(self) -> DistrictProfile | None:
        path = self.settings.profile_path
        return DistrictProfile.load(path) if path.exists() else None

    def migrate(self) -> None:
        """Apply migrations and make sure the fixed rows (roles) exist."""
        upgrade(self.db)
        with self.db.write() as session:
            have = set(session.execute(select(Role.code)).scalars())
            for code, name in ROLE_LABELS.items():
                if code not in have:
                    session.add(Role(code=code, name=name, description=ROLE_DESCRIPTIONS[code]))
            audit.anchor_existing_chain(session, self.audit_anchor)


def init_workspace(path: Path | str, profile: DistrictProfile | None = None, *, demo: bool = False) -> Workspace:
    """Create (or complete) a workspace folder: settings with fresh secrets, profile, database."""
    folder = Path(path).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    toml = folder / "yuqing.toml"
    if not toml.exists():
        lines = [
            "# Yuqing workspace settings. YUQING_* environment variables override these.",
            f'secret_key = "{secrets.token_hex(32)}"',
            f'author_salt = "{secrets.token_hex(16)}"',
            f'district_name = "{profile.district if profile else ""}"',
            f"demo = {'true' if demo else 'false'}",
            *(['operator = "office"  # the CLI acts as this account without --as'] if demo else []),
            "# database_url = \"postgresql://user@127.0.0.1:5432/yuqing\"",
            "",
        ]
        toml.write_text("\n".join(lines), encoding="utf-8")
    if profile is not None:
        profile.save(folder / "profile.json")
    ws = Workspace(load_settings(folder))
    ws.migrate()
    return ws


def open_workspace(path: Path | str | None = None, *, migrate: bool = False) -> Workspace:
    """Open an existing workspace (the folder from --workspace or YUQING_WORKSPACE)."""
    folder = resolve_workspace(path)
    if not (folder / "yuqing.toml").exists():
        raise WorkspaceError(f"{folder} 不是 Yuqing 工作区（缺少 yuqing.toml）。先运行：yuqing init {folder}")
    ws = Workspace(load_settings(folder))
    if migrate:
        ws.migrate()
    return ws
