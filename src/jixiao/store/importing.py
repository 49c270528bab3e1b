"""Importing files into the store: each file is one transaction.

A file with any form that cannot be read is not stored at all and is reported as failed, with the
reader's message naming the file and line; the other files are stored all the same.

Reading, reviewing and serialising a file's forms (:func:`jixiao.store.prepared.prepare`) is
pure work; with several files it runs in worker processes (``jobs``, default: one per core) while
this process writes the files already prepared, in the order given.

``on_saved(session, file_import)``, when given, runs in each file's transaction after its declarations
are saved; a :class:`~jixiao.errors.JixiaoError` it raises rolls the file back and fails it with that
message. ``on_failed(session, file_import)`` runs in a transaction of its own after a file failed.
:class:`StatusHook` gives both for ``jixiao import --status``: the file's statuses (the edit lock of
:mod:`jixiao.workflow`) and its entry in the audit log.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from jixiao.errors import JixiaoError, UsageError
from jixiao.readers import read_document
from jixiao.roles import SYSTEM, Actor
from jixiao.store.models import Declaration
from jixiao.store.prepared import Prepared, prepare
from jixiao.store.repository import Saved, save_prepared


@dataclass
class FileImport:
    """One file: what became of each of its declarations, or why the file failed (nothing stored)."""

    file: str
    saved: list[Saved] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)  # the reader's guesses (the file was stored)

    @property
    def status(self) -> str:
        """``read``, ``warnings`` (read, with guesses to check) or ``failed`` (nothing stored)."""
        return "failed" if self.error is not None else "warnings" if self.warnings else "read"

    def count(self, outcome: str) -> int:
        return sum(s.outcome == outcome for s in self.saved)


@dataclass
class ImportSummary:
    """Each file's outcome, and the totals: declarations new, updated, unchanged; files failed."""

    files: list[FileImport] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(f.count("new") for f in self.files)

    @property
    def updated(self) -> int:
        return sum(f.count("updated") for f in self.files)

    @property
    def unchanged(self) -> int:
        return sum(f.count("unchanged") for f in self.files)

    @property
    def failed(self) -> list[tuple[str, str]]:
        """(file, why) of each file that failed, nothing of it stored."""
        return [(f.file, f.error) for f in self.files if f.error is not None]

    def line(self) -> str:
        return f"新增 {self.new}, 更新 {self.updated}, 未变 {self.unchanged}, 失败 {len(self.failed)}"


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Reading, reviewing and writing a file allocate some 10^5 objects that refcounting frees (no
    cycles): the cyclic collector's passes over them cost about a tenth of the time and free nothing,
    so it is held off for the file (it runs again, and catches up, at the next allocations after)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def prepare_file(name: str, data: bytes | None = None) -> list[Prepared] | str:
    """The prepared declarations of one file, or the message saying why it cannot be imported."""
    with _no_cycle_collection():
        doc = read_document(name, data)
        if doc.errors:
            return str(doc.errors[0]) if len(doc.errors) == 1 else "; ".join(e.message for e in doc.errors)
        try:
            return [prepare(decl, name) for decl in doc.declarations]
        except JixiaoError as err:
            return str(err)


#: ``on_saved`` and ``on_failed`` (see the module docstring).
OnSaved = Callable[[Session, FileImport], None]


def import_files(paths: Iterable[str | Path], session_factory: sessionmaker[Session],
                 progress: Callable[[str], None] | None = None, jobs: int | None = None, *,
                 on_saved: OnSaved | None = None, on_failed: OnSaved | None = None) -> ImportSummary:
    """Read and store each file of ``paths`` in its own transaction; ``progress(file)`` after each.

    ``jobs``: worker processes that read and review (default: one per core; 1 reads here).
    ``on_saved``, ``on_failed``: see the module docstring.
    """
    names = [str(p) for p in paths]
    jobs = min(jobs or os.cpu_count() or 1, len(names))
    if jobs <= 1:
        return _store(((name, prepare_file(name)) for name in names), session_factory, progress, on_saved,
                      on_failed)
    with ProcessPoolExecutor(jobs) as pool:
        return _store(zip(names, pool.map(prepare_file, names), strict=True), session_factory, progress,
                      on_saved, on_failed)


def import_uploads(files: Iterable[tuple[str, bytes]], session_factory: sessionmaker[Session],
                   progress: Callable[[str], None] | None = None, *,
                   on_saved: OnSaved | None = None, on_failed: OnSaved | None = None) -> ImportSummary:
    """Like :func:`import_files` for files already in memory: ``(file name, content)`` pairs."""
    return _store(((name, prepare_file(name, data)) for name, data in files), session_factory, progress,
                  on_saved, on_failed)


