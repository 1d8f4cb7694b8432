"""Roles: every permission a role holds has the Chinese words a refusal shows."""

from __future__ import annotations

import pytest

from yuqing.domain.roles import PERMISSION_LABELS, PERMISSIONS, Actor, PermissionDenied, require


def test_every_permission_has_a_chinese_label() -> None:
    held = set().union(*PERMISSIONS.values())
    assert held <= set(PERMISSION_LABELS), held - set(PERMISSION_LABELS)


def test_a_refusal_names_the_right_in_chinese_not_its_code() -> None:
    with pytest.raises(PermissionDenied) as refused:
        require(Actor(3, "王经办", "unit_handler", 1), "cases.close")
    assert "审核与销号" in str(refused.value) and "cases.close" not in str(refused.value)
