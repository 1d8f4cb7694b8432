import json
from importlib import resources

import numpy as np
import pytest

from yuqing.analyse.sentiment import LABELS, SentimentModel, default_model


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return default_model()


def test_artifact_is_plain_arrays_and_small():
    base = resources.files("yuqing.analyse").joinpath("models")
    with np.load(base.joinpath("sentiment.npz"), allow_pickle=False) as data:  # no unpickling
        assert set(data.files) == {"weights", "bias"}
        assert data["weights"].shape[1] == 3
    meta = json.loads(base.joinpath("sentiment.json").read_text(encoding="utf-8"))
    assert "test" in meta["never_used"]
    assert base.joinpath("sentiment.npz").stat().st_size < 5_000_000


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
