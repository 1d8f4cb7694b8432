from yuqing.analyse.normalise import normalise


def test_html_becomes_text_without_scripts():
    html = "<div><p>章贡区&nbsp;水西镇</p><script>alert(1)</script><p>路面&amp;积水</p></div>"
    assert normalise(html) == "章贡区 水西镇\n路面&积水"


def test_traditional_to_simplified_and_fullwidth_to_halfwidth():
    assert normalise("贛州市章貢區的醫院　ＡＢＣ１２３") == "赣州市章贡区的医院 ABC123"


def test_chinese_punctuation_and_emoji_are_kept():
    assert normalise("太过分了！！😡[怒]，谁管管？") == "太过分了！！😡[怒]，谁管管？"


def test_whitespace_collapses_and_escaped_newlines_break_lines():
    assert normalise("  第一段\\n\\n  第二段\t\t结束  ") == "第一段\n第二段 结束"


def test_empty():
    assert normalise(None) == ""
    assert normalise("   ") == ""


def test_batch_is_the_same_as_one_by_one():
    from yuqing.analyse.normalise import normalise_batch

    texts = [
        "<div><p>章贡区&nbsp;水西镇</p><script>alert(1)</script><p>路面&amp;积水</p></div>",
        "贛州市章貢區的醫院　ＡＢＣ１２３",
        None,
        "",
        "  第一段\\n\\n  第二段\t\t结束  ",
        "太过分了！！😡[怒]，谁管管？",
        "a \u3000 b\u00a0c  d",
        " \n 乾燥的頭髮 \n ",
        "含分隔符\ue000的文本",
    ]
    assert normalise_batch(texts) == [normalise(t) for t in texts]
    assert normalise_batch(texts[:-1]) == [normalise(t) for t in texts[:-1]]
    assert normalise_batch([]) == []
