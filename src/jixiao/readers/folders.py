"""The files a command is given: plain files as they are, folders walked for the forms in them.

``jixiao import DIR`` (and ``jixiao parse DIR``) take a folder tree of mixed files as a unit or a
finance office keeps it: forms as text, JSON, Excel, Word, PDF and saved web pages, beside files that
are no forms at all (pictures, archives, notes). :func:`expand` walks each folder, in name order so
that two runs import in the same order, and keeps the files whose suffix is a form's
(:data:`FORM_SUFFIXES`); everything else is listed as skipped with the reason, never silently lost.
Hidden files and folders (``.git``, ``~$book.xlsx`` lock files of Office) are left out and listed too.
A file named on the command line is always kept: its reader says what is wrong with it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FORM_SUFFIXES", "Expanded", "expand"]

#: The suffixes of the files a folder walk keeps (the readers' formats, in lower case).
FORM_SUFFIXES = frozenset({".txt", ".json", ".xlsx", ".xlsm", ".xls", ".docx", ".doc", ".pdf", ".html",
                           ".htm"})


@dataclass
class Expanded:
    """The files to read, in order, and each path left out with why."""

    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def expand(paths: Iterable[str | Path]) -> Expanded:
    """``paths`` with each folder replaced by the form files under it (recursively, in name order).

    A path that does not exist is kept as it is (its reader names it as missing); a file given twice,
    or found again through a second folder, is read once."""
    out = Expanded()
    seen: set[str] = set()

    def keep(name: str) -> None:
        if name not in seen:
            seen.add(name)
            out.files.append(name)

    for path in map(Path, paths):
        if not path.is_dir():
            keep(str(path))
            continue
        for top, dirs, files in os.walk(path, onerror=lambda err: out.skipped.append(
                (str(err.filename), f"不可读的文件夹：{err.strerror}"))):
            dirs.sort()
            for hidden in [d for d in dirs if d.startswith((".", "~$"))]:
                dirs.remove(hidden)
                out.skipped.append((os.path.join(top, hidden), "隐藏的文件夹"))
            for name in sorted(files):
                full = os.path.join(top, name)
                if name.startswith((".", "~$")):
                    out.skipped.append((full, "隐藏文件或 Office 的临时文件"))
                elif Path(name).suffix.lower() not in FORM_SUFFIXES:
                    out.skipped.append((full, f"不是表格文件（{Path(name).suffix or '无扩展名'}）"))
                else:
                    keep(full)
    return out
