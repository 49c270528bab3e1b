"""Checking the audit log: :func:`verify` walks the stored chain, :func:`verify_export` an exported
JSON Lines copy. Both stop at the first bad entry and say, in Chinese and English, which one and
what happened to it.

The checks, entry by entry in id order (the expected id is one more than the last good one):

- its id is the expected one, else the entries in between are missing (``removed``);
- its hash is the hash of its fields, else it was ``altered`` (or ``reordered``, when its fields
  hash correctly at another place in the chain: rows swapped, ids exchanged);
- its ``prev_hash`` is the previous entry's hash, else the previous entry was rewritten with a
  recomputed hash (``altered``);
- it matches a hash known from elsewhere for its id: the anchor (``anchor``) or a checkpoint the
  caller kept (``checkpoint``).

Then the count: fewer entries than the anchor records means the end was cut off (``truncated``);
more than it records (read again after the walk, so that entries appended meanwhile count) means
entries were written outside :func:`~jixiao.audit.log.record` (``inserted``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from jixiao.audit.log import FIELDS, GENESIS, AuditAnchor, AuditEntry, entry_hash
from jixiao.audit.reading import BATCH, rows
from jixiao.errors import UsageError


class Problem(StrEnum):
    ALTERED = "altered"
    REMOVED = "removed"
    REORDERED = "reordered"
    TRUNCATED = "truncated"
    INSERTED = "inserted"
    ANCHOR = "anchor"
    CHECKPOINT = "checkpoint"
    UNREADABLE = "unreadable"


class Checkpoint(NamedTuple):
    """The log's state at one moment: ``count`` entries, the last one hashing to ``hash``. Written
    ``N:HASH``; kept outside the database, it exposes a rewrite of the whole log."""

    count: int
    hash: str

    def __str__(self) -> str:
        return f"{self.count}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        count, _, digest = text.strip().partition(":")
        digest = digest.lower()
        if not (count.isdigit() and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
            raise UsageError(f"not a checkpoint: {text!r} (expected N:HASH, a count and 64 hex digits)")
        return cls(int(count), digest)


@dataclass(frozen=True)
class VerifyResult:
    """``ok``, or the first ``problem`` and the entry (``entry_id``) it was found at.

    ``count`` entries were found intact before it (all of them when ``ok``), the last of them hashing
    to ``last_hash``; ``line`` is the line of an export where the problem was found.
    """

    ok: bool
    count: int
    last_hash: str
    problem: Problem | None = None
    entry_id: int | None = None
    line: int | None = None
    chinese: str = ""
    english: str = ""

    @property
    def message(self) -> str:
        """One line, Chinese then English."""
        return f"{self.chinese} / {self.english}"

    @property
    def checkpoint(self) -> Checkpoint:
        """The state the intact part of the log reached, to keep elsewhere."""
        return Checkpoint(self.count, self.last_hash)


#: What each finding says: Chinese and English templates with named fields.
MESSAGES: dict[str, tuple[str, str]] = {
    "intact": ("审计日志完整: {count} 条", "audit log intact: {entries}"),
    "removed": ("审计日志{span}缺失 (被删除), 其后是第 {next} 条",
                "audit {span_en} missing (removed); the next is entry {next}"),
    "out_of_order": ("审计日志第 {id} 条出现在第 {expected} 条的位置 (顺序被打乱)",
                     "audit entry {id} is out of order: entry {expected} was expected"),
    "reordered": ("审计日志第 {id} 条的位置被调换: 它的内容是第 {original} 条",
                  "audit entry {id} was reordered: it holds entry {original}"),
    "altered": ("审计日志第 {id} 条被篡改: 内容与其哈希不符",
                "audit entry {id} was altered: its content does not match its hash"),
    "rewritten": ("审计日志第 {id} 条被改写: 第 {next} 条记录的前一哈希与它不符",
                  "audit entry {id} was rewritten: entry {next} does not link to it"),
    "rewritten_first": ("审计日志第 1 条被改写: 前一哈希不是起始值",
                        "audit entry 1 was rewritten: its prev_hash is not the genesis value"),
    "anchor_differs": ("审计日志第 {id} 条与锚点不符: 该条或锚点被改写",
                       "audit entry {id} does not match the anchor: the entry or the anchor was rewritten"),
    "anchor_missing": ("审计日志锚点 (audit_anchor) 缺失", "the audit anchor (audit_anchor) is missing"),
    "truncated": ("审计日志末尾被截断: 锚点记录 {recorded} 条, 只有 {count} 条 ({span}被删除)",
                  "the audit log was truncated: the anchor records {recorded_entries}, {count} found "
                  "({span_en} missing)"),
    "inserted": ("审计日志第 {id} 条不是经本系统写入的: 锚点只记录了 {recorded} 条",
                 "audit entry {id} was added outside Jixiao: the anchor records {recorded_entries}"),
    "checkpoint_differs": ("审计日志第 {id} 条与保存的检查点不符: 日志被改写",
                           "audit entry {id} does not match the kept checkpoint: the log was rewritten"),
    "checkpoint_missing": ("审计日志只有 {count} 条, 保存的检查点记录了 {recorded} 条 ({span}缺失)",
                           "the audit log has {entries}, the kept checkpoint records {recorded} "
                           "({span_en} missing)"),
    "unreadable": ("第 {line} 行不是审计记录 ({why})", "line {line} is not an audit entry ({why_en})"),
}


def _entries(count: int) -> str:
    return "1 entry" if count == 1 else f"{count} entries"


def _span(first: int, last: int) -> dict[str, str]:
    """``第 3 条``, ``entry 3 is``; ``第 3–5 条``, ``entries 3–5 are``."""
    if first == last:
        return {"span": f"第 {first} 条", "span_en": f"entry {first} is"}
    return {"span": f"第 {first}–{last} 条", "span_en": f"entries {first}–{last} are"}


class _Chain:
    """Takes entries in order and answers the first problem; what :func:`verify` and
    :func:`verify_export` share."""

    def __init__(self, known: Iterable[tuple[Checkpoint, Problem]] = (),
                 locate: Callable[[Mapping[str, Any]], int | None] | None = None):
        self.count = 0
        self.last_hash = GENESIS
        self.line: int | None = None
        self.known = {point.count: (point.hash, kind) for point, kind in known if point.count > 0}
        self.locate = locate

    def fail(self, problem: Problem, entry_id: int | None, key: str, **fields: Any) -> VerifyResult:
        chinese, english = MESSAGES[key]
        fields |= {"count": self.count, "entries": _entries(self.count)}
        return VerifyResult(False, self.count, self.last_hash, problem, entry_id, self.line,
                            chinese.format(**fields), english.format(**fields))

    def ok(self) -> VerifyResult:
        chinese, english = MESSAGES["intact"]
        fields = {"count": self.count, "entries": _entries(self.count)}
        return VerifyResult(True, self.count, self.last_hash, chinese=chinese.format(**fields),
                            english=english.format(**fields))

    def add(self, row: Mapping[str, Any]) -> VerifyResult | None:
        expected, entry_id = self.count + 1, row["id"]
        if entry_id > expected:
            return self.fail(Problem.REMOVED, expected, "removed", next=entry_id,
                             **_span(expected, entry_id - 1))
        if entry_id < expected:
            return self.fail(Problem.REORDERED, entry_id, "out_of_order", id=entry_id, expected=expected)
        if entry_hash(row) != row["hash"]:
            original = self.locate(row) if self.locate else None
            if original is not None:
                return self.fail(Problem.REORDERED, entry_id, "reordered", id=entry_id, original=original)
            return self.fail(Problem.ALTERED, entry_id, "altered", id=entry_id)
        if row["prev_hash"] != self.last_hash:
            if entry_id == 1:
                return self.fail(Problem.ALTERED, 1, "rewritten_first")
            return self.fail(Problem.ALTERED, entry_id - 1, "rewritten", id=entry_id - 1, next=entry_id)
        known = self.known.get(entry_id)
        if known is not None and known[0] != row["hash"]:
            if known[1] is Problem.ANCHOR:
                return self.fail(Problem.ANCHOR, entry_id, "anchor_differs", id=entry_id)
            return self.fail(Problem.CHECKPOINT, entry_id, "checkpoint_differs", id=entry_id)
        self.count, self.last_hash = entry_id, row["hash"]
        return None

    def finish(self) -> VerifyResult | None:
        """The known states the walk fell short of."""
        for recorded, (_digest, kind) in sorted(self.known.items()):
            if recorded > self.count:
                fields = _span(self.count + 1, recorded) | {"recorded": recorded,
                                                            "recorded_entries": _entries(recorded)}
                if kind is Problem.ANCHOR:
                    return self.fail(Problem.TRUNCATED, self.count + 1, "truncated", **fields)
                return self.fail(Problem.CHECKPOINT, self.count + 1, "checkpoint_missing", **fields)
        return None


def _anchor(session: Session) -> Checkpoint | None:
    found = session.execute(select(AuditAnchor.entry_count, AuditAnchor.last_hash)
                            .where(AuditAnchor.id == 1)).one_or_none()
    return None if found is None else Checkpoint(*found)


def _locate(session: Session, row: Mapping[str, Any]) -> int | None:
    """Where in the chain ``row`` belongs, if its fields hash correctly there (after the entry whose
    hash is its ``prev_hash``) and that is not where it is."""
    if row["prev_hash"] == GENESIS:
        place = 1
    else:
        before = session.scalar(select(AuditEntry.id).where(AuditEntry.hash == row["prev_hash"]).limit(1))
        if before is None:
            return None
        place = before + 1
    if place != row["id"] and entry_hash({**row, "id": place}) == row["hash"]:
        return place
    return None


def verify(session: Session, *, checkpoint: Checkpoint | None = None,
           batch_size: int = BATCH) -> VerifyResult:
    """Walk the whole log in id order, ``batch_size`` entries at a time, and check every link, the
    anchor and, when given, a ``checkpoint`` kept elsewhere. Reads only; takes no lock, so recording
    goes on meanwhile."""
    before = _anchor(session)
    known = [(before, Problem.ANCHOR)] if before else []
    if checkpoint is not None:
        known.append((checkpoint, Problem.CHECKPOINT))
    chain = _Chain(known, lambda row: _locate(session, row))
    for row in rows(session, batch_size):
        failure = chain.add(row)
        if failure:
            return failure
    failure = chain.finish()
    if failure:
        return failure
    after = _anchor(session)
    if after is None:
        return chain.fail(Problem.ANCHOR, None, "anchor_missing")
    if chain.count > after.count:
        return chain.fail(Problem.INSERTED, after.count + 1, "inserted", id=after.count + 1,
                          recorded=after.count, recorded_entries=_entries(after.count))
    if chain.count == after.count and chain.last_hash != after.hash:
        return chain.fail(Problem.ANCHOR, chain.count or None, "anchor_differs", id=chain.count)
    return chain.ok()


def verify_export(lines: Iterable[str | bytes], *, checkpoint: Checkpoint | None = None) -> VerifyResult:
    """Check a JSON Lines export (:func:`~jixiao.audit.reading.export`) offline: the lines of a file
    opened in text or binary mode, or any iterable of lines. Blank lines are skipped. The export holds
    no anchor: compare ``result.checkpoint`` with one kept elsewhere, or pass it as ``checkpoint``."""
    chain = _Chain([(checkpoint, Problem.CHECKPOINT)] if checkpoint else [])
    for number, raw in enumerate(lines, 1):
        chain.line = number
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            row = json.loads(text) if text.strip() else None
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            return chain.fail(Problem.UNREADABLE, None, "unreadable", line=number, why=err, why_en=err)
        if row is None:
            continue
        missing = [name for name in FIELDS if not isinstance(row, dict) or name not in row]
        if missing:
            return chain.fail(Problem.UNREADABLE, None, "unreadable", line=number,
                              why="缺少 " + ", ".join(missing), why_en="missing " + ", ".join(missing))
        if type(row["id"]) is not int or not isinstance(row["at"], str):
            return chain.fail(Problem.UNREADABLE, None, "unreadable", line=number,
                              why="id 或 at 的类型不对", why_en="id or at has the wrong type")
        try:
            failure = chain.add(row)
        except (TypeError, ValueError) as err:  # NaN, a hash that is not text …
            return chain.fail(Problem.UNREADABLE, None, "unreadable", line=number, why=err, why_en=err)
        if failure:
            return failure
    chain.line = None
    return chain.finish() or chain.ok()
