"""Feedback attachments (respond.uploads): allowed types and sizes, content matching the extension, stored
by hash."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from yuqing.domain import lifecycle as lc
from yuqing.respond import casework, uploads
from yuqing.respond.errors import CaseError
from yuqing.respond.uploads import Upload
from yuqing.store.tables import Case
from yuqing.store.tables_case import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_feedback_attachments_are_checked_and_stored(desk):
    cid = desk.case_to("in_progress")
    with pytest.raises(CaseError, match="类型不允许"):
        casework.submit_feedback(desk.ws, desk.handler, cid, "x", attachments=[Upload("a.exe", b"MZ")])
    with pytest.raises(CaseError, match="不符"):
        casework.submit_feedback(desk.ws, desk.handler, cid, "x", attachments=[Upload("a.png", b"GIF89a")])
    with pytest.raises(CaseError, match="超过"):
        big = Upload("a.pdf", b"%PDF-" + b"0" * uploads.MAX_ATTACHMENT_BYTES)
        casework.submit_feedback(desk.ws, desk.handler, cid, "x", attachments=[big])
    fb = casework.submit_feedback(desk.ws, desk.handler, cid, "已协调支付 42 万元",
                                 attachments=[Upload("现场照片.png", PNG), Upload("说明.txt", "情况".encode())])
    assert not fb.late
    with desk.ws.db.read() as s:
        atts = list(s.execute(select(Attachment).where(Attachment.feedback_id == fb.id)).scalars())
        assert sorted(a.content_type for a in atts) == ["image/png", "text/plain"]
        for a in atts:
            assert (desk.ws.path / a.path).read_bytes()[:4] in (PNG[:4], "情况".encode()[:4])
            assert a.path.startswith(f"attachments/{cid}/")
        assert s.get(Case, cid).state == lc.FEEDBACK_DRAFTED
