"""API schemas: XCreate for input, XPublic for output."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    source_id: int
    url: str | None
    title: str
    text: str
    published_at: datetime | None
    captured_at: datetime
    content_hash: str
    raw_sha256: str | None
    version: int
    reposts: int
    comments: int
    likes: int
    relevant: bool | None
    places: list[Any]
    sentiment: str | None
    sentiment_score: float | None
    topics: list[Any]
    duplicate_of_id: int | None
    event_id: int | None
    fictional: bool


class ItemPage(BaseModel):
    total: int
    total_exact: bool = Field(description="false: `total` is an estimate (more than 2,000 matches)")
    next_cursor: str | None = Field(None, description="pass as `cursor` to get the page after this one")
    items: list[ItemPublic]


class UnitPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    parent_id: int | None
    place: str | None


class UnitCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    kind: str = "department"
    parent: str | None = None
    place: str | None = None


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    role_code: str
    unit_id: int | None
    active: bool


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=50)
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8)
    role: str
    unit: str | None = None


class CasePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    state: str
    grade: str | None
    event_id: int | None
    due_at: datetime | None
    created_at: datetime


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    unit_id: int | None
    csrf_token: str
