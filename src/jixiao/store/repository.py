"""Saving and loading declarations: functions over a :class:`~sqlalchemy.orm.Session`.

The caller owns the transaction. ``save_declaration`` stores a new declaration as version 1, stores
a changed one as the next version (earlier versions are never touched) and does nothing when the
content is the same as the latest version's, compared by a hash of its canonical JSON.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from jixiao.errors import JixiaoError
from jixiao.jsonformat import declaration_json
from jixiao.model import Declaration as DeclarationModel
from jixiao.store.models import Declaration, DeclarationVersion, Indicator, Organisation, _now
from jixiao.store.types import money_problem

Outcome = Literal["new", "updated", "unchanged"]


class StoreError(JixiaoError):
    """A declaration could not be stored as it is (an amount out of range …)."""


def canonical_json(content: dict[str, Any]) -> str:
    """The one text of a declaration's JSON that its hash is taken over."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(declaration: DeclarationModel) -> str:
    """SHA-256 of the canonical JSON; where the form came from (file, line) does not count."""
    return hashlib.sha256(canonical_json(declaration_json(declaration)).encode("utf-8")).hexdigest()


def identity_key(unit: str | None, year: int | None, name: str | None) -> str:
    return json.dumps([unit, year, name], ensure_ascii=False)


def _identity(decl: DeclarationModel) -> tuple[str | None, int | None, str | None]:
    return (decl.unit or decl.department, decl.year, decl.name)


def get_declaration(session: Session, unit: str | None, year: int | None, name: str | None
                    ) -> Declaration | None:
    """The stored declaration of project ``name`` of ``unit`` (or department, when the form names
    no unit) in ``year``."""
    key = identity_key(unit, year, name)
    return session.scalar(select(Declaration).where(Declaration.identity_key == key))


def list_versions(session: Session, declaration: Declaration | int) -> list[DeclarationVersion]:
    """The versions of a declaration (object or id), oldest first."""
    declaration_id = declaration if isinstance(declaration, int) else declaration.id
    query = (select(DeclarationVersion).where(DeclarationVersion.declaration_id == declaration_id)
             .order_by(DeclarationVersion.number))
    return list(session.scalars(query))


def load_version(session: Session, declaration: Declaration | int, number: int | None = None
                 ) -> DeclarationModel:
    """Version ``number`` (default: the latest) as the :class:`jixiao.model.Declaration` it was saved from."""
    declaration_id = declaration if isinstance(declaration, int) else declaration.id
    query = select(DeclarationVersion).where(DeclarationVersion.declaration_id == declaration_id)
    if number is None:
        query = query.order_by(DeclarationVersion.number.desc()).limit(1)
    else:
        query = query.where(DeclarationVersion.number == number)
    version = session.scalar(query)
    if version is None:
        raise StoreError(f"no version {number or 'at all'} of declaration {declaration_id}")
    loaded = DeclarationModel.model_validate(json.loads(version.content))
    loaded.source = version.source
    return loaded


def _organisation(session: Session, kind: str, name: str, parent: Organisation | None) -> Organisation:
    query = select(Organisation).where(Organisation.kind == kind, Organisation.name == name)
    query = query.where(Organisation.parent_id.is_(None) if parent is None
                        else Organisation.parent_id == parent.id)
    found = session.scalar(query)
    if found is None:
        found = Organisation(kind=kind, name=name, parent=parent)
        session.add(found)
        session.flush()
    return found


def _check(decl: DeclarationModel, source: str | None) -> None:
    total = decl.funds.total
    if total is not None and (problem := money_problem(total)):
        where = ":".join(str(p) for p in (source or decl.source, decl.line) if p is not None)
        raise StoreError(f"{where}: 项目资金总额 cannot be stored: {problem}" if where else problem)


def save_declaration(session: Session, decl: DeclarationModel, source: str | None = None) -> Outcome:
    """Store ``decl``: ``"new"`` (version 1), ``"updated"`` (a new version) or ``"unchanged"``."""
    _check(decl, source)
    content = declaration_json(decl)
    digest = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    unit, year, name = _identity(decl)
    stored = get_declaration(session, unit, year, name)
    if stored is not None:
        latest = session.scalar(select(DeclarationVersion.content_hash).where(
            DeclarationVersion.declaration_id == stored.id,
            DeclarationVersion.number == stored.latest_version))
        if latest == digest:
            return "unchanged"
    outcome: Outcome = "updated" if stored is not None else "new"
    if stored is None:
        department = _organisation(session, "department", decl.department, None) if decl.department else None
        organisation = _organisation(session, "unit", decl.unit, department) if decl.unit else department
        stored = Declaration(identity_key=identity_key(unit, year, name), organisation=organisation,
                             unit=unit, year=year, name=name, latest_version=0)
        session.add(stored)
    stored.latest_version += 1
    stored.updated_at = _now()
    version = DeclarationVersion(
        declaration=stored, number=stored.latest_version,
        source=source if source is not None else decl.source,
        content_hash=digest, content=canonical_json(content), name=decl.name, year=decl.year,
        department=decl.department, unit=decl.unit, nature=decl.nature, category=decl.category,
        funds_total=decl.funds.total, layout=decl.layout, indicator_count=len(decl.indicators),
        indicators=[
            Indicator(position=i, level1=ind.level1, level2=ind.level2, name=ind.name,
                      target_raw=ind.target_raw, op=ind.target.op, value=ind.target.value,
                      upper=ind.target.upper, unit=ind.target.unit, text=ind.target.text)
            for i, ind in enumerate(decl.indicators)
        ],
    )
    session.add(version)
    session.flush()
    return outcome
