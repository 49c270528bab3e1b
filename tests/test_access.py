"""Who may do what (jixiao.access), as tables to read: every role × status × where the declaration is.

The organisations: 甲部门 (D) with units U1 and U2, 乙部门 (E) with unit U3, and U0, a unit under no
department. Unit users act in U1, the department reviewer in D. ``declaration_visibility`` is then
checked against real rows on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from jixiao.access import (
    STATUSES,
    DeclarationPlace,
    Permission,
    allowed,
    can_create_declaration,
    can_edit_declaration,
    can_import,
    can_manage_roles_and_policy,
    can_manage_users,
    can_read_audit,
    can_read_declaration,
    declaration_visibility,
    place_of,
    scopes_for,
)
from jixiao.roles import PUBLIC, SYSTEM, Actor, Role
from jixiao.store import db
from jixiao.store.models import Declaration, Organisation

from .conftest import postgres_schema

D, E, U1, U2, U3, U0 = 1, 2, 11, 12, 13, 10
# Where a declaration can be: (unit_id, department_id), as jixiao.access.place_of gives them.
PLACES = {
    "U1": (U1, D),  # the unit users' own unit
    "U2": (U2, D),  # another unit of the same department
    "U3": (U3, E),  # a unit of another department
    "D": (None, D),  # the department itself (a form naming no unit)
    "U0": (U0, None),  # a unit under no department
}

ACTORS = {
    "public": PUBLIC,
    "filler": Actor(user_id=1, username="f", roles=frozenset({Role.FILLER}), unit_id=U1, department_id=D),
    "unit_reviewer": Actor(user_id=2, username="u", roles=frozenset({Role.UNIT_REVIEWER}), unit_id=U1,
                           department_id=D),
    "department_reviewer": Actor(user_id=3, username="d", roles=frozenset({Role.DEPARTMENT_REVIEWER}),
                                 department_id=D),
    "finance_reviewer": Actor(user_id=4, username="c", roles=frozenset({Role.FINANCE_REVIEWER})),
    "system_admin": Actor(user_id=5, username="s", roles=frozenset({Role.SYSTEM_ADMIN})),
    "security_admin": Actor(user_id=6, username="x", roles=frozenset({Role.SECURITY_ADMIN})),
    "audit_admin": Actor(user_id=7, username="a", roles=frozenset({Role.AUDIT_ADMIN})),
}

# One letter per status, in the order of STATUSES:
#   draft, submitted, returned, department_approved, finance_approved, published
# R: may read, E: may edit (and read), -: neither.
MATRIX = """
                     U1      U2      U3      D       U0
