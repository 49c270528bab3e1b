"""What a declaration becomes in the store, worked out before any database is touched.

:func:`prepare` is pure: the canonical JSON and its hash, the version's columns, its indicator rows,
its review (score, grade, findings) and its search terms. The importer runs it in worker processes
and the database writes (:func:`jixiao.store.repository.save_prepared`) stay in one place.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from jixiao.errors import JixiaoError
from jixiao.jsonformat import declaration_json
from jixiao.model import Declaration
from jixiao.review import Reviewer, summary
from jixiao.store import search
from jixiao.store.types import exact_text, money_problem

#: The columns of :attr:`Prepared.indicators` and :attr:`Prepared.findings` rows, in order.
INDICATOR_COLUMNS = ("position", "level1", "level2", "name", "target_raw", "op", "value", "upper", "unit",
                     "text")
FINDING_COLUMNS = ("position", "code", "severity", "indicator")


class StoreError(JixiaoError):
    """A declaration could not be stored as it is (an amount out of range …)."""


def canonical_json(content: dict[str, Any]) -> str:
    """The one text of a declaration's JSON that its hash is taken over."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def identity_key(unit: str | None, year: int | None, name: str | None) -> str:
    return json.dumps([unit, year, name], ensure_ascii=False)


def identity(decl: Declaration) -> tuple[str | None, int | None, str | None]:
    """What makes a declaration the same one across versions: unit (or department), year, name."""
    return (decl.unit or decl.department, decl.year, decl.name)


@dataclass
class Prepared:
    """One declaration ready to be written as a new version."""

    key: str
    unit: str | None  # of the identity: the unit, or the department when the form names no unit
    year: int | None
    name: str | None
    department: str | None
    unit_name: str | None  # the form's 实施单位, None when it names none
    content_hash: str
    version: dict[str, Any]  # the declaration_version columns but declaration_id and number
    # Rows of INDICATOR_COLUMNS and FINDING_COLUMNS, already as the database takes them (target values
    # as ExactDecimal's text): tuples of str and int are what crosses from the worker processes
    # cheaply, and what the driver is handed as they are.
    indicators: list[tuple[Any, ...]]
    findings: list[tuple[Any, ...]]
    terms: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the reader guessed, with where

    @property
    def summary(self) -> dict[str, Any]:
        """What the declaration row repeats of its latest version."""
        v = self.version
        return {"department": v["department"], "nature": v["nature"], "category": v["category"],
                "funds_total": v["funds_total"], "indicator_count": v["indicator_count"], "score": v["score"],
                "grade": v["grade"], "finding_count": v["finding_count"]}


def _check(decl: Declaration, source: str | None) -> None:
    total = decl.funds.total
    if total is not None and (problem := money_problem(total)):
        where = ":".join(str(p) for p in (source or decl.source, decl.line) if p is not None)
        raise StoreError(f"{where}: 项目资金总额 cannot be stored: {problem}" if where else problem)


def search_texts(decl: Declaration) -> list[str | None]:
    """What a search looks in: the project name, its goals and the names of its indicators."""
    return [decl.name, decl.goal, decl.texts.total_goal, *(ind.name for ind in decl.indicators)]


def prepare(decl: Declaration, source: str | None = None, reviewer: Reviewer | None = None) -> Prepared:
    """Everything :func:`~jixiao.store.repository.save_prepared` writes for ``decl``; raises
    :class:`StoreError` when it cannot be stored."""
    _check(decl, source)
    content = canonical_json(declaration_json(decl))
    report = reviewer.summary(decl) if reviewer else summary(decl)
    unit, year, name = identity(decl)
    version = {
        "source": source if source is not None else decl.source, "content": content,
        "content_hash": hashlib.sha256(content.encode("utf-8")).hexdigest(),
        "name": decl.name, "year": decl.year, "department": decl.department, "unit": decl.unit,
        "nature": decl.nature, "category": decl.category, "funds_total": decl.funds.total,
        "layout": decl.layout, "indicator_count": len(decl.indicators),
        "quantitative_count": sum(ind.target.value is not None for ind in decl.indicators),
        "profile": report.profile, "score": report.score, "grade": report.grade,
        "finding_count": len(report.findings),
    }
    indicators = [(i, ind.level1, ind.level2, ind.name, ind.target_raw, target.op, exact_text(target.value),
                   exact_text(target.upper), target.unit, target.text)
                  for i, (ind, target) in enumerate((ind, ind.target) for ind in decl.indicators)]
    findings = [(i, *finding) for i, finding in enumerate(report.findings)]
    return Prepared(key=identity_key(unit, year, name), unit=unit, year=year, name=name,
                    department=decl.department, unit_name=decl.unit, content_hash=version["content_hash"],
                    version=version, indicators=indicators, findings=findings,
                    terms=search.terms(search_texts(decl)), warnings=[str(w) for w in decl.warnings])

