"""Accounts on SQLite and PostgreSQL: passwords, the policy, lockout, sessions, tokens, the CLI.

Every database test runs twice, on a fresh SQLite file and in a fresh PostgreSQL schema (see
tests/test_store.py). Time is passed in (``now=``), never slept through. Passwords are hashed with a
cheap argon2id for speed (:func:`fast_hashing`); one test checks the real parameters.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher, Type
from click.testing import CliRunner
from sqlalchemy import inspect, select

from jixiao.accounts import passwords
from jixiao.accounts.errors import LOGIN_FAILED, AccountError, LoginFailed, PasswordRejected
from jixiao.accounts.models import ApiToken, SecuritySetting, UserAccount, UserSession
from jixiao.accounts.passwords import check_password, generate_password, hash_password, verify_password
from jixiao.accounts.policy import SecurityPolicy, load_policy, save_policy
from jixiao.accounts.sessions import (
    authenticate,
    end_session,
    resolve_session,
    resolve_session_info,
    session_id,
    start_session,
)
from jixiao.accounts.tokens import create_token, list_tokens, resolve_token, revoke_token, token_hash
from jixiao.accounts.users import (
    actor_for,
    bootstrap_admins,
    change_password,
    create_user,
    deactivate,
    find_organisation,
    get_user,
    password_expired,
    reactivate,
    set_password,
    set_roles,
    unlock,
)
from jixiao.cli import cli
from jixiao.roles import Actor, Role
from jixiao.store import db
from jixiao.store.models import Organisation

DEFAULT_HASHER = passwords.HASHER  # before fast_hashing replaces it
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GOOD = "Correct-Horse-42"
TABLES = {"user_account", "user_role", "user_session", "api_token", "security_setting"}


class CountingHasher(PasswordHasher):
    """A cheap argon2id that counts verifications (to see that unknown users cost one too)."""

    def __init__(self, time_cost: int = 1) -> None:
        super().__init__(time_cost=time_cost, memory_cost=1024, parallelism=1, type=Type.ID)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch) -> CountingHasher:
    hasher = CountingHasher()
    monkeypatch.setattr(passwords, "HASHER", hasher)
    return hasher


@pytest.fixture
def orgs(sessions) -> dict[str, int]:
    """Two departments with units, and a unit with no department: name → id."""
    with sessions() as session, session.begin():
        d = Organisation(kind="department", name="甲部门")
        e = Organisation(kind="department", name="乙部门")
        made = {"甲部门": d, "乙部门": e,
                "甲单位一": Organisation(kind="unit", name="甲单位一", parent=d),
                "甲单位二": Organisation(kind="unit", name="甲单位二", parent=d),
                "乙单位": Organisation(kind="unit", name="乙单位", parent=e),
                "同名单位@甲": Organisation(kind="unit", name="同名单位", parent=d),
                "同名单位@乙": Organisation(kind="unit", name="同名单位", parent=e),
                "独立单位": Organisation(kind="unit", name="独立单位")}
        session.add_all(made.values())
        session.flush()
        return {name: org.id for name, org in made.items()}


@contextmanager
def refused(message: str, error: type[Exception] = AccountError) -> Iterator[None]:
    """Expect ``error`` with exactly ``message``."""
    with pytest.raises(error) as caught:
        yield
    assert str(caught.value) == message


@contextmanager
def refused_starting(message: str, error: type[Exception] = AccountError) -> Iterator[None]:
    """Expect ``error`` with a message starting with ``message``."""
    with pytest.raises(error) as caught:
        yield
    assert str(caught.value).startswith(message), str(caught.value)


def add_user(sessions, username: str, roles: list[Role | str], organisation_id: int | None = None,
             password: str = GOOD) -> int:
    with sessions() as session, session.begin():
        return create_user(session, username, password, roles, organisation_id, now=T0).id


def login(sessions, username: str, password: str, now: datetime) -> UserAccount | LoginFailed:
    """Log in as the web does: commit whether it succeeds or fails."""
    with sessions() as session:
        try:
            user = authenticate(session, username, password, "10.0.0.1", now)
        except LoginFailed as err:
            session.commit()
            return err
        session.commit()
        user.role_rows  # noqa: B018 - loaded while the session is open, for the caller
        return user


def state(sessions, username: str) -> tuple[int, datetime | None]:
    with sessions() as session:
        user = get_user(session, username)
        return user.failed_logins, user.locked_until


# -- hashing and the password rules (no database) --

def test_the_hash_is_argon2id_with_rfc_9106_parameters_and_not_the_password(monkeypatch):
    monkeypatch.setattr(passwords, "HASHER", DEFAULT_HASHER)
    stored = hash_password(GOOD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert GOOD not in stored and hash_password(GOOD) != stored  # salted
    assert verify_password(stored, GOOD) and not verify_password(stored, GOOD.lower())
    assert not verify_password("not a hash", GOOD)
    assert not passwords.needs_rehash(stored)
    assert passwords.needs_rehash(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(GOOD))


def test_the_password_rules_say_what_is_wrong_in_chinese():
    policy = SecurityPolicy()
    assert check_password("short", policy) == [
        "密码至少要 12 个字符，现在只有 5 个",
        "密码要包含大写字母、小写字母、数字、符号中的至少 3 类，现在只有 1 类",
    ]
    assert check_password("Abcdefghijk1", policy) == []  # 12 characters, 3 classes
    assert check_password("绩效目标abcdefgh1", policy) == []  # a Chinese character counts as a 符号
    assert check_password("x-Alice-2026-Q", policy, "alice") == ["密码不能包含用户名"]
    assert check_password("Abcdefghijk1", SecurityPolicy(min_classes=4)) == [
        "密码要包含大写字母、小写字母、数字、符号中的至少 4 类，现在只有 3 类"]
    assert check_password("A1-" + "b" * 130, policy) == ["密码不能超过 128 个字符"]
    assert check_password("Abc\x00defghijk1", policy) == ["密码不能包含控制字符"]


def test_generated_passwords_pass_the_policy():
    strict = SecurityPolicy(min_length=24, min_classes=4)
    for _ in range(50):
        password = generate_password(strict, "sysadmin")
        assert len(password) == 24 and check_password(password, strict, "sysadmin") == []
    assert len(generate_password()) == 20
    assert len({generate_password() for _ in range(20)}) == 20


def test_policy_values_out_of_range_are_named():
    assert SecurityPolicy().problems() == []
    assert SecurityPolicy(min_length=6, max_failed_logins=0).problems() == [
        "密码最短长度（min_length）须是 8 到 128 之间的整数，不能是 6",
        "连续登录失败锁定次数（max_failed_logins）须是 1 到 100 之间的整数，不能是 0",
    ]
    with refused_starting("没有安全策略设置「length」；可设置：min_length、"):
        SecurityPolicy().with_values({"length": "10"})
    with refused("密码最短长度（min_length）须是整数，不能是「十」"):
        SecurityPolicy().with_values({"min_length": "十"})


# -- the database: tables and migration --

def test_migration_0004_creates_the_tables_as_the_models_say_and_downgrades(url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from jixiao.store.models import Base

    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diffs = [d for d in compare_metadata(context, Base.metadata) if TABLES & _tables_of(d)]
        assert diffs == []
        db.downgrade(engine, "0003")
        assert not TABLES & set(inspect(engine).get_table_names())
        db.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def _tables_of(diff: object) -> set[str]:
    """The table names an Alembic diff entry mentions (entries are tuples, or lists of tuples)."""
    found: set[str] = set()
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item:
            name = getattr(part, "name", None)
            table = getattr(part, "table", None)
            if isinstance(part, str):
                found.add(part)
            elif table is not None and getattr(table, "name", None):
                found.add(table.name)
            elif name:
                found.add(name)
    return found


def test_the_policy_is_stored_and_read_back(sessions):
    with sessions() as session, session.begin():
        assert load_policy(session) == SecurityPolicy()
        save_policy(session, SecurityPolicy(min_length=14, lockout_minutes=30))
    with sessions() as session, session.begin():
        assert load_policy(session) == SecurityPolicy(min_length=14, lockout_minutes=30)
        with refused_starting("安全策略无效：会话空闲超时"):
            save_policy(session, SecurityPolicy(session_idle_minutes=0))
    with sessions() as session, session.begin():
        session.get(SecuritySetting, "min_length").value = "4"
    with sessions() as session, refused_starting("保存的安全策略无效：密码最短长度"):
        load_policy(session)


# -- users, roles and organisations --

ROLE_CASES = [
    # roles, organisation, the refusal (None: accepted)
    ([], None, "至少要授予一个角色"),
    (["filler"], None, "角色「填报人」须指定所属实施单位"),
    (["filler"], "甲部门", "角色「填报人」须属于实施单位，「甲部门」是主管部门"),
    (["filler"], "甲单位一", None),
    (["填报人", "单位审核人"], "独立单位", None),
    (["department_reviewer"], None, "角色「主管部门审核人」须指定所属主管部门"),
    (["department_reviewer"], "甲单位一", "角色「主管部门审核人」须属于主管部门，「甲单位一」是实施单位"),
    (["department_reviewer"], "甲部门", None),
    (["finance_reviewer"], "甲部门", "角色「财政审核人」不属于任何单位或部门，不能指定「甲部门」"),
    (["finance_reviewer"], None, None),
    (["system_admin"], None, None),
    (["system_admin"], "甲单位一", "角色「系统管理员」不属于任何单位或部门，不能指定「甲单位一」"),
    (["system_admin", "audit_admin"], None,
     "「系统管理员」是管理员角色，不能与其他角色授予同一个账号（三员分立）"),
    (["filler", "finance_reviewer"], "甲单位一",
     "角色「填报人」与「财政审核人」所属的组织不同，不能授予同一个账号"),
    (["filler", "department_reviewer"], "甲单位一",
     "角色「填报人」与「主管部门审核人」所属的组织不同，不能授予同一个账号"),
    (["boss"], None, "没有角色「boss」；可选：filler（填报人）、unit_reviewer（单位审核人）、"
                     "department_reviewer（主管部门审核人）、finance_reviewer（财政审核人）、"
                     "system_admin（系统管理员）、security_admin（安全管理员）、audit_admin（审计管理员）"),
]


def test_roles_must_fit_the_organisation(sessions, orgs):
    outcomes = []
    with sessions() as session:
        for i, (roles, org, _) in enumerate(ROLE_CASES):
            try:
                create_user(session, f"user{i}", GOOD, roles, orgs.get(org))
                outcomes.append(None)
            except AccountError as err:
                outcomes.append(str(err))
    assert outcomes == [message for _, _, message in ROLE_CASES]


def test_usernames_are_normalised_checked_and_unique(sessions, orgs):
    add_user(sessions, "Ａlice", ["finance_reviewer"])  # a full-width letter
    with sessions() as session:
        assert get_user(session, "ALICE").username == "alice"
        for name, message in [
            ("alice", "用户名「alice」已被使用"),
            ("ab", "用户名「ab」不合规：须为 3 到 64 个小写字母、数字或 _ . @ -，以字母或数字开头"),
            ("张三", "用户名「张三」不合规：须为 3 到 64 个小写字母、数字或 _ . @ -，以字母或数字开头"),
            ("public", "用户名「public」留作系统用途，请换一个"),
        ]:
            with pytest.raises(AccountError) as caught:
                create_user(session, name, GOOD, ["finance_reviewer"])
            assert str(caught.value) == message
        with pytest.raises(PasswordRejected) as caught:
            create_user(session, "bob", "bob-Secret-2026", ["finance_reviewer"])
        assert str(caught.value) == "密码不符合安全策略：密码不能包含用户名"
        with refused("没有用户「carol」"):
            get_user(session, "carol")


def test_organisations_are_found_by_name_and_ambiguity_is_explained(sessions, orgs):
    with sessions() as session:
        assert find_organisation(session, "unit", "甲单位一").id == orgs["甲单位一"]
        assert find_organisation(session, "unit", "乙部门/同名单位").id == orgs["同名单位@乙"]
        assert find_organisation(session, "department", "甲部门").id == orgs["甲部门"]
        for kind, name, message in [
            ("unit", "同名单位",
             "有 2 个名为「同名单位」的实施单位（主管部门：甲部门、乙部门），请写作「主管部门/同名单位」"),
            ("unit", "丙单位",
             "没有名为「丙单位」的实施单位；已有的实施单位：独立单位、甲单位二、甲单位一、同名单位、乙单位"),
            ("department", "甲单位一", "没有名为「甲单位一」的主管部门；已有的主管部门：甲部门、乙部门"),
        ]:
            with pytest.raises(AccountError) as caught:
                find_organisation(session, kind, name)
            assert str(caught.value) == message


def test_the_actor_carries_the_unit_and_its_department(sessions, orgs):
    add_user(sessions, "filler1", ["filler", "unit_reviewer"], orgs["甲单位一"])
    add_user(sessions, "orphan", ["filler"], orgs["独立单位"])
    add_user(sessions, "dept", ["department_reviewer"], orgs["甲部门"])
    add_user(sessions, "finance", ["finance_reviewer"])
    with sessions() as session:
        actors = {name: actor_for(get_user(session, name), "10.0.0.9")
                  for name in ("filler1", "orphan", "dept", "finance")}
    assert actors["filler1"] == Actor(
        user_id=actors["filler1"].user_id, username="filler1",
        roles=frozenset({Role.FILLER, Role.UNIT_REVIEWER}),
        unit_id=orgs["甲单位一"], department_id=orgs["甲部门"], address="10.0.0.9")
    assert [(a.unit_id, a.department_id) for a in actors.values()] == [
        (orgs["甲单位一"], orgs["甲部门"]), (orgs["独立单位"], None), (None, orgs["甲部门"]), (None, None)]


# -- logging in: one message, lockout --

def test_unknown_user_and_wrong_password_fail_alike_and_both_cost_a_verification(sessions, fast_hashing):
    add_user(sessions, "alice", ["finance_reviewer"])
    add_user(sessions, "gone", ["finance_reviewer"])
    with sessions() as session, session.begin():
        deactivate(session, get_user(session, "gone"), T0)
    outcomes = []
    for username, password in [("nobody", GOOD), ("alice", "wrong"), ("gone", GOOD)]:
        before = fast_hashing.verified
        err = login(sessions, username, password, T0)
        assert isinstance(err, LoginFailed)
        outcomes.append((str(err), err.reason, fast_hashing.verified - before, err.address))
    assert outcomes == [(LOGIN_FAILED, "unknown_user", 1, "10.0.0.1"),
                        (LOGIN_FAILED, "bad_password", 1, "10.0.0.1"),
                        (LOGIN_FAILED, "inactive", 1, "10.0.0.1")]
    assert LOGIN_FAILED == "用户名或密码错误"
    user = login(sessions, "ALICE", GOOD, T0)
    assert isinstance(user, UserAccount) and user.last_login_at == T0


def test_five_failures_lock_the_account_for_fifteen_minutes(sessions, fast_hashing):
    add_user(sessions, "alice", ["finance_reviewer"])
    for minute in range(4):
        assert login(sessions, "alice", "wrong", T0 + timedelta(minutes=minute)).reason == "bad_password"
    assert state(sessions, "alice") == (4, None)
    fifth = login(sessions, "alice", "wrong", T0 + timedelta(minutes=4))
    locked_until = T0 + timedelta(minutes=4 + 15)
    assert (fifth.reason, fifth.locked_until) == ("bad_password", locked_until)
    assert state(sessions, "alice") == (0, locked_until)
    # While locked, even the right password fails with the same message, and the password is not
    # looked at (the time of one verification is spent all the same); guessing does not extend it.
    for minute in (5, 10, 18):
        before = fast_hashing.verified
        err = login(sessions, "alice", GOOD, T0 + timedelta(minutes=minute))
        assert (str(err), err.reason, err.locked_until) == (LOGIN_FAILED, "locked", locked_until)
        assert fast_hashing.verified - before == 1
    assert login(sessions, "alice", "wrong", T0 + timedelta(minutes=18)).reason == "locked"
    assert state(sessions, "alice") == (0, locked_until)
    # When the lock runs out the right password works and the count starts again.
    assert isinstance(login(sessions, "alice", GOOD, locked_until), UserAccount)
    assert state(sessions, "alice") == (0, None)


def test_success_resets_the_count_and_the_policy_decides_the_threshold(sessions):
    add_user(sessions, "alice", ["finance_reviewer"])
    with sessions() as session, session.begin():
        save_policy(session, SecurityPolicy(max_failed_logins=2, lockout_minutes=60))
    login(sessions, "alice", "wrong", T0)
    assert isinstance(login(sessions, "alice", GOOD, T0), UserAccount)
    assert state(sessions, "alice") == (0, None)
    login(sessions, "alice", "wrong", T0)
    assert login(sessions, "alice", "wrong", T0).locked_until == T0 + timedelta(hours=1)
    with sessions() as session, session.begin():
        unlock(session, get_user(session, "alice"))
    assert isinstance(login(sessions, "alice", GOOD, T0), UserAccount)


def test_a_login_rehashes_a_password_hashed_with_older_parameters(sessions, monkeypatch):
    add_user(sessions, "alice", ["finance_reviewer"])
    stronger = CountingHasher(time_cost=2)
    monkeypatch.setattr(passwords, "HASHER", stronger)
    user = login(sessions, "alice", GOOD, T0)
    assert isinstance(user, UserAccount)
    with sessions() as session:
        stored = get_user(session, "alice").password_hash
    assert ",t=2," in stored and not stronger.check_needs_rehash(stored)


# -- sessions: idle timeout, revocation --

def test_a_session_is_stored_as_a_hash_and_resolves_to_the_actor(sessions, orgs):
    add_user(sessions, "alice", ["filler"], orgs["甲单位一"])
    with sessions() as session, session.begin():
        issued = start_session(session, get_user(session, "alice"), "10.0.0.1", T0)
    assert issued.id == hashlib.sha256(issued.token.encode()).hexdigest() == session_id(issued.token)
    with sessions() as session, session.begin():
        row = session.scalars(select(UserSession)).one()
        assert issued.token not in (row.id, row.csrf_token) and row.id == issued.id
        active = resolve_session_info(session, issued.token, T0 + timedelta(minutes=5), "10.0.0.2")
        actor = active.actor
        assert (actor.username, actor.unit_id, actor.department_id, actor.address) == (
            "alice", orgs["甲单位一"], orgs["甲部门"], "10.0.0.2")
        assert [active.csrf_matches(c) for c in (issued.csrf_token, "x", None)] == [True, False, False]
        assert active.expires_at == T0 + timedelta(minutes=35)
        assert resolve_session(session, issued.token[:-1] + "x", T0) is None
        assert resolve_session(session, None, T0) is None
        assert resolve_session(session, "x" * 10_000, T0) is None


def test_an_idle_session_ends_after_thirty_minutes_and_use_keeps_it_alive(sessions, orgs):
    add_user(sessions, "alice", ["filler"], orgs["甲单位一"])
    with sessions() as session, session.begin():
        user = get_user(session, "alice")
        busy = start_session(session, user, None, T0)
        idle = start_session(session, user, None, T0)

    def resolve(token: str, minutes: float) -> str | None:
        with sessions() as session, session.begin():
            actor = resolve_session(session, token, T0 + timedelta(minutes=minutes))
            return actor.username if actor else None

    assert [resolve(busy.token, m) for m in (20, 45, 70)] == ["alice", "alice", "alice"]  # 25 min apart
    assert resolve(idle.token, 30) == "alice"  # exactly 30 minutes: not yet longer than the policy
    assert resolve(idle.token, 60.5) is None  # 30.5 minutes since the last use
    assert resolve(idle.token, 61) is None  # and it stays ended
    with sessions() as session:
        row = session.get(UserSession, idle.id)
        assert row.revoked_at == T0 + timedelta(minutes=60.5)


def test_a_session_ends_after_its_maximum_age_however_busy(sessions, orgs):
    add_user(sessions, "alice", ["filler"], orgs["甲单位一"])
    with sessions() as session, session.begin():
        issued = start_session(session, get_user(session, "alice"), None, T0)
    alive = []
    for minutes in range(20, 13 * 60, 20):
        with sessions() as session, session.begin():
            alive.append(resolve_session(session, issued.token, T0 + timedelta(minutes=minutes)) is not None)
    assert alive == [minutes <= 12 * 60 for minutes in range(20, 13 * 60, 20)]


def test_logout_password_change_role_change_and_deactivation_end_sessions(sessions, orgs):
    add_user(sessions, "alice", ["filler"], orgs["甲单位一"])
    add_user(sessions, "other", ["filler"], orgs["甲单位一"])

    def start(username: str = "alice") -> str:
        with sessions() as session, session.begin():
            return start_session(session, get_user(session, username), None, T0).token

    def alive(*tokens: str) -> list[bool]:
        with sessions() as session, session.begin():
            return [resolve_session(session, t, T0 + timedelta(minutes=1)) is not None for t in tokens]

    one, two, others = start(), start(), start("other")
    with sessions() as session, session.begin():
        assert end_session(session, one, T0) and not end_session(session, one, T0)
    assert alive(one, two, others) == [False, True, True]

    with sessions() as session, session.begin():
        set_password(session, get_user(session, "alice"), "New-Password-2026", now=T0)
    assert alive(two, others) == [False, True]

    three = start()
    with sessions() as session, session.begin():
        set_roles(session, get_user(session, "alice"), ["filler", "unit_reviewer"], now=T0)
    assert alive(three, others) == [False, True]
    with sessions() as session:
        user = get_user(session, "alice")
        assert (user.roles, user.organisation_id) == ({Role.FILLER, Role.UNIT_REVIEWER}, orgs["甲单位一"])

    four = start()
    with sessions() as session, session.begin():
        deactivate(session, get_user(session, "alice"), T0)
    assert alive(four, others) == [False, True]
    assert login(sessions, "alice", "New-Password-2026", T0).reason == "inactive"
    with sessions() as session, session.begin():
        reactivate(session, get_user(session, "alice"))
    assert isinstance(login(sessions, "alice", "New-Password-2026", T0), UserAccount)


def test_changing_roles_can_move_the_user_and_is_checked(sessions, orgs):
    add_user(sessions, "alice", ["filler"], orgs["甲单位一"])
    with sessions() as session, session.begin():
        user = get_user(session, "alice")
        set_roles(session, user, ["department_reviewer"], organisation_id=orgs["甲部门"], now=T0)
        assert actor_for(user).department_id == orgs["甲部门"] and actor_for(user).unit_id is None
        with refused("角色「财政审核人」不属于任何单位或部门，不能指定「甲部门」"):
            set_roles(session, user, ["finance_reviewer"])
        set_roles(session, user, ["finance_reviewer"], organisation_id=None)
        assert (user.roles, user.organisation) == ({Role.FINANCE_REVIEWER}, None)


def test_the_user_changes_the_own_password_only_with_the_current_one(sessions):
    add_user(sessions, "alice", ["finance_reviewer"])
    with sessions() as session, session.begin():
        user = get_user(session, "alice")
        with refused("当前密码不正确"):
            change_password(session, user, "wrong", "New-Password-2026", now=T0)
        assert user.failed_logins == 1  # counts as a failed login
        with refused("密码不符合安全策略：新密码不能与当前密码相同", PasswordRejected):
            change_password(session, user, GOOD, GOOD, now=T0)
        with refused_starting("密码不符合安全策略：密码至少要 12 个字符", PasswordRejected):
            change_password(session, user, GOOD, "Short-1", now=T0)
        change_password(session, user, GOOD, "New-Password-2026", now=T0 + timedelta(days=1))
        assert (user.password_changed_at, user.failed_logins) == (T0 + timedelta(days=1), 0)
    assert isinstance(login(sessions, "alice", "New-Password-2026", T0), UserAccount)


def test_times_must_carry_a_time_zone(sessions, orgs):
    add_user(sessions, "alice", ["filler"], orgs["甲单位一"])
    with sessions() as session, pytest.raises(ValueError, match="now must be timezone-aware"):
        start_session(session, get_user(session, "alice"), None, datetime(2026, 3, 2, 9, 0))
    # what SQLite keeps without a zone comes back as UTC, and other zones are converted
    beijing = T0.astimezone(timezone(timedelta(hours=8)))
    with sessions() as session, session.begin():
        issued = start_session(session, get_user(session, "alice"), None, beijing)
    with sessions() as session:
        row = session.get(UserSession, issued.id)
        assert (row.created_at, row.created_at.tzinfo) == (T0, UTC)


def test_passwords_expire_only_when_the_policy_says_so(sessions):
    add_user(sessions, "alice", ["finance_reviewer"])
    with sessions() as session:
        user = get_user(session, "alice")
        assert not password_expired(user, SecurityPolicy(), T0 + timedelta(days=3650))
        ninety = SecurityPolicy(password_max_days=90)
        assert not password_expired(user, ninety, T0 + timedelta(days=89))
        assert password_expired(user, ninety, T0 + timedelta(days=90))


# -- API tokens --

def test_a_token_is_shown_once_stored_as_a_hash_and_never_exceeds_the_roles(sessions, orgs):
    add_user(sessions, "alice", ["filler"], orgs["甲单位一"])
    with sessions() as session, session.begin():
        user = get_user(session, "alice")
        issued = create_token(session, user, "每晚导入", ["read", "write,import"], now=T0)
        assert re.fullmatch(r"jx_[A-Za-z0-9_-]{43}", issued.token)
        assert issued.expires_at == T0 + timedelta(days=90)
        row = session.get(ApiToken, issued.id)
        assert (row.token_hash, row.scopes) == (token_hash(issued.token), "read write import")
        with pytest.raises(AccountError) as caught:
            create_token(session, user, "审核", ["read", "review"], now=T0)
        assert str(caught.value) == ("用户「alice」的角色不允许令牌权限「review」"
                                     "（可授予：read、write、import）")
        with refused("没有令牌权限「admin」；可选：read、write、import、review"):
            create_token(session, user, "x", ["admin"], now=T0)
        with refused("令牌的有效期须在现在之后、90 天以内"):
            create_token(session, user, "x", ["read"], now=T0, expires_at=T0 + timedelta(days=91))
        with refused("令牌须有一个 1 到 100 字的名称，说明它的用途"):
            create_token(session, user, " ", ["read"], now=T0)

    with sessions() as session, session.begin():
        grant = resolve_token(session, issued.token, T0 + timedelta(days=1), "10.0.0.3")
        assert (grant.actor.username, grant.actor.unit_id, grant.scopes, grant.token_id) == (
            "alice", orgs["甲单位一"], {"read", "write", "import"}, issued.id)
        assert session.get(ApiToken, issued.id).last_used_at == T0 + timedelta(days=1)
        assert resolve_token(session, issued.token[3:], T0) is None  # no jx_ prefix
        assert resolve_token(session, "jx_" + "A" * 43, T0) is None
        # Roles taken away after the token was made are taken from the token too.
        set_roles(session, get_user(session, "alice"), ["finance_reviewer"], organisation_id=None)
        assert resolve_token(session, issued.token, T0 + timedelta(days=2)).scopes == {"read", "import"}
        assert resolve_token(session, issued.token, T0 + timedelta(days=90)) is None  # expired


def test_tokens_are_revoked_one_by_one_and_with_the_user(sessions):
    add_user(sessions, "alice", ["finance_reviewer"])
    add_user(sessions, "bob", ["finance_reviewer"])
    with sessions() as session, session.begin():
        alice, bob = get_user(session, "alice"), get_user(session, "bob")
        first = create_token(session, alice, "一", ["read"], now=T0)
        second = create_token(session, alice, "二", ["review"], now=T0, expires_at=T0 + timedelta(days=7))
        assert not revoke_token(session, first.id, user=bob)  # not bob's
        assert revoke_token(session, first.id, now=T0) and not revoke_token(session, first.id)
        assert resolve_token(session, first.token, T0) is None
        assert resolve_token(session, second.token, T0).scopes == {"review"}
        assert [t.name for t in list_tokens(session, alice)] == ["二", "一"]
        deactivate(session, alice, T0)
        assert resolve_token(session, second.token, T0) is None
        assert session.get(ApiToken, second.id).revoked_at == T0


# -- the first administrators; there is always one of each --

def test_bootstrap_creates_the_three_administrators_once(sessions):
    with sessions() as session, session.begin():
        created = bootstrap_admins(session, T0)
    assert [(a.username, a.role) for a in created] == [
        ("sysadmin", Role.SYSTEM_ADMIN), ("secadmin", Role.SECURITY_ADMIN), ("auditadmin", Role.AUDIT_ADMIN)]
    for account in created:
        assert check_password(account.password, SecurityPolicy(), account.username) == []
        user = login(sessions, account.username, account.password, T0)
        assert isinstance(user, UserAccount) and user.roles == {account.role}
    with sessions() as session, session.begin():
        assert bootstrap_admins(session, T0) == []


def test_bootstrap_does_nothing_when_any_user_exists(sessions):
    add_user(sessions, "finance", ["finance_reviewer"])
    with sessions() as session, session.begin():
        assert bootstrap_admins(session, T0) == []
        assert [u.username for u in session.scalars(select(UserAccount))] == ["finance"]


def test_the_last_administrator_of_a_kind_is_kept(sessions):
    with sessions() as session, session.begin():
        bootstrap_admins(session, T0)
    with sessions() as session, session.begin():
        with pytest.raises(AccountError) as caught:
            deactivate(session, get_user(session, "secadmin"), T0)
        assert str(caught.value) == "「secadmin」是最后一个在用的安全管理员，不能停用；请先为他人授予该角色"
        with refused_starting("「auditadmin」是最后一个在用的审计管理员，不能撤销其角色"):
            set_roles(session, get_user(session, "auditadmin"), ["finance_reviewer"])
        create_user(session, "secadmin2", GOOD, ["security_admin"])
        deactivate(session, get_user(session, "secadmin"), T0)
        assert not get_user(session, "secadmin").active


# -- the command line --

def run(url: str, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["user", *args], env={"JIXIAO_DATABASE_URL": url}, input=input)
    return result.exit_code, result.stdout, result.stderr


def test_cli_needs_a_migrated_database(url):
    assert run(url, "list") == (
        2, "", "jixiao: error: the database is not initialised; run `jixiao db upgrade` first\n")


def test_cli_bootstrap_prints_the_passwords_once(url, engine):
    code, out, err = run(url, "bootstrap")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "已创建三个管理员账号；密码只显示这一次，请分别交给三位管理员，首次登录后修改："
    rows = [line.split() for line in lines[1:]]
    assert [row[:2] for row in rows] == [["sysadmin", "系统管理员"], ["secadmin", "安全管理员"],
                                         ["auditadmin", "审计管理员"]]
    sessions = db.session_factory(engine)
    assert isinstance(login(sessions, "secadmin", rows[1][2], T0), UserAccount)
    assert run(url, "bootstrap") == (0, "已有用户，未创建任何账号\n", "")


def test_cli_adds_users_changes_roles_and_passwords(url, engine, orgs):
    sessions = db.session_factory(engine)
    assert run(url, "add", "alice", "--role", "filler", "--unit", "甲单位一", "--name", "张三",
               "--password-stdin", input=GOOD + "\n") == (
        0, "已创建用户 alice：填报人，甲部门/甲单位一\n", "")
    assert isinstance(login(sessions, "alice", GOOD, T0), UserAccount)

    code, out, err = run(url, "add", "dave", "--role", "主管部门审核人", "--department", "甲部门")
    first, second = out.splitlines()
    assert (code, first, err) == (0, "已创建用户 dave：主管部门审核人，甲部门", "")
    password = second.removeprefix("初始密码（只显示这一次）：")
    assert password != second and isinstance(login(sessions, "dave", password, T0), UserAccount)

    code, out, err = run(url, "passwd", "alice")
    first, second = out.splitlines()
    assert (code, first, err) == (0, "已为用户 alice 设置新密码，其登录会话均已结束", "")
    new_password = second.removeprefix("新密码（只显示这一次）：")
    assert isinstance(login(sessions, "alice", new_password, T0), UserAccount)

    assert run(url, "role", "alice", "--role", "filler", "--role", "unit_reviewer") == (
        0, "用户 alice 的角色：填报人、单位审核人，甲部门/甲单位一；其登录会话均已结束\n", "")
    assert run(url, "role", "alice", "--role", "finance_reviewer") == (
        2, "", "jixiao: error: 角色「财政审核人」不属于任何单位或部门，不能指定「甲单位一」\n")
    assert run(url, "disable", "dave") == (0, "已停用用户 dave\n", "")
    assert run(url, "list") == (0, "\n".join([
        "用户名  姓名  角色                单位/部门        状态",
        "alice   张三  填报人、单位审核人  甲部门/甲单位一  正常",
        "dave    -     主管部门审核人      甲部门           已停用",
    ]) + "\n", "")


def test_cli_errors_are_one_line_and_exit_2(url, engine, orgs):
    errors = {
        ("add", "bob", "--role", "boss"):
        "没有角色「boss」；可选：filler（填报人）、unit_reviewer（单位审核人）、"
        "department_reviewer（主管部门审核人）、finance_reviewer（财政审核人）、system_admin（系统管理员）、"
        "security_admin（安全管理员）、audit_admin（审计管理员）",
        ("add", "bob", "--role", "filler", "--unit", "丙单位"):
            "没有名为「丙单位」的实施单位；已有的实施单位：独立单位、甲单位二、甲单位一、同名单位、乙单位",
        ("add", "bob", "--role", "filler", "--unit", "同名单位"):
            "有 2 个名为「同名单位」的实施单位（主管部门：甲部门、乙部门），请写作「主管部门/同名单位」",
        ("add", "bob", "--role", "filler"): "角色「填报人」须指定所属实施单位",
        ("add", "bob", "--role", "filler", "--unit", "甲单位一", "--department", "甲部门"):
            "--unit 与 --department 只能给一个",
        ("passwd", "nobody"): "没有用户「nobody」",
        ("token", "revoke", "99"): "没有有效的令牌 #99",
        ("policy", "--set", "min_length=6"):
            "安全策略无效：密码最短长度（min_length）须是 8 到 128 之间的整数，不能是 6",
    }
    for args, message in errors.items():
        assert run(url, *args) == (2, "", f"jixiao: error: {message}\n"), args
    assert run(url, "add", "bob", "--role", "finance_reviewer", "--password-stdin", input="short\n") == (
        2, "", "jixiao: error: 密码不符合安全策略：密码至少要 12 个字符，现在只有 5 个；"
               "密码要包含大写字母、小写字母、数字、符号中的至少 3 类，现在只有 1 类\n")
    assert run(url, "list") == (0, "还没有用户；`jixiao user bootstrap` 创建三个管理员\n", "")


def test_cli_tokens_and_policy(url, engine, orgs):
    sessions = db.session_factory(engine)
    add_user(sessions, "alice", ["filler"], orgs["甲单位一"])
    code, out, err = run(url, "token", "add", "alice", "--name", "每晚导入", "--scope", "read",
                         "--scope", "import", "--days", "7")
    first, second = out.splitlines()
    assert (code, err) == (0, "")
    assert re.fullmatch(r"已创建令牌 #1「每晚导入」，有效至 \d{4}-\d\d-\d\d \d\d:\d\d", first)
    raw = second.removeprefix("令牌（只显示这一次）：")
    with sessions() as session:
        assert resolve_token(session, raw).scopes == {"read", "import"}
    code, out, _ = run(url, "token", "list", "alice")
    assert code == 0
    assert out.splitlines()[0].split() == ["编号", "用户", "名称", "权限", "有效至", "最近使用", "状态"]
    assert out.splitlines()[1].split()[:4] == ["#1", "alice", "每晚导入", "read"]
    assert out.splitlines()[1].split()[-1] == "有效"
    assert run(url, "token", "add", "alice", "--name", "审核", "--scope", "review") == (
        2, "", "jixiao: error: 用户「alice」的角色不允许令牌权限「review」（可授予：read、write、import）\n")
    assert run(url, "token", "revoke", "1") == (0, "已撤销令牌 #1\n", "")
    assert run(url, "token", "list").__getitem__(1).splitlines()[1].split()[-1] == "已撤销"

    code, out, err = run(url, "policy", "--set", "min_length=14", "--set", "lockout_minutes=30")
    assert (code, err) == (0, "") and out.splitlines()[:2] == ["min_length = 14  # 密码最短长度",
                                                               "min_classes = 3  # 密码至少包含的字符类别数"]
    with sessions() as session:
        assert load_policy(session) == SecurityPolicy(min_length=14, lockout_minutes=30)
    weak = "Short-Pass-42\n"
    assert run(url, "add", "bob", "--role", "finance_reviewer", "--password-stdin", input=weak) == (
        2, "", "jixiao: error: 密码不符合安全策略：密码至少要 14 个字符，现在只有 13 个\n")
    assert run(url, "add", "bob", "--role", "finance_reviewer", "--password-stdin", input=GOOD + "\n") == (
        0, "已创建用户 bob：财政审核人\n", "")
