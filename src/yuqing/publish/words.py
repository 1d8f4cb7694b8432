"""The wrong-words list as workspace data (the wrong_words table), edited on /channels/words by the office.
While the table is empty the checks use the defaults of `publish.wording`; the first edit copies them in, so
the office edits one list and nothing changes silently."""

from __future__ import annotations

from sqlalchemy import select

from yuqing.actions import Tx, action
from yuqing.publish.wording import DEFAULT_WORDS, check_word
from yuqing.store.repositories.cases import NotFound
from yuqing.store.tables_publish import WrongWord


class WordError(ValueError):
    """A list entry that cannot be saved (the message, in Chinese, names the field)."""


def _seed_defaults(tx: Tx) -> None:
    if tx.session.execute(select(WrongWord.id).limit(1)).first() is None:
        for w in DEFAULT_WORDS:
            tx.session.add(WrongWord(word=w.word, suggestion=w.suggestion, kind=w.category, note=w.note,
                                     created_by_name="默认列表"))
        tx.session.flush()
        tx.audit("wrong_words.seed", "wrong_words", None, count=len(DEFAULT_WORDS))


@action("wrong_words.save", permission="channels.correct")
def save_word(tx: Tx, word: str, suggestion: str, kind: str, note: str = "") -> WrongWord:
    """Add an entry, or change the suggestion of an existing one (and switch it back on)."""
    word, suggestion = word.strip(), suggestion.strip()
    why = check_word(word, suggestion, kind)
    if why:
        raise WordError(why)
    _seed_defaults(tx)
    row = tx.session.execute(select(WrongWord).where(WrongWord.word == word)).scalar_one_or_none()
    before = None
    if row is None:
        row = WrongWord(word=word, suggestion=suggestion, kind=kind, note=note.strip(), created_by_name=tx.actor.name)
        tx.session.add(row)
    else:
        before = {"suggestion": row.suggestion, "kind": row.kind, "active": row.active}
        row.suggestion, row.kind, row.note, row.active = suggestion, kind, note.strip(), True
    tx.session.flush()
    tx.audit("wrong_words.save", "wrong_word", row.id, word=word, suggestion=suggestion, kind=kind, before=before)
    return row


@action("wrong_words.set_active", permission="channels.correct")
def set_active(tx: Tx, word: str, active: bool) -> WrongWord:
    """Switch an entry off (kept, not checked) or on again; a default entry is made concrete first."""
    _seed_defaults(tx)
    row = tx.session.execute(select(WrongWord).where(WrongWord.word == word.strip())).scalar_one_or_none()
    if row is None:
        raise NotFound(f"错敏词“{word}”不在列表中")
    row.active = active
    tx.audit("wrong_words.set_active", "wrong_word", row.id, word=row.word, active=active)
    return row


def listing(session: object) -> tuple[list[dict[str, object]], bool]:
    """The list as the page shows it, and whether it is still the defaults."""
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    rows = list(session.execute(select(WrongWord).order_by(WrongWord.kind, WrongWord.word)).scalars())
    if not rows:
        return [{"word": w.word, "suggestion": w.suggestion, "kind": w.category, "note": w.note, "active": True}
                for w in DEFAULT_WORDS], True
    return [{"word": r.word, "suggestion": r.suggestion, "kind": r.kind, "note": r.note, "active": r.active}
            for r in rows], False
