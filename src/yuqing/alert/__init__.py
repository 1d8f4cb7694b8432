"""Alerts (R-ALERT): rules as data, channels at the edge, a sent-log that makes sending exactly once."""
