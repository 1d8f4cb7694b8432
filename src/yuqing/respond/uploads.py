"""Files handed to case actions (feedback evidence, assisting units' parts): what is allowed, where it is kept.

实施意见: evidence of handling — photos and documents; 10 MB each. The content must match the extension.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from yuqing.actions import Tx, action
from yuqing.clock import utcnow
from yuqing.respond.errors import CaseError, NotFound
from yuqing.respond.steps import load
from yuqing.store.tables import Case
from yuqing.store.tables_case import Attachment, Feedback

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    # extension: (content type, accepted leading bytes — empty means plain text)
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "txt": ("text/plain", ()),
}


@dataclass(frozen=True, slots=True)
class Upload:
    """A file handed to an action (from a form or the CLI)."""

    filename: str
    data: bytes


def check_upload(upload: Upload, max_bytes: int = MAX_ATTACHMENT_BYTES) -> str:
    """The content type of an allowed upload; CaseError when its type or size is not allowed."""
    name = upload.filename.strip()
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_TYPES:
        raise CaseError(f"附件“{name}”类型不允许；允许：{'、'.join(sorted(ALLOWED_TYPES))}")
    if not upload.data:
        raise CaseError(f"附件“{name}”是空文件")
    if len(upload.data) > max_bytes:
        raise CaseError(f"附件“{name}”超过 {max_bytes // (1024 * 1024)} MB")
    ctype, magics = ALLOWED_TYPES[ext]
    if magics and not any(upload.data.startswith(m) for m in magics):
        raise CaseError(f"附件“{name}”的内容与扩展名 .{ext} 不符")
    if not magics:
        try:
            upload.data.decode("utf-8")
        except UnicodeDecodeError:
            raise CaseError(f"附件“{name}”不是 UTF-8 文本") from None
    return ctype


def safe_name(name: str) -> str:
    base = Path(name).name
    base = re.sub(r"[^\w.\-一-鿿]", "_", base)
    return base[-120:] or "file"


def store_upload(tx: Tx, case: Case, upload: Upload, ctype: str, feedback: Feedback | None) -> Attachment:
    """Keep the file under the workspace (named by its hash) and record it on the case."""
    digest = hashlib.sha256(upload.data).hexdigest()
    rel = Path("attachments") / str(case.id) / f"{digest[:16]}_{safe_name(upload.filename)}"
    dest = tx.ws.path / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists():
        dest.write_bytes(upload.data)
    att = Attachment(case_id=case.id, feedback_id=feedback.id if feedback else None,
                     filename=upload.filename[:255], content_type=ctype, size=len(upload.data),
                     sha256=digest, path=rel.as_posix(), uploaded_by_id=tx.actor.user_id, uploaded_at=utcnow())
    tx.session.add(att)
    return att


@dataclass(frozen=True, slots=True)
class Download:
    """An attachment as handed out: its name, type and bytes."""

    filename: str
    content_type: str
    data: bytes


@action("case.attachment_download", permission=None)
def download_attachment(tx: Tx, case_id: int, attachment_id: int) -> Download:
    """Hand out an attachment of a case the actor may see; every download is audited (R-PLATFORM-2).
    No permission of its own: seeing the case decides (checked in the body, by the actor's scope)."""
    try:
        load(tx, case_id)
    except NotFound:
        raise NotFound("附件不存在或无权查看") from None
    att = tx.session.get(Attachment, attachment_id)
    if att is None or att.case_id != case_id:
        raise NotFound("附件不存在")
    path = (tx.ws.path / att.path).resolve()
    if not path.is_relative_to(tx.ws.path.resolve()) or not path.exists():
        raise NotFound("附件文件缺失")
    tx.audit("case.attachment_download", "attachment", att.id, case_id=case_id, filename=att.filename)
    return Download(att.filename, att.content_type, path.read_bytes())
