"""Normalise post text: HTML to text, full-width to half-width, traditional to simplified, whitespace.

Emoji and Weibo-style bracket emoticons ([怒]) are kept as text: they carry sentiment.
Chinese punctuation (，。！？) is left alone; only full-width letters, digits, a few symbols and the
ideographic space become half-width, so "ＡＢＣ１２３" and "ABC123" match the same lexicons.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

import opencc

_TAG_HINT = re.compile(r"<[a-zA-Z/!][^>]*>")
_DROP_BLOCKS = re.compile(r"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_COMMENTS = re.compile(r"<!--.*?-->", re.S)
_BLOCK_TAGS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr|p|div|li|tr|h[1-6])\b[^>]*>", re.I)
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\ufeff]+")
_NEWLINES = re.compile(r"\s*\n\s*")
# Whitespace `_SPACES` would change: anything but a lone plain space.
_ODD_SPACES = re.compile(
    r"[\t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\ufeff]| [ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\ufeff]"
)
_SEP = "\ue000"  # joins a batch for one OpenCC call: a private-use character, in no dictionary
# Literal "\n" sequences appear in scraped JSON text (e.g. news bodies); treat them as line breaks.
_ESCAPED_NL = re.compile(r"\\[nr]")

# Full-width ASCII letters, digits and the symbols that never double as Chinese punctuation.
_FULLWIDTH = {0x3000: " "}
for _cp in range(0xFF10, 0xFF1A):  # ０-９
    _FULLWIDTH[_cp] = chr(_cp - 0xFEE0)
for _cp in range(0xFF21, 0xFF3B):  # Ａ-Ｚ
    _FULLWIDTH[_cp] = chr(_cp - 0xFEE0)
for _cp in range(0xFF41, 0xFF5B):  # ａ-ｚ
    _FULLWIDTH[_cp] = chr(_cp - 0xFEE0)
for _ch in "＃＄％＆＊＋－／＜＝＞＠＼＾＿｀｜～":
    _FULLWIDTH[ord(_ch)] = chr(ord(_ch) - 0xFEE0)


_HAS_FULLWIDTH = re.compile("[" + "".join(chr(c) for c in sorted(_FULLWIDTH)) + "]")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def html_to_text(text: str) -> str:
    """Plain text of an HTML fragment (scripts and styles dropped, block tags become line breaks)."""
    text = _DROP_BLOCKS.sub(" ", text)
    text = _COMMENTS.sub(" ", text)
    text = _BLOCK_TAGS.sub("\n", text)
    text = _TAGS.sub("", text)
    return html.unescape(text)


def to_halfwidth(text: str) -> str:
    """Full-width letters, digits, symbols and the ideographic space as their ASCII forms."""
    return text.translate(_FULLWIDTH)


def to_simplified(text: str) -> str:
    """Traditional characters as simplified ones (OpenCC t2s)."""
    return str(_t2s().convert(text))


def normalise(text: str | None) -> str:
    """One post's text, normalised for analysis (the stored original is left untouched)."""
    if not text:
        return ""
    text = to_simplified(_before_t2s(text))
    if _ODD_SPACES.search(text):
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = _NEWLINES.sub("\n", text)
    return text.strip()


def _before_t2s(text: str | None) -> str:
    """The steps of `normalise` that come before OpenCC."""
    if not text:
        return ""
    if "<" in text and _TAG_HINT.search(text):
        text = html_to_text(text)
    elif "&" in text:
        text = html.unescape(text)
    if "\\" in text:
        text = _ESCAPED_NL.sub("\n", text)
    if _HAS_FULLWIDTH.search(text):
        text = to_halfwidth(text)
    return text


def normalise_batch(texts: list[str | None]) -> list[str]:
    """`normalise` over a batch: the same results, with OpenCC and the whitespace steps run once over
    the whole batch joined by a separator (one call instead of one per text: half the time)."""
    if not texts:
        return []
    parts = [_before_t2s(t) for t in texts]
    joined = _SEP.join(parts)
    if joined.count(_SEP) != len(parts) - 1:  # a text holds the separator itself
        return [normalise(t) for t in texts]
    joined = to_simplified(joined)
    if _ODD_SPACES.search(joined):
        joined = _SPACES.sub(" ", joined)
    if "\n" in joined:
        joined = _NEWLINES.sub("\n", joined)
    out = [t.strip() for t in joined.split(_SEP)]
    if len(out) != len(texts):  # the converter changed a separator: do it one by one
        return [normalise(t) for t in texts]
    return out
