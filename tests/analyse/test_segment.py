from yuqing.analyse.segment import Segmenter


def test_user_words_stay_whole_and_do_not_leak():
    seg = Segmenter(["水西村"])
    assert "水西村" in seg.cut("水西镇的水西村发生了交通事故")
    other = Segmenter()
    assert "水西村" not in other.cut("水西镇的水西村发生了交通事故")


def test_keywords_drop_stopwords_and_single_characters():
    kws = Segmenter().keywords("我们的小区停车难，物业不作为，已经投诉了三次")
    assert "停车难" in kws or "停车" in kws
    assert "物业" in kws
    assert "我们" not in kws and "的" not in kws
