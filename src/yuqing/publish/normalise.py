"""The normal form in which signed and live text are compared (一致性) and hashed.

Differences no reader sees do not count: whitespace and line breaks (a CMS re-wraps paragraphs),
full-width vs half-width forms (Ｎ vs N), and punctuation variants (，vs , “” vs "" —— vs -). Everything
else — a changed word, figure, name or date — does.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Chinese punctuation and its variants → one ASCII form each (NFKC handles the full-width ASCII forms).
_PUNCT = str.maketrans({
    "，": ",", "、": ",", "。": ".", "．": ".", "：": ":", "；": ";", "！": "!", "？": "?",
    "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "「": '"', "」": '"', "『": '"', "』": '"',
    "（": "(", "）": ")", "【": "[", "】": "]", "〔": "[", "〕": "]", "《": "<", "》": ">", "〈": "<", "〉": ">",
    "—": "-", "–": "-", "－": "-", "―": "-", "～": "~", "〜": "~", "·": ".", "・": ".", "…": "...",
})
_SPACE = re.compile(r"\s+")
_REPEAT_DASH = re.compile(r"-{2,}")
_REPEAT_DOT = re.compile(r"\.{3,}")
# Where the diff cuts text into comparable pieces: after a sentence end, or at a line break.
_PIECE_END = re.compile(r"(?<=[。！？!?；;])|\n+")


def normalise(text: str | None) -> str:
    """`text` in the compared form: NFKC, punctuation variants unified, no whitespace at all."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    text = _SPACE.sub("", text)
    text = _REPEAT_DASH.sub("-", text)
    return _REPEAT_DOT.sub("...", text)


def content_sha256(text: str | None) -> str:
    """SHA-256 (hex) of the normalised text: equal for texts that read the same."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def same_text(a: str | None, b: str | None) -> bool:
    return normalise(a) == normalise(b)


def pieces(text: str | None) -> list[str]:
    """The text cut into sentences/paragraphs as a reader sees them (for the side-by-side diff)."""
    out = []
    for part in _PIECE_END.split(text or ""):
        part = _SPACE.sub(" ", part or "").strip()
        if part:
            out.append(part)
    return out
