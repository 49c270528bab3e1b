"""What changed between two versions of a declaration: pure functions over two :class:`Declaration`.

:func:`diff` compares the basic fields, the funds (exact ``Decimal``, compared by value) and the
narrative texts field by field, with a character-level inline diff of each changed text; and the
indicators row by row. Indicator rows are matched by their identity (一级指标, 二级指标, 三级指标;
the k-th of several equal rows with the k-th), then the rows left between the same matched rows by
position (renamed rows): one for one when as many were left on both sides, else each new row with
the most similar old one (a similar 三级指标, or the same 二级指标 and 指标值), so that a removed row
next to a renamed one is told apart. A matched row is *changed* when its 一级/二级/三级指标 or 指标值
differs, *moved* when the rows around it are no longer the same (an inserted row does not move the
rows after it).

Everything is a pydantic model: ``diff(a, b).model_dump(mode="json")`` is the JSON of the API
(money and target numbers as strings of digits, dates ISO).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Literal

from pydantic import BaseModel, ConfigDict, computed_field

from jixiao.model import Declaration, Indicator
from jixiao.vocabulary import FIELD_TITLES as FIELDS
from jixiao.vocabulary import FUNDS_TITLES as FUNDS

Value = str | int | bool | date | Decimal | None
Kind = Literal["value", "money", "text"]
Status = Literal["added", "removed", "changed", "moved", "unchanged"]

# Labels of what the detail page does not list under pages.FIELDS / FUNDS, as the forms word them.
OTHER_FIELDS = [("government_purchase", "是否含有政府购买服务")]
TEXTS = [("overview", "项目概况"), ("basis", "立项依据"), ("necessity", "项目设立的必要性"),
         ("safeguards", "保证项目实施的制度、措施"), ("plan", "项目实施计划"), ("total_goal", "项目总目标")]
GOAL_LABELS = {"shanghai-2020": "总目标及阶段性目标"}
GOAL_LABEL = "年度总体目标"
INDICATOR_FIELDS = ("level1", "level2", "name", "target_raw")
SIMILAR = 0.5  # how alike two 三级指标 must be (difflib ratio) to be one renamed row
# An unchanged run shorter than this between two changes is shown as changed: no confetti of single
# characters (的, 和) kept in the middle of a rewritten phrase.
MIN_EQUAL = 2


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Segment(_Model):
    """A piece of an inline text diff: kept, inserted (only in the new text) or deleted (only in the old)."""

    op: Literal["equal", "insert", "delete"]
    text: str


class FieldChange(_Model):
    """One field whose value differs; ``inline`` for texts."""

    key: str  # "name", "funds.total", "texts.plan", "goal"
    label: str
    kind: Kind
    old: Value
    new: Value
    inline: list[Segment] | None = None


class IndicatorChange(_Model):
    """One indicator row of either version; indexes are 1-based positions, ``None`` on the side it is not."""

    status: Status
    old_index: int | None = None
    new_index: int | None = None
    old: Indicator | None = None
    new: Indicator | None = None
    changed: list[str] = []  # which of INDICATOR_FIELDS differ
    moved: bool = False


class Summary(_Model):
    """How many fields changed, and how many indicator rows have each status."""

    fields: int = 0
    added: int = 0
    removed: int = 0
    changed: int = 0
    moved: int = 0
    unchanged: int = 0


class Diff(_Model):
    """Old version → new one: indicator rows in the new order, removed ones in place."""

    fields: list[FieldChange]
    indicators: list[IndicatorChange]
    summary: Summary

    @computed_field
    @property
    def identical(self) -> bool:
        return self.summary.fields == 0 and self.summary.unchanged == len(self.indicators)


def diff(old: Declaration, new: Declaration) -> Diff:
    """The changes from ``old`` to ``new`` (where each came from does not count)."""
    fields = list(field_changes(old, new))
    indicators = indicator_changes(old.indicators, new.indicators)
    counts = {status: sum(1 for row in indicators if row.status == status)
              for status in ("added", "removed", "changed", "moved", "unchanged")}
    return Diff(fields=fields, indicators=indicators, summary=Summary(fields=len(fields), **counts))


# -- fields --------------------------------------------------------------------------------------------

def field_changes(old: Declaration, new: Declaration) -> Iterator[FieldChange]:
    """The changed basic fields, funds and texts, in the order of the detail page."""
    for key, label in FIELDS + OTHER_FIELDS:
        yield from _change(key, label, "value", getattr(old, key), getattr(new, key))
    for key, label in FUNDS:
        yield from _change(f"funds.{key}", label, "money", getattr(old.funds, key), getattr(new.funds, key))
    for key, label in TEXTS:
        yield from _change(f"texts.{key}", label, "text", getattr(old.texts, key), getattr(new.texts, key))
    yield from _change("goal", GOAL_LABELS.get(new.layout, GOAL_LABEL), "text", old.goal, new.goal)


def _change(key: str, label: str, kind: Kind, old: Value, new: Value) -> Iterator[FieldChange]:
    if old == new:  # Decimal("1.0") == Decimal("1.00"): the same amount
        return
    inline = inline_diff(old or "", new or "") if kind == "text" else None
    yield FieldChange(key=key, label=label, kind=kind, old=old, new=new, inline=inline)


def inline_diff(old: str, new: str) -> list[Segment]:
    """``old`` → ``new`` as kept / deleted / inserted runs of characters (a deletion before its insertion)."""
    segments = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            segments.append(Segment(op="equal", text=old[i1:i2]))
            continue
        if i2 > i1:
            segments.append(Segment(op="delete", text=old[i1:i2]))
        if j2 > j1:
            segments.append(Segment(op="insert", text=new[j1:j2]))
    return _merge_short_equals(segments)


def _merge_short_equals(segments: list[Segment]) -> list[Segment]:
    """Fold a kept run shorter than MIN_EQUAL between two changes into them, and each run of changes into
    one deletion and one insertion."""
    out: list[Segment] = []
    deleted = inserted = ""
    for k, seg in enumerate(segments):
        inside = 0 < k < len(segments) - 1 and "equal" not in (segments[k - 1].op, segments[k + 1].op)
        if seg.op == "equal" and not (inside and len(seg.text) < MIN_EQUAL):
            out += [*_changes(deleted, inserted), seg]
            deleted = inserted = ""
            continue
        deleted += seg.text if seg.op != "insert" else ""
        inserted += seg.text if seg.op != "delete" else ""
    return out + _changes(deleted, inserted)


def _changes(deleted: str, inserted: str) -> list[Segment]:
    return ([Segment(op="delete", text=deleted)] if deleted else []) + (
        [Segment(op="insert", text=inserted)] if inserted else [])


# -- indicators ----------------------------------------------------------------------------------------

def _identities(indicators: list[Indicator]) -> list[tuple[str | None, str | None, str, int]]:
    """Each row's (level1, level2, name, k): the k-th row with those three, so that every key is unique."""
    seen: dict[tuple[str | None, str | None, str], int] = {}
    keys = []
    for ind in indicators:
        key = (ind.level1, ind.level2, ind.name)
        keys.append((*key, seen.get(key, 0)))
        seen[key] = seen.get(key, 0) + 1
    return keys


