"""Analysis (R-ANALYSE-1…6): plain stages over batches, composed by `pipeline.Pipeline`.

normalise → dedup (near-duplicates, reposts) → relevance (涉区) → sentiment → topics → events → heat.
No stage does I/O. Models are shipped as plain arrays in `models/` and trained by `scripts/`.
"""
