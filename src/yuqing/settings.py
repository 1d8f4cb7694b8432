"""One typed settings object, read from `<workspace>/yuqing.toml` and `YUQING_*` environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

WORKSPACE_ENV = "YUQING_WORKSPACE"


class Settings(BaseSettings):
    """Everything a workspace can configure. Environment beats the TOML file, which beats defaults."""

    model_config = SettingsConfigDict(env_prefix="YUQING_", extra="ignore")

    workspace: Path = Field(default_factory=lambda: Path(os.environ.get(WORKSPACE_ENV, ".")).resolve())
    database_url: str | None = None
    secret_key: str = "insecure-dev-key-change-me"
    author_salt: str = "insecure-dev-salt-change-me"
    district_name: str = ""
    jobs_engine: Literal["inprocess", "celery"] = "inprocess"
    broker_url: str = "redis://127.0.0.1:6379/0"
    host: str = "127.0.0.1"
    port: int = 8000
    https_cookies: bool = False
    session_hours: int = 12
    # 实施意见 §三.2: a case with no explicit deadline gets 3 days.
    default_deadline_days: int = 3
    deadline_counting: Literal["calendar", "working"] = "calendar"
    # 抽查复核: the share of last week's closed cases drawn for re-checking each week.
    spot_check_share: float = Field(default=0.2, ge=0, le=1)
    # 催办 this many hours before a deadline; 督办 (office and leaders told) this long after it.
    reminder_before_hours: float = Field(default=24, ge=0)
    supervise_after_hours: float = Field(default=24, ge=0)
    demo: bool = False
    # The account the CLI's case-desk commands act as without `--as` (never an anonymous actor).
    # Empty: such commands ask for `--as USERNAME`. The demo workspace sets it to its office account.
    operator: str = ""
    # Raw snapshots and personal fields (author hash, contacts in extra) of items captured longer ago than
    # this are purged daily (and by `yuqing retention`); text, content hash and evidence hash stay.
    retention_days: int = Field(default=365, ge=1)
    # The audit chain's HMAC key. Unset: the file audit.key in the workspace (made on first use). Set it
    # (YUQING_AUDIT_SECRET) when several machines write one PostgreSQL database; never store it there.
    audit_secret: str | None = None
    # Alerts by e-mail go through this SMTP server (R-ALERT-1). Port 25 or 587; smtp_starttls upgrades the
    # connection before logging in; no smtp_user means no login (a relay inside the government network).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "yuqing@localhost"
    smtp_starttls: bool = False
    # Quiet hours (China time, e.g. "22:00-07:00"): alerts below grade II wait until they end (R-ALERT-2).
    alert_quiet_hours: str = ""
    # An alert paged to the person on duty and not acknowledged within this many minutes goes to the next
    # person in the escalation chain, then to the office (R-ALERT-4).
    duty_ack_minutes: int = Field(default=15, ge=1)
    # Early warning (预警): a spike is the last hour's posts against the same hour on this many previous days
    # (median + MAD), and never fewer posts than the minimum (yuqing.domain.early_warning).
    warning_baseline_days: int = Field(default=14, ge=3, le=60)
    warning_min_count: int = Field(default=10, ge=2)
    # Reporting upward (上报, R-ALERT-3): the alert channel (its name or id) that carries an event's forward package
    # to the city-level recipient; empty: reporting upward is not set up.
    report_up_channel: str = ""
    # The daily report (网络舆情日报告表) is generated and sent at this China time ("HH:MM"), before 17:00.
    daily_report_time: str = "16:30"
    # A report sent by e-mail (报告发送渠道) carries these files, comma-separated: docx, pdf, xlsx, html (PDF needs
    # LibreOffice; without it the mail goes without the PDF). Empty: the summary and the link only.
    report_mail_formats: str = "docx,pdf"
    # 舆情直报: the default daily cut-off (China time, "HH:MM") of the units that must report every day; the
    # office may give a unit another one. At the cut-off the office is told who has not submitted (R-COLLECT-5).
    direct_report_cutoff: str = "17:00"
    # 后期跟踪 (R-CASE-10): after closing, a case's follow-up posts are watched (volume, sentiment) this long.
    case_watch_days: int = Field(default=14, ge=1, le=90)
    # 准入审核 (R-PUBLISH-1): the unit whose people review the admission of websites and new-media accounts
    # (the propaganda department), besides the office; its name as in 单位管理.
    propaganda_unit: str = "区委网宣办"
    # The address people open Yuqing at (e.g. https://yuqing.example.gov.cn), for links in alert messages.
    public_url: str = ""
    # 三率 public page (/public/accountability, no login): off unless the office decides to publish it.
    public_accountability: bool = False
    # 政务网站与新媒体 (R-PUBLISH-3): `channels check` polls every channel this often (the job checks those due),
    # waiting this many seconds between two requests to one host (a polite visitor; 0 in tests).
    channel_check_minutes: int = Field(default=60, ge=5)
    channel_link_delay: float = Field(default=1.0, ge=0)
    # 整改通知: working days a unit has to correct wrong content on its channel (实施意见 §三.2: 3 days when
    # no deadline is given; counted on the case desk's working-day calendar).
    correction_working_days: int = Field(default=3, ge=1, le=60)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = settings_cls.model_config.get("toml_file")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.workspace / 'yuqing.db'}"

    @property
    def profile_path(self) -> Path:
        return self.workspace / "profile.json"

    @property
    def grading_path(self) -> Path:
        """Weights, cue lexicons and thresholds of event grading (optional; see domain/grading.py DEFAULTS)."""
        return self.workspace / "grading.json"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def resolve_workspace(workspace: Path | str | None = None) -> Path:
    """The workspace folder: the argument, else $YUQING_WORKSPACE, else the current folder."""
    return Path(workspace or os.environ.get(WORKSPACE_ENV) or ".").expanduser().resolve()


def load_settings(workspace: Path | str | None = None) -> Settings:
    """Read the settings of one workspace (its yuqing.toml, then YUQING_* variables on top)."""
    ws = resolve_workspace(workspace)

    class WorkspaceSettings(Settings):
        model_config = SettingsConfigDict(env_prefix="YUQING_", extra="ignore", toml_file=ws / "yuqing.toml")

    return WorkspaceSettings(workspace=ws)
