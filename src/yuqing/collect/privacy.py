"""Posters stay private in the stored evidence too: names and contact fields are replaced by salted hashes.

The SHA-256 of the bytes as received is kept as evidence (`raw_sha256`); the snapshot stored beside it
is a redacted copy (its own hash in `snapshot_sha256`). Official accounts are kept as they are. Which
fields carry a person: the author aliases of the file columns, plus names, nicknames and contacts.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

PERSON_KEYS = frozenset({
    "author", "user", "留言人", "网友", "作者", "昵称", "用户", "来信人", "nickname", "nick", "name", "username",
    "user_name", "screen_name", "姓名", "发帖人", "反映人", "联系人", "手机", "手机号", "手机号码", "电话",
    "联系电话", "联系方式", "phone", "mobile", "tel", "telephone", "email", "e-mail", "邮箱", "电子邮箱", "身份证",
    "身份证号", "idcard", "id_card", "qq", "微信", "wechat", "weixin", "ip", "ip地址", "ip_address", "creator",
    "dc:creator", "authors",
})


def is_person_key(key: object) -> bool:
    return str(key).strip().lower().replace(" ", "") in PERSON_KEYS


def person_hash(salt: str, value: object) -> str:
    """The same salted hash as `collect.store.author_hash`, marked so a reader sees it is not a name."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return "hash:" + hashlib.sha256(f"{salt}\x00{text.strip()}".encode()).hexdigest()


def is_hashed(value: object) -> bool:
    """A value that is already a person hash (redacting twice must not hash the hash)."""
    return isinstance(value, str) and value.startswith("hash:") and len(value) == 69


def redact_record(record: Any, salt: str, depth: int = 0) -> Any:
    """A copy of a JSON record with every person field's value replaced by its salted hash."""
    if depth > 20:
        return record
    if isinstance(record, dict):
        return {k: (person_hash(salt, v) if is_person_key(k) and v not in (None, "") and not is_hashed(v) else
                    redact_record(v, salt, depth + 1)) for k, v in record.items()}
    if isinstance(record, list):
        return [redact_record(v, salt, depth + 1) for v in record]
    return record


def redact_json_bytes(raw: bytes, salt: str) -> bytes | None:
    """The redacted copy of a JSON record's bytes, or None when they are not a JSON object."""
    try:
        record = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    return json.dumps(redact_record(record, salt), ensure_ascii=False, sort_keys=True).encode("utf-8")


# Person elements of RSS/Atom feeds: <author>, <dc:creator>, <itunes:author>, <managingEditor>,
# <webMaster> and the <name>/<email>/<uri> of Atom person constructs.
_FEED_PERSON = re.compile(
    rb"(<(?P<tag>(?:[\w-]+:)?(?:creator|author|managingEditor|webMaster|name|email|uri))\b[^>]*>)"
    rb"(?P<body>(?:<!\[CDATA\[[^\]]{0,2000}\]\]>|[^<]){0,2000})(</(?P=tag)\s*>)",
    re.S,
)


def redact_feed_bytes(body: bytes, salt: str) -> bytes:
    """A feed with the text of its person elements replaced by salted hashes. Only leaf text is replaced:
    an Atom <author> holding <name> is matched at its <name>."""

    def replace(m: re.Match[bytes]) -> bytes:
        text = m.group("body").replace(b"<![CDATA[", b"").replace(b"]]>", b"").strip()
        if not text or text.startswith(b"hash:"):
            return m.group(0)
        digest = hashlib.sha256(salt.encode("utf-8") + b"\x00" + text).hexdigest()
        return m.group(1) + b"hash:" + digest.encode("ascii") + m.group(4)

    return _FEED_PERSON.sub(replace, body)


def redact_body(body: bytes, content_type: str | None, salt: str) -> bytes:
    """The redacted copy of a raw body as stored in evidence: JSON records and feeds; other bytes as they are."""
    head = body[:512].lstrip()
    if head.startswith(b"{"):
        return redact_json_bytes(body, salt) or body
    ctype = (content_type or "").lower()
    if head.startswith(b"<?xml") or head.startswith(b"<rss") or head.startswith(b"<feed") or "xml" in ctype:
        return redact_feed_bytes(body, salt)
    return body


def redact_named(body: bytes, name: str | None, salt: str) -> bytes:
    """A stored copy with every occurrence of the poster's name (as collected for this item) replaced by its
    salted hash, in UTF-8 and in GB18030 (the encodings of the district's forum pages): what the
    format-aware redaction cannot find in an HTML detail page or plain text, the collected name finds."""
    name = (name or "").strip()
    if len(name) < 2:  # a one-character name would replace ordinary characters of the page
        return body
    token = person_hash(salt, name).encode("ascii")
    for encoding in ("utf-8", "gb18030"):
        try:
            needle = name.encode(encoding)
        except UnicodeEncodeError:
            continue
        body = body.replace(needle, token)
    return body
