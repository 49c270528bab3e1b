"""Results kept until the store changes: the dashboard's aggregates, the filter menus.

Versions are only ever added, never changed or deleted one by one, so the highest version id and
the number of versions together change whenever anything is saved. A result is kept per database
and key beside that *generation* and recomputed when it differs; each server process keeps its own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jixiao.store.models import DeclarationVersion

T = TypeVar("T")
SIZE = 128

_results: OrderedDict[Hashable, tuple[tuple[Any, ...], Any]] = OrderedDict()
_lock = threading.Lock()


def generation(session: Session) -> tuple[Any, ...]:
    """What changes whenever anything is saved: the highest version id and the number of versions."""
    return tuple(session.execute(select(func.max(DeclarationVersion.id), func.count(DeclarationVersion.id)))
                 .one())


def cached(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, or what it gave for ``key`` on this database since the store last changed."""
    full_key = (session.get_bind().url.render_as_string(hide_password=True), key)
    current = generation(session)
    with _lock:
        found = _results.get(full_key)
    if found is not None and found[0] == current:
        return found[1]  # type: ignore[no-any-return]
    value = compute()
    with _lock:
        _results[full_key] = (current, value)
        _results.move_to_end(full_key)
        while len(_results) > SIZE:
            _results.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _results.clear()
