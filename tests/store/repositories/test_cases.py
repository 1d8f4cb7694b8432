from __future__ import annotations

import pytest

from tests import factories
from yuqing.accounts import actor_of
from yuqing.domain.roles import PermissionDenied
from yuqing.store.repositories.cases import NotFound, get_case, list_cases
from yuqing.workspace import Workspace


def test_unit_user_sees_only_its_own_cases(ws: Workspace) -> None:
    with ws.db.write() as s:
        town, bureau = factories.unit(s, "青石镇", "town"), factories.unit(s, "劳动保障局")
        mine = factories.case(s, "欠薪", units=[town, bureau])
        other = factories.case(s, "夜市噪音", units=[factories.unit(s, "滨江街道", "street")])
        handler = actor_of(factories.user(s, role="unit_handler", unit=town))
        office = actor_of(factories.user(s, role="office"))
        leader = actor_of(factories.user(s, role="leader"))
    with ws.db.read() as s:
        assert [c.id for c in list_cases(s, handler)] == [mine.id]
        assert get_case(s, handler, mine.id).title == "欠薪"
        with pytest.raises(NotFound):
            get_case(s, handler, other.id)
        assert {c.id for c in list_cases(s, office)} == {mine.id, other.id}
        assert len(list_cases(s, leader)) == 2


def test_role_without_case_rights_is_refused(ws: Workspace) -> None:
    with ws.db.write() as s:
        admin_without_cases = actor_of(factories.user(s, role="unit_handler", unit=None))
    with ws.db.read() as s, pytest.raises(PermissionDenied):
        list_cases(s, admin_without_cases)