def indicator_changes(old: list[Indicator], new: list[Indicator]) -> list[IndicatorChange]:
    """Every row of both lists, matched (see the module doc), in the new order with removed rows in place."""
    old_keys, new_keys = _identities(old), _identities(new)
    old_of = {key: i for i, key in enumerate(old_keys)}
    matched = {j: old_of[key] for j, key in enumerate(new_keys) if key in old_of}  # new index → old index
    matched_old = set(matched.values())
    rows: list[IndicatorChange] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_keys, new_keys, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [_pair(old, new, i, j1 + i - i1, moved=False) for i in range(i1, i2)]
            continue
        left_old = [i for i in range(i1, i2) if i not in matched_old]  # renamed or removed here
        renamed = _renamed(old, new, left_old, [j for j in range(j1, j2) if j not in matched])
        for j in range(j1, j2):
            i = matched.get(j, renamed.get(j))
            rows.append(IndicatorChange(status="added", new_index=j + 1, new=new[j]) if i is None
                        else _pair(old, new, i, j, moved=j in matched))
        rows += [IndicatorChange(status="removed", old_index=i + 1, old=old[i])
                 for i in left_old if i not in renamed.values()]
    return rows


def _renamed(old: list[Indicator], new: list[Indicator], left_old: list[int], left_new: list[int]
             ) -> dict[int, int]:
    """The unmatched rows of one stretch that are one row renamed: new index → old index."""
    if len(left_old) == len(left_new):
        return dict(zip(left_new, left_old, strict=True))
    pairs: dict[int, int] = {}
    candidates = list(left_old)
    for j in left_new:
        scored = [(_similarity(old[i], new[j]), i) for i in candidates]
        score, best = max(scored, key=lambda pair: pair[0], default=(0.0, -1))  # the first of equals
        if score >= SIMILAR:
            pairs[j] = best
            candidates.remove(best)
    return pairs


def _similarity(a: Indicator, b: Indicator) -> float:
    if a.level2 == b.level2 and a.target_raw == b.target_raw:
        return 1.0
    return SequenceMatcher(None, a.name, b.name, autojunk=False).ratio()


def _pair(old: list[Indicator], new: list[Indicator], i: int, j: int, *, moved: bool) -> IndicatorChange:
    changed = [f for f in INDICATOR_FIELDS if getattr(old[i], f) != getattr(new[j], f)]
    status: Status = "changed" if changed else "moved" if moved else "unchanged"
    return IndicatorChange(status=status, old_index=i + 1, new_index=j + 1, old=old[i], new=new[j],
                           changed=changed, moved=moved)
