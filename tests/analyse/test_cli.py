import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from yuqing.analyse.cli import run_analyze

POST = "章贡区水西镇某化工厂夜间排放刺鼻气体，附近居民反映头晕恶心"


def run(profile, text, batch_size=500):
    out, err = io.StringIO(), io.StringIO()
    code = run_analyze(profile, io.StringIO(text), out, err, batch_size=batch_size)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_one_output_line_per_input_line_in_order(zhanggong):
    lines = [
        json.dumps({"id": i, "text": POST if i % 2 else "今天天气不错"}, ensure_ascii=False) for i in range(7)
    ]
    code, out, err = run(zhanggong, "\n".join(lines) + "\n", batch_size=3)
    assert code == 0 and err == ""
    assert [o["id"] for o in out] == list(range(7))
    assert [o["relevant"] for o in out] == [bool(i % 2) for i in range(7)]
    assert out[3]["duplicate_of"] == 1  # a copy of line 2's post, across batches


def test_malformed_lines_are_reported_and_the_others_kept(zhanggong):
    text = "\n".join(
        [
            json.dumps({"id": 1, "text": POST}, ensure_ascii=False),
            "{not json",
            json.dumps([1, 2]),
            json.dumps({"text": "no id"}),
            json.dumps({"id": 5, "text": 12}),
            json.dumps({"id": 6, "text": "好"}, ensure_ascii=False),
        ]
    )
    code, out, err = run(zhanggong, text)
    assert code == 1
    assert len(out) == 6
    assert [o.get("line") for o in out] == [None, 2, 3, 4, 5, None]
    assert out[0]["relevant"] and out[5]["id"] == 6
    assert "line 2:" in err and "line 4:" in err and "line 5:" in err
    assert "\r" not in err  # no progress bar when stderr is not a terminal


def test_without_workspace_it_still_analyses():
    code, out, _ = run(None, json.dumps({"id": "x", "text": POST}, ensure_ascii=False))
    assert code == 0 and out[0]["relevant"] is False and out[0]["sentiment"]


def test_yuqing_analyze_command(tmp_path: Path):
    exe = Path(sys.executable).with_name("yuqing")
    if not exe.exists():
        pytest.skip("the yuqing command is not installed")
    env = {**os.environ, "YUQING_WORKSPACE": str(tmp_path / "none")}
    lines = json.dumps({"id": 1, "text": POST}, ensure_ascii=False) + "\nbad\n"
    proc = subprocess.run(
        [str(exe), "analyze"], input=lines, capture_output=True, text=True, env=env, timeout=120
    )
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1
    assert (
        out[0]["id"] == 1 and out[0]["relevant"] is False and out[1] == {"line": 2, "error": out[1]["error"]}
    )
    assert "line 2" in proc.stderr
