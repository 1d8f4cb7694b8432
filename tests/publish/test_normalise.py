"""Signed and live text compare equal when only invisible differences separate them."""

from __future__ import annotations

from yuqing.publish.normalise import content_sha256, normalise, pieces, same_text

SIGNED = "区政府召开常务会议，研究部署冬季供暖工作。会议要求：确保１２月１日前全部供热！"


def test_whitespace_width_and_punctuation_variants_do_not_count():
    live = "区政府召开常务会议,研究部署冬季供暖工作.\n\n  会议要求:确保12月1日前全部供热!"
    assert same_text(SIGNED, live)
    assert content_sha256(SIGNED) == content_sha256(live)
    assert same_text("“供暖”——民生工程……", '"供暖"-民生工程...')


def test_a_changed_word_or_figure_counts():
    assert not same_text(SIGNED, SIGNED.replace("１２月１日", "12月15日"))
    assert not same_text(SIGNED, SIGNED.replace("全部", "部分"))
    assert normalise(None) == "" and len(content_sha256("")) == 64


def test_pieces_cut_at_sentence_ends_and_line_breaks():
    assert pieces("第一句。第二句！\n\n第三段") == ["第一句。", "第二句！", "第三段"]