public               -----R  -----R  -----R  -----R  -----R
filler               ERERRR  -----R  -----R  -----R  -----R
unit_reviewer        ERERRR  -----R  -----R  -----R  -----R
department_reviewer  RRRRRR  RRRRRR  -----R  RRRRRR  -----R
finance_reviewer     RRRRRR  RRRRRR  RRRRRR  RRRRRR  RRRRRR
system_admin         -----R  -----R  -----R  -----R  -----R
security_admin       -----R  -----R  -----R  -----R  -----R
audit_admin          -----R  -----R  -----R  -----R  -----R
"""


def letter(actor: Actor, status: str, place: tuple[int | None, int | None]) -> str:
    if can_edit_declaration(actor, status, *place):
        assert can_read_declaration(actor, status, *place)  # whoever edits also reads
        return "E"
    return "R" if can_read_declaration(actor, status, *place) else "-"


def test_reading_and_editing_declarations_by_role_status_and_place():
    assert STATUSES == ("draft", "submitted", "returned", "department_approved", "finance_approved",
                        "published")
    header = "                     " + "  ".join(f"{name:<6}" for name in PLACES)
    rows = [f"{name:<21}" + "  ".join("".join(letter(actor, s, place) for s in STATUSES)
                                       for place in PLACES.values())
            for name, actor in ACTORS.items()]
    assert "\n".join([header.rstrip(), *rows]) == MATRIX.strip("\n")


# Actor-level permissions: Y allowed, - not.
#                       LOGGED_IN  CREATE  IMPORT  REVIEW  USERS  ROLES  AUDIT
PERMISSIONS = {
    "public":              "-------",
    "filler":              "YYY----",
    "unit_reviewer":       "YYYY---",
    "department_reviewer": "Y--Y---",
    "finance_reviewer":    "Y-YY---",
    "system_admin":        "Y---Y--",
    "security_admin":      "Y----Y-",
    "audit_admin":         "Y-----Y",
}
COLUMNS = [Permission.LOGGED_IN, Permission.CREATE_DECLARATION, Permission.IMPORT, Permission.REVIEW,
           Permission.MANAGE_USERS, Permission.MANAGE_ROLES_AND_POLICY, Permission.READ_AUDIT]


def test_what_each_role_may_do_besides_declarations():
    found = {name: "".join("Y" if allowed(actor, p) else "-" for p in COLUMNS)
             for name, actor in ACTORS.items()}
    assert found == PERMISSIONS
    assert all(allowed(actor, Permission.ANYONE) for actor in ACTORS.values())
    # The named functions say the same as the permissions.
    for actor in ACTORS.values():
        named = [can_import, can_manage_users, can_manage_roles_and_policy, can_read_audit]
        permissions = [Permission.IMPORT, Permission.MANAGE_USERS, Permission.MANAGE_ROLES_AND_POLICY,
                       Permission.READ_AUDIT]
        assert [check(actor) for check in named] == [allowed(actor, p) for p in permissions]
    assert not can_read_audit(ACTORS["system_admin"])  # 三员分立, explicitly
    assert not allowed(SYSTEM, Permission.LOGGED_IN)


def test_creating_is_for_unit_members_in_their_own_unit():
    assert [name for name, actor in ACTORS.items() if can_create_declaration(actor, U1)] == [
        "filler", "unit_reviewer"]
    assert not any(can_create_declaration(actor, U2) for actor in ACTORS.values())
    assert allowed(ACTORS["filler"], Permission.CREATE_DECLARATION, DeclarationPlace("draft", U1, D))
    assert not allowed(ACTORS["filler"], Permission.CREATE_DECLARATION, DeclarationPlace("draft", U2, D))
    lost = Actor(user_id=9, username="lost", roles=frozenset({Role.FILLER}))  # a filler with no unit
    assert not can_create_declaration(lost) and not can_create_declaration(lost, None)


def test_declaration_permissions_need_a_place_and_follow_the_functions():
    filler = ACTORS["filler"]
    with pytest.raises(ValueError, match="needs the declaration's place"):
        allowed(filler, Permission.READ_DECLARATION)
    for status in STATUSES:
        for place in PLACES.values():
            where = DeclarationPlace(status, *place)
            assert (allowed(filler, Permission.READ_DECLARATION, where),
                    allowed(filler, Permission.EDIT_DECLARATION, where)) == (
                can_read_declaration(filler, status, *place), can_edit_declaration(filler, status, *place))


def test_token_scopes_follow_the_roles_and_limit_the_permissions():
    assert {name: " ".join(sorted(scopes_for(actor))) for name, actor in ACTORS.items()} == {
        "public": "",
        "filler": "import read write",
        "unit_reviewer": "import read review write",
        "department_reviewer": "read review",
        "finance_reviewer": "import read review",
        "system_admin": "read",
        "security_admin": "read",
        "audit_admin": "read",
    }
    filler, place = ACTORS["filler"], DeclarationPlace("draft", U1, D)
    assert allowed(filler, Permission.EDIT_DECLARATION, place, scopes=frozenset({"read", "write"}))
    assert not allowed(filler, Permission.EDIT_DECLARATION, place, scopes=frozenset({"read"}))
    assert allowed(filler, Permission.READ_DECLARATION, place, scopes=frozenset({"read"}))
    assert not allowed(filler, Permission.IMPORT, scopes=frozenset({"read", "write"}))
    assert allowed(filler, Permission.ANYONE, scopes=frozenset())
    # Administration is never done with a token, whatever its scopes.
    admin = ACTORS["system_admin"]
    assert allowed(admin, Permission.MANAGE_USERS)
    every_scope = frozenset({"read", "write", "import", "review"})
    assert not allowed(admin, Permission.MANAGE_USERS, scopes=every_scope)
    assert allowed(ACTORS["audit_admin"], Permission.READ_AUDIT, scopes=frozenset({"read"}))


# -- declaration_visibility against stored rows --

@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path: Path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jixiao.sqlite3'}"
        engine = db.make_engine(url)
        db.upgrade(engine)
        yield db.session_factory(engine)
        engine.dispose()
        return
    with postgres_schema("jixiao_access") as url:
        engine = db.make_engine(url)
        db.upgrade(engine)
        yield db.session_factory(engine)
        engine.dispose()


def test_the_visibility_condition_keeps_what_each_actor_may_read(sessions):
    with sessions() as session, session.begin():
        d = Organisation(id=D, kind="department", name="甲部门")
        e = Organisation(id=E, kind="department", name="乙部门")
        session.add_all([d, e, Organisation(id=U1, kind="unit", name="U1", parent=d),
                         Organisation(id=U2, kind="unit", name="U2", parent=d),
                         Organisation(id=U3, kind="unit", name="U3", parent=e),
                         Organisation(id=U0, kind="unit", name="U0")])
        session.flush()
        org_of = {"U1": U1, "U2": U2, "U3": U3, "D": D, "U0": U0, "none": None}
        for where, organisation_id in org_of.items():
            for status in STATUSES:
                name = f"{where}:{status}"
                session.add(Declaration(identity_key=name, name=name, organisation_id=organisation_id,
                                        status=status))

    with sessions() as session:
        declarations = list(session.scalars(select(Declaration).order_by(Declaration.id)))
        places = {d.name: place_of(d) for d in declarations}
        assert places["U1:draft"] == DeclarationPlace("draft", U1, D)
        assert places["D:draft"] == DeclarationPlace("draft", None, D)
        assert places["U0:draft"] == DeclarationPlace("draft", U0, None)
        assert places["none:draft"] == DeclarationPlace("draft", None, None)
        for name, actor in ACTORS.items():
            visible = set(session.scalars(select(Declaration.name).where(declaration_visibility(actor))))
            expected = {n for n, p in places.items() if can_read_declaration(actor, p.status, p.unit_id,
                                                                             p.department_id)}
            assert visible == expected, name
        # And spelled out for two of them, so that the rule is not only checked against itself.
        department = set(session.scalars(select(Declaration.name)
                                         .where(declaration_visibility(ACTORS["department_reviewer"]))))
        assert department == ({f"{w}:{s}" for w in ("U1", "U2", "D") for s in STATUSES}
                              | {f"{w}:published" for w in ("U3", "U0", "none")})
        filler = set(session.scalars(select(Declaration.name)
                                     .where(declaration_visibility(ACTORS["filler"]))))
        assert filler == ({f"U1:{s}" for s in STATUSES}
                          | {f"{w}:published" for w in ("U2", "U3", "D", "U0", "none")})
        everything = session.scalars(select(Declaration.id)
                                     .where(declaration_visibility(ACTORS["finance_reviewer"]))).all()
        assert len(everything) == 36
