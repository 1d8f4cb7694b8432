"""Loosely typed parameters (a form's strings, a JSON body's values) read as an action's arguments, by the
kinds its lifecycle row declares (`domain.lifecycle.Param`). Errors name the field, in Chinese.
"""

from __future__ import annotations

import re
from typing import Any

from yuqing.domain.lifecycle import Param
from yuqing.respond.errors import CaseError

TRUE = ("1", "true", "on", "yes")
FALSE = ("0", "false", "off", "no")


def to_int(value: Any, label: str = "") -> int | None:
    """An integer, or None when empty; CaseError naming the field otherwise."""
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise CaseError(f"{label or '该项'}须为整数")
    try:
        return int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise CaseError(f"{label + '：' if label else ''}“{value}”不是整数") from None


def to_bool(value: Any) -> bool:
    """A checkbox or JSON boolean: unchecked, missing or false is False."""
    if isinstance(value, bool):
        return value
    return str(value or "").strip().lower() in TRUE


def decision(value: Any, question: str = "请明确选择：批准/签发，或不批准/退回") -> bool:
    """An explicit yes or no; a missing or unclear decision is refused, never taken as yes."""
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise CaseError(question)


def unit_ref(value: Any) -> int | str | None:
    """A unit by id (digits) or by name."""
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else text


def unit_refs(value: Any) -> list[int | str]:
    """Units as a list, or one string separated by 、 , ， or spaces."""
    if value in (None, ""):
        return []
    raw = re.split(r"[、,，\s]+", value) if isinstance(value, str) else list(value)
    return [ref for ref in (unit_ref(v) for v in raw if v not in (None, "")) if ref is not None]


def parse(params: tuple[Param, ...], values: dict[str, Any]) -> dict[str, Any]:
    """Each declared parameter read by its kind; a required one that is missing is refused by its label.

    "reason" also accepts "note" (the older form field). Unknown keys are ignored.
    """
    out: dict[str, Any] = {}
    for p in params:
        raw = values.get(p.name)
        if p.name == "reason" and raw in (None, ""):
            raw = values.get("note")
        if p.kind in ("int", "id"):
            value: Any = to_int(raw, p.label)
        elif p.kind == "bool":
            value = to_bool(raw)
        elif p.kind == "unit":
            value = unit_ref(raw)
        elif p.kind == "units":
            value = unit_refs(raw)
        else:
            value = "" if raw is None else str(raw).strip()
            if p.kind == "grade":
                value = value or None
        if p.required and value in (None, "", []):
            raise CaseError(f"请填写“{p.label}”")
        out[p.name] = value
    return out
