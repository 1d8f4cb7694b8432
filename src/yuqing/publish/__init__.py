"""Governing the district's own websites and new-media accounts (R-PUBLISH-1…4): the registry and
admission (registry, admission), sign-off and the live consistency check (signoff), statement filing
(filings). Tables: store/tables_publish.py."""
