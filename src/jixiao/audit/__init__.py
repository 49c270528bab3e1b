"""The tamper-evident audit log (安全审计, 等保2.0 三级): who did what, when, from where, to what, with
what outcome; an entry cannot be changed, removed or moved without :func:`verify` saying which.

::

    audit_entry   id 1, 2, 3 … (no gaps) · at · actor · user_id · address · action · object · outcome
                  · details (JSON: before, after …) · prev_hash · hash
    audit_anchor  one row: entry_count, last_hash

Design:

- **A hash chain.** ``hash`` = SHA-256 of the canonical JSON (keys sorted, no spaces) of every other
  field, ``id`` and ``prev_hash`` included; ``prev_hash`` is the previous entry's ``hash``, the first
  entry's is :data:`GENESIS`. Changing an entry breaks its hash; removing one leaves a gap in the ids
  and a broken link; moving one puts it where its id and ``prev_hash`` do not fit.
- **An anchor.** The chain alone cannot tell that entries were cut off its end: ``audit_anchor``
  holds the count and the last hash, moved on by every :func:`record` in the same transaction.
- **Inside the caller's transaction.** :func:`record` writes the entry and moves the anchor with the
  change it records: both commit or neither does. Ids are the anchor's count + 1, not a sequence
  (a sequence leaves gaps on rollback, which would look like removed entries).
- **One chain under concurrency.** The head is read under a lock held until the transaction ends:
  ``pg_advisory_xact_lock`` on PostgreSQL, and on both databases the anchor row is read by a no-op
  ``UPDATE … RETURNING``, which on SQLite takes the database's write lock before it reads. Two
  appends that raced anyway would collide on the primary key, never fork.
- **Append-only in the database.** Migration 0005 adds triggers that refuse UPDATE and DELETE of
  entries (and TRUNCATE on PostgreSQL) and DELETE of the anchor: a bug or an injected statement
  cannot change the log; only someone who can drop triggers can, and the chain shows it.
- **Verification in batches** by id (:func:`verify`), without a lock and in flat memory;
  :func:`export` writes CSV or JSON Lines with the hashes, and :func:`verify_export` checks a JSON
  Lines copy offline. A :class:`Checkpoint` (``N:HASH``) kept outside the database exposes even a
  rewrite of the whole chain and anchor by a database superuser.

Modules: :mod:`~jixiao.audit.log` (tables, action codes, hashing, :func:`record`),
:mod:`~jixiao.audit.reading` (:func:`entries`, :func:`export`), :mod:`~jixiao.audit.checking`
(:func:`verify`, :func:`verify_export`), :mod:`~jixiao.audit.commands` (``jixiao audit``).
See docs/audit.md.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jixiao.audit.checking import Checkpoint, Problem, VerifyResult, verify, verify_export
    from jixiao.audit.log import (
        ACTIONS,
        GENESIS,
        OUTCOMES,
        Action,
        AuditAnchor,
        AuditEntry,
        AuditError,
        canonical_json,
        entry_hash,
        record,
    )
    from jixiao.audit.reading import FORMATS, count_entries, entries, export

# Imported when first used, so that ``jixiao`` commands that never touch the database (``jixiao
# parse``) do not load SQLAlchemy for ``jixiao audit``'s sake.
_MODULES = {
    "log": ["ACTIONS", "GENESIS", "OUTCOMES", "Action", "AuditAnchor", "AuditEntry", "AuditError",
            "canonical_json", "entry_hash", "record"],
    "reading": ["FORMATS", "count_entries", "entries", "export"],
    "checking": ["Checkpoint", "Problem", "VerifyResult", "verify", "verify_export"],
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'jixiao.audit' has no attribute {name!r}")
    return getattr(import_module(f"jixiao.audit.{module}"), name)


__all__ = [
    "ACTIONS",
    "FORMATS",
    "GENESIS",
    "OUTCOMES",
    "Action",
    "AuditAnchor",
    "AuditEntry",
    "AuditError",
    "Checkpoint",
    "Problem",
    "VerifyResult",
    "canonical_json",
    "count_entries",
    "entries",
    "entry_hash",
    "export",
    "record",
    "verify",
    "verify_export",
]
