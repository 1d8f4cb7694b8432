import json

from yuqing.analyse.topics import OTHER, TOPIC_LABELS, TopicClassifier, TopicLexicon


def test_every_requirement_area_has_a_label_and_defaults():
    lex = TopicLexicon()
    assert set(lex.lexicon) | {OTHER} == set(TOPIC_LABELS)
    assert TOPIC_LABELS["labour"] == "劳动保障/欠薪"


def test_several_areas_most_hits_first():
    topics = TopicClassifier().classify("工地包工头拖欠农民工工资，讨薪的工人被保安打伤，派出所不出警")
    assert topics[0] == "labour"
    assert "public_security" in topics


def test_no_keyword_is_other_unless_the_fallback_knows():
    assert TopicClassifier(fallback=None).classify("今天天气不错") == [OTHER]


def test_workspace_lexicon_replaces_defaults(tmp_path):
    path = tmp_path / "topics.json"
    path.write_text(json.dumps({"traffic": ["共享单车"]}, ensure_ascii=False), encoding="utf-8")
    lex = TopicLexicon.load(path)
    clf = TopicClassifier(lex)
    assert clf.classify("共享单车乱停乱放") == ["traffic"]
    assert clf.classify("堵车") == [OTHER]  # the defaults are gone
    lex.save(tmp_path / "copy.json")
    assert TopicLexicon.load(tmp_path / "copy.json").lexicon == lex.lexicon


def test_learned_fallback_reads_context_when_no_keyword_matches():
    from yuqing.analyse.topics import default_fallback

    fallback = default_fallback()
    assert fallback is not None
    assert set(fallback.topics) <= set(TOPIC_LABELS)
    text = "孩子们的期末成绩单发下来了，家长会定在周五"
    assert TopicLexicon().classify(text) == []
    assert TopicClassifier(fallback=fallback).classify(text) == ["education"]
    assert TopicClassifier(fallback=fallback).classify("今天天气不错") == [OTHER]


def test_a_batch_is_classified_as_each_text_alone():
    from yuqing.analyse.topics import default_fallback

    clf = TopicClassifier(fallback=default_fallback())
    texts = ["孩子们的期末成绩单发下来了，家长会定在周五", "今天天气不错", "", "小区垃圾堆了一周没人清运", "。"]
    assert clf.classify_batch(texts) == [clf.classify(t) for t in texts]
    assert clf.classify_batch([]) == []
