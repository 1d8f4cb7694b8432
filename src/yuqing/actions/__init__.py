"""The one action layer (see `yuqing.actions.base` for how to write an action)."""

from yuqing.actions.base import Action, Tx, UnauditedChange, action

__all__ = ["Action", "Tx", "UnauditedChange", "action"]
