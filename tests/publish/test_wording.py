"""Wrong words: found in place, longer words win, allowed longer terms are not hits."""

from __future__ import annotations

from yuqing.publish.wording import DEFAULT_WORDS, WrongWord, check_word, find


def test_outdated_office_name_is_found_with_its_context() -> None:
    text = "本周，区工商局联合区公安消防大队开展检查。\n下一行"
    hits = find(text, DEFAULT_WORDS)
    assert [h.word for h in hits] == ["工商局", "公安消防"]
    assert hits[0].suggestion == "市场监督管理局" and hits[0].category_label == "过时称谓或机构名称"
    assert hits[0].snippet == "本周，区【工商局】联合区公安消防大队开展检查。"
    assert "下一行" not in hits[1].after


def test_longer_entry_wins_and_allowed_terms_are_skipped() -> None:
    words = [WrongWord("环境保护局", "生态环境局", "outdated", allowed=("生态环境保护局",)),
             WrongWord("保护局", "x", "outdated")]
    assert [h.word for h in find("区生态环境保护局", words[:1])] == []
    assert [h.word for h in find("区环境保护局", words)] == ["环境保护局"]
    assert [h.word for h in find("北朝鲜与南朝鲜", DEFAULT_WORDS)] == ["北朝鲜", "南朝鲜"]


def test_misspelt_formulations_and_limits() -> None:
    assert find("坚持不忘出心、牢记史命", DEFAULT_WORDS)[1].suggestion == "牢记使命"
    assert len(find("工商局" * 100, DEFAULT_WORDS, limit=5)) == 5
    assert find("", DEFAULT_WORDS) == []


def test_list_entries_are_checked() -> None:
    assert check_word("", "x", "outdated")
    assert check_word("错", "x", "outdated")
    assert check_word("工商局", "x", "nonsense")
    assert check_word("工商局", "工商局", "outdated")
    assert check_word("工商局", "市场监督管理局", "outdated") is None
    assert all(check_word(w.word, w.suggestion, w.category) is None for w in DEFAULT_WORDS)
