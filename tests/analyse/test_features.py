import subprocess
import sys

import numpy as np

from yuqing.analyse.features import Rows, ngram_ids, sparse_row, vocabulary_row, word_ids


def test_word_ids_are_stable_across_processes_and_in_range():
    words = ["农民工", "工资", "拖欠"]
    here = word_ids(words, 18).tolist()
    code = "from yuqing.analyse.features import word_ids; print(word_ids(['农民工', '工资', '拖欠'], 18).tolist())"
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert str(here) == there.strip()
    assert len(here) == 3 + 2  # unigrams and bigrams
    assert all(0 <= i < 2**18 for i in here)


def test_word_order_matters_for_bigrams_only():
    a, b = word_ids(["拖欠", "工资"], 20), word_ids(["工资", "拖欠"], 20)
    assert sorted(a[:2].tolist()) == sorted(b[:2].tolist())  # the same unigrams
    assert a[2] != b[2]  # another bigram
    assert word_ids([], 18).size == 0
    assert word_ids(["一"], 18, (1, 2)).size == 1


def test_words_and_character_ngrams_hash_apart():
    # the word 工资 and the character bigram 工资 are different features
    assert not set(word_ids(["工资"], 20, (1,)).tolist()) & set(ngram_ids("工资", 20, (2,)).tolist())


def test_vocabulary_row_ignores_unseen_ids_is_unit_length_and_uses_idf():
    keys = np.array([3, 5, 7], dtype=np.int64)
    ids = np.array([3, 3, 5, 7, 9, 1], dtype=np.int64)  # 9 and 1 were never seen
    cols, vals = vocabulary_row(keys, np.ones(3, dtype=np.float32), ids)
    assert cols.tolist() == [0, 1, 2] and np.isclose(float((vals**2).sum()), 1.0)
    assert vals[0] > vals[1] == vals[2]  # sublinear tf: 1 + log 2 against 1
    _, weighted = vocabulary_row(keys, np.array([1.0, 4.0, 1.0], dtype=np.float32), ids)
    assert weighted[1] > weighted[0]
    cols, vals = vocabulary_row(keys, np.ones(3, dtype=np.float32), np.array([8, 9], dtype=np.int64))
    assert cols.size == 0 and vals.size == 0


def test_batch_rows_are_each_texts_sparse_row_and_coarser_rows_its_fewer_buckets():
    texts = ["小区污水横流臭气熏天", "", "a", "ab", "你好\n世界", "停水停水停水", "😡😡 太过分了！！"]
    rows = Rows.of(texts, 18)
    vals = rows.values()
    coarse = rows.coarser(16)
    coarse_vals = coarse.values()
    for k, text in enumerate(texts):
        ids, want = sparse_row(text, 18, (1, 2, 3))
        mine = rows.doc == k
        assert rows.ids[mine].tolist() == ids.tolist()
        assert np.allclose(vals[mine], want, atol=1e-6)
        ids16, want16 = sparse_row(text, 16, (1, 2, 3))
        mine = coarse.doc == k
        assert coarse.ids[mine].tolist() == ids16.tolist()
        assert np.allclose(coarse_vals[mine], want16, atol=1e-6)
    weights = np.random.default_rng(0).standard_normal((2**18, 3)).astype(np.float32)
    bias = np.array([1.0, 0.0, -1.0], dtype=np.float32)
    got = rows.dot(weights, bias)
    for k, text in enumerate(texts):
        ids, want = sparse_row(text, 18, (1, 2, 3))
        assert np.allclose(got[k], want @ weights[ids] + bias, atol=1e-5)
    assert Rows.of([], 18).dot(weights, bias).shape == (0, 3)
