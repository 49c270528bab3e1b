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


class VersionConflict(StoreError):
    """Someone saved a newer version since the editor loaded version ``expected``: nothing was stored."""

    def __init__(self, declaration_id: int, expected: int, latest: int):
        self.declaration_id, self.expected, self.latest = declaration_id, expected, latest
        super().__init__(f"项目 {declaration_id} 已被他人保存为第 {latest} 版（您编辑的是第 {expected} 版）；"
                         "您的修改尚未保存，请核对最新版本后再保存")


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


def save_declaration(session: Session, decl: DeclarationModel, source: str | None = None, *,
                     declaration_id: int | None = None, expected_version: int | None = None) -> Outcome:
    """Store ``decl``: ``"new"`` (version 1), ``"updated"`` (a new version) or ``"unchanged"``.

    Without ``declaration_id`` the declaration is found by its identity (unit, year, project name),
    as an import does. With it (an edit) the new version goes to that declaration, whose identity
    follows the edited unit, year and name; :class:`StoreError` if another declaration has it.
    With ``expected_version``, :class:`VersionConflict` unless that is still the latest version
    (optimistic locking: the second of two concurrent edits is refused, not merged).
    """
    _check(decl, source)
    content = declaration_json(decl)
    digest = hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()
    unit, year, name = _identity(decl)
    key = identity_key(unit, year, name)
    if declaration_id is None:
        stored = get_declaration(session, unit, year, name)
    else:
        stored = session.get(Declaration, declaration_id, with_for_update=expected_version is not None)
        if stored is None:
            raise StoreError(f"no declaration {declaration_id}")
        if stored.identity_key != key:
            other = session.scalar(select(Declaration.id).where(Declaration.identity_key == key))
            if other is not None:
                raise StoreError(f"另一个项目（编号 {other}）已是 {unit or '-'} {year or '-'} 年的「{name or ''}」；"
                                 "项目名称、年度和单位合起来不能与它相同")
    if stored is not None and expected_version is not None and stored.latest_version != expected_version:
        raise VersionConflict(stored.id, expected_version, stored.latest_version)
    if stored is not None:
        latest = session.scalar(select(DeclarationVersion.content_hash).where(
            DeclarationVersion.declaration_id == stored.id,
            DeclarationVersion.number == stored.latest_version))
        if latest == digest:
            return "unchanged"
    outcome: Outcome = "updated" if stored is not None else "new"
    organisation = _organisation_of(session, decl)
    if stored is None:
        stored = Declaration(identity_key=key, organisation=organisation, unit=unit, year=year, name=name,
                             latest_version=0)
        session.add(stored)
    elif stored.identity_key != key or stored.organisation_id != (organisation.id if organisation else None):
        stored.identity_key, stored.unit, stored.year, stored.name = key, unit, year, name
        stored.organisation = organisation
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


def _organisation_of(session: Session, decl: DeclarationModel) -> Organisation | None:
    department = _organisation(session, "department", decl.department, None) if decl.department else None
    return _organisation(session, "unit", decl.unit, department) if decl.unit else department
