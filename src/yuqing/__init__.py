"""Yuqing (舆情): listen, route, answer in the open, measure."""

__version__ = "0.1.0"
