"""Bytes to text the way Chinese sites need it, and traditional to simplified characters.

Order of evidence: a byte-order mark, the HTTP header charset, the XML/meta declaration in the body,
strict UTF-8, then charset-normalizer's guess. GB2312 and GBK labels are decoded as GB18030 (their
superset: pages labelled gb2312 routinely use GBK characters), Big5 as Big5-HKSCS.
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass
from typing import Any

_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ascii": "utf-8",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
}
_LATIN = {"cp1252", "iso8859-1", "latin-1", "iso8859-15"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']""")
_META = re.compile(rb"""<meta[^>]{0,300}?charset\s*=\s*["']?([A-Za-z0-9._:-]{1,40})""", re.I)
_HEADER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.I)


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    charset: str
    how: str  # bom | header | declared | utf-8 | guessed | fallback


def normalise_charset(name: str | None) -> str | None:
    """The codec Python should use for a declared charset name, or None when unknown."""
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSETS.get(codec, codec)


def header_charset(content_type: str | None) -> str | None:
    m = _HEADER.search(content_type or "")
    return normalise_charset(m.group(1)) if m else None


def declared_charset(body: bytes) -> str | None:
    """The charset named by an XML declaration or an HTML meta tag near the top of the body."""
    head = body[:4096]
    m = _XML_DECL.match(head) or _META.search(head)
    return normalise_charset(m.group(1).decode("ascii")) if m else None


def bom_charset(body: bytes) -> str | None:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    return None


def decode(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode `body` using the best available evidence; never raises."""
    candidates: list[tuple[str, str]] = []
    bom = bom_charset(body)
    if bom:
        candidates.append((bom, "bom"))
    header = header_charset(content_type)
    declared = declared_charset(body)
    # Chinese servers often send a default ISO-8859-1 header for GBK pages: a CJK declaration wins then.
    if header in _LATIN and declared and declared not in _LATIN:
        header = None
    if header:
        candidates.append((header, "header"))
    if declared:
        candidates.append((declared, "declared"))
    candidates.append(("utf-8", "utf-8"))
    for charset, how in candidates:
        try:
            return Decoded(body.decode(charset), charset, how)
        except (UnicodeDecodeError, LookupError):
            continue
    guess = _guess(body)
    if guess:
        try:
            return Decoded(body.decode(guess), guess, "guessed")
        except (UnicodeDecodeError, LookupError):
            pass
    return Decoded(body.decode("gb18030", errors="replace"), "gb18030", "fallback")


def _guess(body: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:262144]).best()
    return normalise_charset(best.encoding) if best else None


# -- traditional → simplified -------------------------------------------------------------------------
_local = threading.local()


def _converter() -> Any:
    conv = getattr(_local, "t2s", None)
    if conv is None:
        import opencc

        conv = _local.t2s = opencc.OpenCC("t2s")
    return conv


def to_simplified(text: str) -> str:
    """Traditional characters converted to simplified (OpenCC t2s); other text unchanged."""
    if not text or text.isascii():
        return text
    return str(_converter().convert(text))


def simplify(text: str) -> tuple[str, str | None]:
    """(simplified text for analysis, the original when conversion changed it, else None)."""
    simple = to_simplified(text)
    return simple, (text if simple != text else None)
