"""Importing files into the store: each file is one transaction.

A file with any form that cannot be read is not stored at all and is reported as failed, with the
reader's message naming the file and line; the other files are stored all the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from jixiao.errors import JixiaoError
from jixiao.readers import read_document
from jixiao.store.repository import save_declaration


@dataclass
class ImportSummary:
    """Declarations new, updated (a new version) and unchanged; files that failed, with why."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def line(self) -> str:
        return f"新增 {self.new}, 更新 {self.updated}, 未变 {self.unchanged}, 失败 {len(self.failed)}"


def import_files(paths: Iterable[str | Path], session_factory: sessionmaker[Session],
                 progress: Callable[[str], None] | None = None) -> ImportSummary:
    """Read and store each file of ``paths`` in its own transaction; ``progress(file)`` after each."""
    return _import(((str(p), None) for p in paths), session_factory, progress)


def import_uploads(files: Iterable[tuple[str, bytes]], session_factory: sessionmaker[Session],
                   progress: Callable[[str], None] | None = None) -> ImportSummary:
    """Like :func:`import_files` for files already in memory: ``(file name, content)`` pairs."""
    return _import(files, session_factory, progress)


def _import(files: Iterable[tuple[str, bytes | None]], session_factory: sessionmaker[Session],
            progress: Callable[[str], None] | None) -> ImportSummary:
    summary = ImportSummary()
    for name, data in files:
        try:
            counts = _import_one(name, data, session_factory)
        except JixiaoError as err:
            summary.failed.append((name, str(err)))
        except (IntegrityError, DataError) as err:
            summary.failed.append((name, f"{name}: the database refused it: {err.orig}"))
        else:
            summary.new += counts["new"]
            summary.updated += counts["updated"]
            summary.unchanged += counts["unchanged"]
        if progress is not None:
            progress(name)
    return summary


def _import_one(name: str, data: bytes | None, session_factory: sessionmaker[Session]) -> dict[str, int]:
    doc = read_document(name, data)
    if doc.errors:
        raise doc.errors[0] if len(doc.errors) == 1 else JixiaoError(
            "; ".join(err.message for err in doc.errors))
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    with session_factory() as session, session.begin():
        for decl in doc.declarations:
            counts[save_declaration(session, decl, name)] += 1
    return counts