def _store(prepared: Iterator[tuple[str, list[Prepared] | str]], session_factory: sessionmaker[Session],
           progress: Callable[[str], None] | None, on_saved: OnSaved | None = None,
           on_failed: OnSaved | None = None) -> ImportSummary:
    summary = ImportSummary()
    for name, items in prepared:
        result = FileImport(name)
        if isinstance(items, str):
            result.error = items
        else:
            try:
                with _no_cycle_collection(), session_factory() as session, session.begin():
                    result.saved = save_prepared(session, items)
                    result.warnings = [w for item in items for w in item.warnings]
                    if on_saved is not None:
                        on_saved(session, result)
            except (IntegrityError, DataError) as err:
                result.saved, result.warnings = [], []
                result.error = f"{name}: the database refused it: {err.orig}"
            except JixiaoError as err:  # refused by on_saved: nothing of the file is stored
                result.saved, result.warnings, result.error = [], [], f"{name}: {err}"
        if result.error is not None and on_failed is not None:
            with session_factory() as session, session.begin():
                on_failed(session, result)
        summary.files.append(result)
        if progress is not None:
            progress(name)
    return summary


IMPORT_STATUSES = ("draft", "published")
_CHUNK = 5000  # declaration ids per statement


@dataclass
class StatusHook:
    """What ``jixiao import --status STATUS`` does in each file's transaction (an :data:`OnSaved`).

    - ``draft`` (the default): new declarations are drafts (草稿) and the others keep their status.
      A file bringing a new version of a declaration that is locked (submitted, approved or published:
      see :func:`jixiao.workflow.is_locked`) is refused whole with :class:`jixiao.workflow.Locked`
      naming it: the version reviewers approved, or the public reads, is never replaced unseen.
    - ``published``: every declaration of the file is published (已公开), a new version of a locked
      one included, with :func:`jixiao.workflow.set_status` (a transition ``import`` for each one whose
      status changes).

    Either way the file is recorded in the audit log as ``declaration.import`` by ``actor`` (default
    :data:`~jixiao.roles.SYSTEM`): file, counts, status; a file that fails by :meth:`failed` (pass it
    as ``on_failed``), with outcome ``failed`` and the error. ``changed`` adds up the statuses changed.
    """

    status: str = "draft"
    actor: Actor = SYSTEM
    changed: int = 0

    def __post_init__(self) -> None:
        if self.status not in IMPORT_STATUSES:
            raise UsageError(f"unknown import status {self.status!r}; one of: {', '.join(IMPORT_STATUSES)}")

    def __call__(self, session: Session, result: FileImport) -> None:
        from jixiao.audit import record
        from jixiao.workflow import set_status

        changed = 0
        if self.status == "published":
            changed = set_status(session, [s.id for s in result.saved], "published", self.actor,
                                 comment=f"导入 {result.file}")
        else:
            _refuse_locked(session, [s.id for s in result.saved if s.outcome == "updated"])
        record(session, self.actor, "declaration.import", object_type="file", object_id=result.file,
               details={"file": result.file, "new": result.count("new"), "updated": result.count("updated"),
                        "unchanged": result.count("unchanged"), "status": self.status,
                        "status_changed": changed})
        self.changed += changed

    def failed(self, session: Session, result: FileImport) -> None:
        """The ``declaration.import`` entry of a file that failed: outcome ``failed``, the error."""
        from jixiao.audit import record

        record(session, self.actor, "declaration.import", object_type="file", object_id=result.file,
               outcome="failed", details={"file": result.file, "error": result.error, "status": self.status})


def _refuse_locked(session: Session, updated: list[int]) -> None:
    """:class:`~jixiao.workflow.Locked` if any of the declarations given new versions is locked."""
    from jixiao.workflow import EDITABLE, Locked, status_title

    editable = sorted(s.value for s in EDITABLE)
    for start in range(0, len(updated), _CHUNK):
        locked = session.execute(
            select(Declaration.id, Declaration.name, Declaration.status)
            .where(Declaration.id.in_(updated[start:start + _CHUNK]), Declaration.status.not_in(editable))
            .order_by(Declaration.id)).all()
        if locked:
            ident, name, status = locked[0]
            subject = f"项目「{name}」（编号 {ident}）" if name else f"项目（编号 {ident}）"
            more = f"等 {len(locked)} 个项目" if len(locked) > 1 else ""
            raise Locked(f"{subject}{more}当前为「{status_title(status)}」，已锁定：本文件带来的新版本未导入"
                         f"（整个文件未导入）；须退回后再导入，或用 --status published 导入并直接公开",
                         declaration_id=ident, status=status)
