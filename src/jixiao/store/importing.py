"""Importing files into the store: each file is one transaction.

A file with any form that cannot be read is not stored at all and is reported as failed, with the
reader's message naming the file and line; the other files are stored all the same.

Reading, reviewing and serialising a file's forms (:func:`jixiao.store.prepared.prepare`) is
pure work; with several files it runs in worker processes (``jobs``, default: one per core) while
this process writes the files already prepared, in the order given.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from jixiao.errors import JixiaoError
from jixiao.readers import read_document
from jixiao.store.prepared import Prepared, prepare
from jixiao.store.repository import Saved, save_prepared


@dataclass
class FileImport:
    """One file: what became of each of its declarations, or why the file failed (nothing stored)."""

    file: str
    saved: list[Saved] = field(default_factory=list)
    error: str | None = None

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


def import_files(paths: Iterable[str | Path], session_factory: sessionmaker[Session],
                 progress: Callable[[str], None] | None = None, jobs: int | None = None) -> ImportSummary:
    """Read and store each file of ``paths`` in its own transaction; ``progress(file)`` after each.

    ``jobs``: worker processes that read and review (default: one per core; 1 reads here).
    """
    names = [str(p) for p in paths]
    jobs = min(jobs or os.cpu_count() or 1, len(names))
    if jobs <= 1:
        return _store(((name, prepare_file(name)) for name in names), session_factory, progress)
    with ProcessPoolExecutor(jobs) as pool:
        return _store(zip(names, pool.map(prepare_file, names), strict=True), session_factory, progress)


def import_uploads(files: Iterable[tuple[str, bytes]], session_factory: sessionmaker[Session],
                   progress: Callable[[str], None] | None = None) -> ImportSummary:
    """Like :func:`import_files` for files already in memory: ``(file name, content)`` pairs."""
    return _store(((name, prepare_file(name, data)) for name, data in files), session_factory, progress)


def _store(prepared: Iterator[tuple[str, list[Prepared] | str]], session_factory: sessionmaker[Session],
           progress: Callable[[str], None] | None) -> ImportSummary:
    summary = ImportSummary()
    for name, items in prepared:
        result = FileImport(name)
        if isinstance(items, str):
            result.error = items
        else:
            try:
                with _no_cycle_collection(), session_factory() as session, session.begin():
                    result.saved = save_prepared(session, items)
            except (IntegrityError, DataError) as err:
                result.error = f"{name}: the database refused it: {err.orig}"
        summary.files.append(result)
        if progress is not None:
            progress(name)
    return summary
