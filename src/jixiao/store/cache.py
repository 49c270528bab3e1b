"""Results kept until the store changes: the dashboard's aggregates, the filter menus.

Every transaction that saves anything raises ``store_state.generation`` by one
(:func:`jixiao.store.repository.save_prepared`). A result is kept per database and key beside the
generation it was computed at, and recomputed when that differs; each server process keeps its own.
Reading the generation is one row, whatever the size of the store, and is done once per session.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from jixiao.store.models import StoreState

T = TypeVar("T")
SIZE = 128

_results: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
_computing: dict[Hashable, threading.Lock] = {}
_lock = threading.Lock()


def generation(session: Session) -> int:
    """What changes whenever anything is saved (read once per session: a request sees one state)."""
    if "jixiao.generation" not in session.info:
        session.info["jixiao.generation"] = session.scalar(select(StoreState.generation)
                                                           .where(StoreState.id == 1))
    return session.info["jixiao.generation"]  # type: ignore[no-any-return]


def cached(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave for ``key`` on this database since the store last changed."""
    full_key = (session.get_bind().url.render_as_string(hide_password=True), key)
    current = generation(session)
    with _lock:
        found = _results.get(full_key)
        computing = _computing.setdefault(full_key, threading.Lock())
    if found is not None and found[0] == current:
        return found[1]  # type: ignore[no-any-return]
    with computing:  # one request computes; the others that need it meanwhile wait for its result
        with _lock:
            found = _results.get(full_key)
        if found is not None and found[0] == current:
            return found[1]  # type: ignore[no-any-return]
        value = compute()
        with _lock:
            _results[full_key] = (current, value)
            _results.move_to_end(full_key)
            while len(_results) > SIZE:
                _computing.pop(_results.popitem(last=False)[0], None)
    return value


def clear() -> None:
    with _lock:
        _results.clear()
        _computing.clear()
