import json
from importlib import resources

import numpy as np
import pytest

from yuqing.analyse.sentiment import (
    LABELS,
    PostsModel,
    SentimentModel,
    _artifact,
    default_model,
    headline,
    is_post,
)


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return default_model()


def test_artifact_is_plain_arrays_and_small():
    base = resources.files("yuqing.analyse").joinpath("models")
    with np.load(base.joinpath("sentiment.npz"), allow_pickle=False) as data:  # no unpickling
        assert {"title_weights", "body_weights", "meta_weights", "title_idf", "body_idf"} <= set(data.files)
        assert data["title_weights"].shape[1] == data["body_weights"].shape[1] == 3
        assert data["meta_weights"].shape == (6, 3)
    meta = json.loads(base.joinpath("sentiment.json").read_text(encoding="utf-8"))
    assert "test" in meta["never_used"]
    assert base.joinpath("sentiment.npz").stat().st_size < 16_000_000
    assert base.joinpath("sentiment_posts.npz").stat().st_size < 5_000_000


@pytest.mark.parametrize(
    "text, label",
    [
        ("小区污水横流臭气熏天，投诉了三个月没人管，太气人了", "negative"),
        ("这家医院的医生护士态度非常好，耐心细致，真心感谢", "positive"),
    ],
)
def test_clear_cases(model, text, label):
    got = model.predict(text)
    assert got.label == label
    assert -1.0 <= got.score <= 1.0
    assert (got.score < 0) == (label == "negative")


def test_empty_text_is_neutral(model):
    got = model.predict("")
    assert got.label == "neutral" and got.score == 0.0


def test_batch_matches_single(model):
    texts = ["服务太差了", "非常满意"]
    assert [s.label for s in model.predict_batch(texts)] == [model.predict(t).label for t in texts]
    assert all(s.label in LABELS for s in model.predict_batch(texts))


def test_a_post_without_title_is_headed_by_its_first_sentence():
    assert headline("西关路塌了个大坑。车胎都扎破了") == "西关路塌了个大坑"
    assert headline("正文。", "标题") == "标题"
    assert headline("没有句号的一段话") == "没有句号的一段话"
    assert len(headline("长" * 200)) == 60


def test_the_title_counts(model):
    body = "记者今天从区里获悉，相关情况如下。"
    good = model.logits(model.prepare(body, "示例区获评全国文明城区，群众点赞"))
    bad = model.logits(model.prepare(body, "示例区一工地发生坍塌事故，三人受伤"))
    assert good[0] - good[2] > bad[0] - bad[2]


def test_posts_and_articles_are_read_by_their_own_model(model):
    post = "小区污水横流臭气熏天，投诉了三个月没人管"
    assert is_post(post) and is_post(post, "小区污水横流臭气…")  # a board's title is the post's opening
    assert not is_post(post, "示例区一小区污水问题调查") and not is_post("长" * 300)
    assert model.posts is not None
    assert model.predict(post) == model.posts.predict(post)
    article = model.predict(post, "示例区一小区污水问题调查")
    z = model.logits(model.prepare(post, "示例区一小区污水问题调查"))
    assert article.label == LABELS[int((z + model.offsets).argmax())]


@pytest.mark.parametrize(
    "text, label",
    [
        # A reported problem is negative however calmly put (bench/data/sentiment_posts.md).
        ("您好，我们小区3号楼电梯从上周五开始停用，至今没有维修，楼里有好几位老人上下楼很困难。", "negative"),
        ("包工头跑了，欠薪85万，工友们过年回家的路费都没有，怎么办？", "negative"),
        ("感谢城管局和街道的同志们，小区门口的下水道已经修好了。", "positive"),
        ("为消防救援大队点赞，辛苦了！", "positive"),
        ("【停水通知】因管网改造，幸福里一带将于6月12日8:00至18:00停止供水，请居民提前储水。", "neutral"),
        ("请问社保卡在哪里补办？需要带什么材料？", "neutral"),
    ],
)
def test_district_posts(model, text, label):
    assert model.predict(text).label == label


def test_posts_model_has_a_district_layer_and_refuses_other_cues():
    arrays, meta = _artifact(None, "sentiment_posts")
    assert {"district_dense", "district_ngrams", "district_bias"} <= set(arrays)
    assert "holdout" in meta["district"]["never_used"]
    assert PostsModel(arrays, meta).district is not None
    meta["district"]["cues"] = meta["district"]["cues"][:-1]
    with pytest.raises(ValueError, match="cue"):
        PostsModel(arrays, meta)


def test_posts_model_without_the_district_layer_reads_with_the_base():
    arrays, meta = _artifact(None, "sentiment_posts")
    base = PostsModel({"weights": arrays["weights"], "bias": arrays["bias"]}, meta)
    assert base.district is None
    text = "服务很好，非常满意"
    assert base.predict(text).label == LABELS[int((base.base_logits(text) + base.offsets).argmax())]


def test_posts_batch_reads_each_post_as_alone(model):
    posts = [
        "小区污水横流臭气熏天，投诉了三个月没人管",
        "",
        "。 ",
        "为消防救援大队点赞，辛苦了！",
        "请问社保卡在哪里补办？\n需要带什么材料？",
    ]
    assert model.posts is not None
    assert model.posts.predict_batch(posts) == [model.posts.predict(p) for p in posts]
    assert model.posts.predict_batch([]) == []
    mixed = model.predict_batch([*posts, "记者今天从区里获悉"], [*[""] * len(posts), "示例区获评全国文明城区"])
    assert mixed[:-1] == model.posts.predict_batch(posts)
    assert mixed[-1] == model.predict("记者今天从区里获悉", "示例区获评全国文明城区")
