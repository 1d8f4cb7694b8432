"""`yuqing [--workspace DIR] analyze < in.jsonl > out.jsonl`: analyse a JSONL stream.

Input lines: {"id", "text", optional "title", "url", "source", "published_at", "reposts",
"comments", "likes"}; extra keys pass through. Output: one line per input line, in input order,
with the analysis fields added (see `yuqing.analyse.pipeline`). Lines are read and written in
batches, so memory stays flat however long the input is.

A malformed line (not JSON, not an object, no "id", "text" not a string) still gets its output
line, `{"line": N, "error": "..."}`, so output line N always answers input line N; the same
message goes to stderr and the exit code is 1. Blank lines are skipped. A progress counter goes
to stderr only when stderr is a terminal.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from yuqing.analyse.pipeline import Pipeline
from yuqing.domain.profile import DistrictProfile


def _validate(line: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} (column {exc.colno})"
    if not isinstance(item, dict):
        return None, "not a JSON object"
    if item.get("id") is None or isinstance(item["id"], dict | list):
        return None, 'missing "id" (a string or number)'
    if not isinstance(item.get("text", ""), str) or not isinstance(item.get("title", ""), str | type(None)):
        return None, '"text" and "title" must be strings'
    if "text" not in item and not item.get("title"):
        return None, 'missing "text"'
    return item, None


def run_analyze(
    profile: DistrictProfile | None,
    infile: TextIO,
    outfile: TextIO,
    errfile: TextIO,
    batch_size: int = 500,
    pipeline: Pipeline | None = None,
) -> int:
    """Analyse JSONL from `infile` to `outfile`; 0 when every line was good, else 1."""
    pipe = pipeline or Pipeline(profile)
    progress = bool(getattr(errfile, "isatty", lambda: False)())
    bad = 0
    done = 0
    # Each slot is either an item to analyse or an error line, kept in input order.
    slots: list[tuple[int, dict[str, Any] | None, str | None]] = []

    def flush() -> None:
        nonlocal done
        items = [item for _, item, _ in slots if item is not None]
        results = iter(pipe.run(items)) if items else iter(())
        for line_no, item, error in slots:
            if item is None:
                outfile.write(json.dumps({"line": line_no, "error": error}, ensure_ascii=False) + "\n")
            else:
                outfile.write(json.dumps(next(results), ensure_ascii=False, default=str) + "\n")
        outfile.flush()
        done += len(slots)
        slots.clear()
        if progress:
            errfile.write(f"\ranalysed {done:,} lines ({bad:,} malformed)")
            errfile.flush()

    for line_no, line in enumerate(infile, start=1):
        if not line.strip():
            continue
        item, error = _validate(line)
        if error is not None:
            bad += 1
            errfile.write(f"line {line_no}: {error}\n")
        slots.append((line_no, item, error))
        if len(slots) >= batch_size:
            flush()
    if slots:
        flush()
    if progress:
        errfile.write("\n")
    return 1 if bad else 0
