"""Decoding Chinese bytes right, and traditional → simplified with the original kept."""

from __future__ import annotations

from yuqing.collect.encoding import declared_charset, decode, header_charset, simplify, to_simplified

TEXT = "关于城区道路积水的情况反映，请尽快处理。镕（GBK 独有字）"


def test_gb2312_label_decodes_gbk_characters() -> None:
    body = f'<?xml version="1.0" encoding="gb2312"?><rss><title>{TEXT}</title></rss>'.encode("gbk")
    d = decode(body, None)
    assert TEXT in d.text and d.how == "declared" and d.charset == "gb18030"


def test_header_charset_wins_over_declaration() -> None:
    body = f'<meta charset="utf-8"><p>{TEXT}</p>'.encode("gbk")
    d = decode(body, "text/html; charset=GBK")
    assert TEXT in d.text and d.how == "header"


def test_latin1_header_loses_to_cjk_meta() -> None:
    body = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>{TEXT}'.encode(
        "gbk"
    )
    assert TEXT in decode(body, "text/html; charset=ISO-8859-1").text


def test_wrong_utf8_header_falls_back_to_detection() -> None:
    body = ("<p>" + TEXT * 5 + "</p>").encode("gb18030")
    d = decode(body, "text/html; charset=utf-8")
    assert TEXT in d.text and d.how in ("guessed", "declared")


def test_undeclared_gbk_is_detected() -> None:
    body = (
        "<html><body>" + "本区今日召开安全生产工作会议，部署汛期防汛抢险工作。" * 4 + "</body></html>"
    ).encode("gbk")
    d = decode(body)
    assert "安全生产工作会议" in d.text


def test_big5_decodes_and_simplifies_keeping_original() -> None:
    trad = "臺灣居民反映區內交通擁堵問題嚴重"
    body = f'<meta charset="big5"><p>{trad}</p>'.encode("big5")
    d = decode(body)
    assert trad in d.text
    simple, original = simplify(trad)
    assert simple == "台湾居民反映区内交通拥堵问题严重" and original == trad
    assert simplify("简体字不变") == ("简体字不变", None)
    assert to_simplified("abc") == "abc"


def test_bom_wins() -> None:
    assert decode("你好".encode("utf-16")).text == "你好"


def test_charset_helpers() -> None:
    assert header_charset("text/xml; charset='gb2312'") == "gb18030"
    assert header_charset("text/xml") is None
    assert declared_charset(b'<?xml version="1.0" encoding="big5"?>') == "big5hkscs"
    assert declared_charset(b'<?xml version="1.0" encoding="no-such-codec"?>') is None
