from yuqing.analyse.pipeline import Pipeline, parse_time

POST = "章贡区水西镇某化工厂连续三天夜间排放刺鼻气体，附近居民反映头晕恶心，希望环保部门尽快查处"
CONTRACT = {"sentiment", "sentiment_score", "topics", "relevant", "places", "duplicate_of", "event_id"}


def test_contract_fields_and_passthrough(zhanggong):
    pipe = Pipeline(zhanggong)
    out = pipe.run([{"id": 7, "text": POST, "url": "http://x", "custom": {"a": 1}}])
    assert len(out) == 1
    r = out[0]
    assert set(r) >= CONTRACT
    assert r["custom"] == {"a": 1} and r["url"] == "http://x" and r["id"] == 7
    assert r["relevant"] is True and r["places"] == ["章贡区", "水西镇"]
    assert r["sentiment"] == "negative" and -1 <= r["sentiment_score"] < 0
    assert "environment" in r["topics"]
    assert r["duplicate_of"] is None and r["event_id"] == "ev-7"


def test_state_carries_across_batches(zhanggong):
    pipe = Pipeline(zhanggong)
    first = pipe.run([{"id": "a", "text": POST, "published_at": "2026-11-20T08:00:00+08:00"}])
    second = pipe.run(
        [
            {"id": "b", "text": "转发//@小王: " + POST, "published_at": "2026-11-20T09:00:00+08:00"},
            {
                "id": "c",
                "text": "水西镇化工厂排放刺鼻气体的事有后续吗？环保局来人了",
                "published_at": "2026-11-20T12:00",
            },
        ]
    )
    assert second[0]["duplicate_of"] == "a"
    assert second[0]["event_id"] == first[0]["event_id"] == second[1]["event_id"]
    events = pipe.drain_events()
    assert len(events) == 1 and events[0]["item_count"] == 3
    assert events[0]["item_ids"] == ["a", "b", "c"]
    assert pipe.drain_events() == []  # drained


def test_without_a_district_nothing_is_relevant():
    out = Pipeline(None).run([{"id": 1, "text": POST}])[0]
    assert out["relevant"] is False and out["places"] == [] and out["event_id"] is None
    assert out["sentiment"] in {"negative", "neutral", "positive"}


def test_title_and_html_are_read(zhanggong):
    out = Pipeline(zhanggong).run([{"id": 1, "title": "<b>章貢區</b>通報", "text": "<p>全文</p>"}])[0]
    assert out["relevant"] and out["places"] == ["章贡区"]


def test_merge_and_split_through_the_pipeline(zhanggong):
    pipe = Pipeline(zhanggong)
    out = pipe.run(
        [
            {"id": 1, "text": POST, "published_at": 1_780_000_000},
            {
                "id": 2,
                "text": "东外街道今天开通了两条新的公交线路，方便居民前往高铁站",
                "published_at": 1_780_000_100,
            },
        ]
    )
    a, b = out[0]["event_id"], out[1]["event_id"]
    assert a != b
    merged = pipe.merge(a, b)
    assert merged.item_count == 2 and b not in pipe.events.active
    kept, new = pipe.split(a, {2}, "ev-split")
    assert kept.item_count == 1 and new.item_count == 1 and "ev-split" in pipe.events.active


def test_parse_time():
    assert parse_time("2026-11-20T08:00:00+08:00") == parse_time("2026-11-20 08:00:00")  # naive = China time
    assert parse_time(1_780_000_000_000) == 1_780_000_000.0  # milliseconds
    assert parse_time("not a date") is None and parse_time(None) is None
