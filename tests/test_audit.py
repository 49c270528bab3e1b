"""The tamper-evident audit log (jixiao.audit) on SQLite and on PostgreSQL: recording inside the
caller's transaction, the hash chain and the anchor, every kind of tampering, concurrent appends,
reading, export and offline verification, the CLI.

Tampering is done the way an attacker with the database owner's rights would: drop the append-only
triggers, then change the rows with raw SQL.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, OperationalError

import jixiao.audit.log as audit_log
from jixiao.audit import (
    ACTIONS,
    GENESIS,
    AuditAnchor,
    AuditEntry,
    AuditError,
    Checkpoint,
    Problem,
    count_entries,
    entries,
    entry_hash,
    export,
    record,
    verify,
    verify_export,
)
from jixiao.cli import cli
from jixiao.errors import UsageError
from jixiao.roles import SYSTEM, Actor, Role
from jixiao.store import db

from .conftest import ROOT

ALICE = Actor(user_id=7, username="alice", roles=frozenset({Role.FILLER}), address="10.1.2.3")
BOB = Actor(user_id=8, username="bob", address="2001:db8::1")
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def fill(sessions, count: int = 5) -> list[str]:
    """``count`` entries, one transaction each, a minute apart; their hashes."""
    hashes = []
    for i in range(count):
        with sessions.begin() as session:
            entry = record(session, ALICE if i % 2 == 0 else BOB, "declaration.update",
                           object_type="declaration", object_id=i + 1, before={"funds": Decimal(i)},
                           after={"funds": Decimal(i + 1)}, now=T0 + timedelta(minutes=i))
            hashes.append(entry.hash)
    return hashes


def tamper(engine, *statements: str, **params: object) -> None:
    """Run raw SQL as the database owner would, the append-only triggers dropped first."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_anchor_kept ON audit_anchor"))
        else:
            for name in ("audit_entry_no_update", "audit_entry_no_delete", "audit_anchor_kept"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        for statement in statements:
            connection.execute(text(statement), params)


def check(sessions, **kwargs: object) -> tuple[bool, str | None, int | None, str]:
    with sessions() as session:
        result = verify(session, **kwargs)
    return result.ok, result.problem, result.entry_id, result.message


def stored(sessions) -> list[AuditEntry]:
    with sessions() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


# Recording


def test_recorded_entries_form_one_chain_that_verifies(sessions):
    hashes = fill(sessions, 3)
    rows = stored(sessions)
    assert [(e.id, e.actor, e.user_id, e.address, e.action, e.object_type, e.object_id, e.outcome)
            for e in rows] == [
        (1, "alice", 7, "10.1.2.3", "declaration.update", "declaration", "1", "ok"),
        (2, "bob", 8, "2001:db8::1", "declaration.update", "declaration", "2", "ok"),
        (3, "alice", 7, "10.1.2.3", "declaration.update", "declaration", "3", "ok"),
    ]
    assert [e.prev_hash for e in rows] == [GENESIS, hashes[0], hashes[1]]
    assert [e.hash for e in rows] == hashes == [entry_hash(e.fields()) for e in rows]
    assert rows[1].at == T0 + timedelta(minutes=1) and rows[1].at.tzinfo is not None
    assert rows[0].details_value() == {"before": {"funds": "0"}, "after": {"funds": "1"}}
    with sessions() as session:
        anchor = session.get(AuditAnchor, 1)
        assert (anchor.entry_count, anchor.last_hash) == (3, hashes[2])
    assert check(sessions) == (True, None, None, "审计日志完整: 3 条 / audit log intact: 3 entries")


def test_the_hash_covers_every_field_but_itself_in_canonical_json():
    fields = {"id": 1, "at": datetime(2026, 1, 2, 11, 4, 5, 6, tzinfo=timezone(timedelta(hours=8))),
              "actor": "张三", "user_id": None, "address": None, "action": "login", "object_type": None,
              "object_id": None, "outcome": "ok", "details": None, "prev_hash": GENESIS, "hash": "ignored"}
    canonical = ('{"action":"login","actor":"张三","address":null,"at":"2026-01-02T03:04:05.000006Z",'
                 '"details":null,"id":1,"object_id":null,"object_type":null,"outcome":"ok",'
                 f'"prev_hash":"{GENESIS}","user_id":null}}')
    assert entry_hash(fields) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert entry_hash(fields | {"at": "2026-01-02T03:04:05.000006Z"}) == entry_hash(fields)
    for name in ("id", "actor", "action", "details", "prev_hash"):
        assert entry_hash(fields | {name: "x"}) != entry_hash(fields), name


def test_values_are_written_exactly_as_json(sessions):
    with sessions.begin() as session:
        entry = record(session, SYSTEM, "user.roles", object_type="user", object_id=7,
                       before={"roles": frozenset({Role.UNIT_REVIEWER, Role.FILLER}),
                               "since": date(2026, 1, 1)},
                       after={"roles": [Role.FILLER], "funds": Decimal("12345678901234567.89"),
                              "at": datetime(2026, 1, 1, 8, tzinfo=timezone(timedelta(hours=8)))},
                       details={"reason": "调岗"})
    assert entry.details == ('{"after":{"at":"2026-01-01T00:00:00+00:00","funds":"12345678901234567.89",'
                             '"roles":["filler"]},"before":{"roles":["filler","unit_reviewer"],'
                             '"since":"2026-01-01"},"reason":"调岗"}')
    assert (entry.actor, entry.user_id, entry.address) == ("system", None, None)


def test_bad_calls_are_refused_and_write_nothing(sessions):
    with sessions() as session:
        with pytest.raises(ValueError, match=r"unknown audit action 'declaration\.delete'"):
            record(session, ALICE, "declaration.delete")
        with pytest.raises(ValueError, match="unknown audit outcome 'maybe'"):
            record(session, ALICE, "login", outcome="maybe")
        with pytest.raises(TypeError, match="cannot record a object"):
            record(session, ALICE, "login", details={"x": object()})
        with pytest.raises(ValueError, match="Out of range float"):
            record(session, ALICE, "login", after=float("nan"))
        with pytest.raises(ValueError, match="'before' given both"):
            record(session, ALICE, "login", before=1, details={"before": 2})
        with pytest.raises(ValueError, match="naive datetime"):
            record(session, ALICE, "login", now=datetime(2026, 1, 1))
    assert stored(sessions) == []


def test_an_entry_commits_or_rolls_back_with_the_change_it_records(sessions):
    with sessions() as session:
        record(session, ALICE, "login", outcome="ok", now=T0)
        session.rollback()
    assert stored(sessions) == []
    with sessions.begin() as session:
        entry = record(session, ALICE, "login", now=T0)
    # no gap on PostgreSQL either: ids come from the anchor, not from a sequence
    assert (entry.id, entry.prev_hash) == (1, GENESIS)
    assert check(sessions)[0] is True


def test_the_time_is_stored_in_utc(sessions):
    beijing = timezone(timedelta(hours=8))
    with sessions.begin() as session:
        record(session, ALICE, "login", now=datetime(2026, 11, 24, 17, 30, 0, 123456, tzinfo=beijing))
    [entry] = stored(sessions)
    assert entry.at == datetime(2026, 11, 24, 9, 30, 0, 123456, tzinfo=UTC)
    assert entry.at.utcoffset() == timedelta(0)
    assert check(sessions)[0] is True


def test_without_its_anchor_the_log_refuses_to_record(engine, sessions):
    fill(sessions, 2)
    tamper(engine, "DELETE FROM audit_anchor")
    with sessions() as session, pytest.raises(AuditError, match="the audit anchor is missing"):
        record(session, ALICE, "login")
    assert check(sessions) == (False, "anchor", None, "审计日志锚点 (audit_anchor) 缺失 / the audit anchor "
                                                      "(audit_anchor) is missing")


def test_the_database_refuses_to_update_or_delete_entries(engine, sessions):
    fill(sessions, 2)
    for statement in ("UPDATE audit_entry SET actor = 'mallory' WHERE id = 1", "DELETE FROM audit_entry",
                      "DELETE FROM audit_anchor"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_entry"))
    assert check(sessions)[0] is True


# Tampering: each kind is found, and named by the first entry it touched.


def test_an_altered_entry_is_found(engine, sessions):
    fill(sessions)
    tamper(engine, "UPDATE audit_entry SET details = :new WHERE id = 3", new='{"after":{"funds":"0"}}')
    assert check(sessions) == (False, "altered", 3,
                               "审计日志第 3 条被篡改: 内容与其哈希不符 / "
                               "audit entry 3 was altered: its content does not match its hash")


def test_an_altered_time_is_found_even_when_it_is_no_time_at_all(engine, sessions):
    fill(sessions)
    tamper(engine, "UPDATE audit_entry SET at = :at WHERE id = 2", at=T0 + timedelta(days=1))
    assert check(sessions)[:3] == (False, "altered", 2)
    if engine.dialect.name == "sqlite":  # PostgreSQL's timestamptz holds nothing else
        tamper(engine, "UPDATE audit_entry SET at = 'yesterday' WHERE id = 1")
        assert check(sessions)[:3] == (False, "altered", 1)
        with sessions() as session:
            assert json.loads(next(export(session)))["at"] == "yesterday"


def test_an_entry_rewritten_with_a_recomputed_hash_breaks_the_next_link(engine, sessions):
    fill(sessions)
    [third] = [e for e in stored(sessions) if e.id == 3]
    forged = third.fields() | {"actor": "mallory"}
    tamper(engine, "UPDATE audit_entry SET actor = 'mallory', hash = :hash WHERE id = 3",
           hash=entry_hash(forged))
    assert check(sessions) == (False, "altered", 3,
                               "审计日志第 3 条被改写: 第 4 条记录的前一哈希与它不符 / "
                               "audit entry 3 was rewritten: entry 4 does not link to it")


def test_a_removed_entry_is_found(engine, sessions):
    fill(sessions)
    tamper(engine, "DELETE FROM audit_entry WHERE id = 3")
    assert check(sessions) == (False, "removed", 3,
                               "审计日志第 3 条缺失 (被删除), 其后是第 4 条 / "
                               "audit entry 3 is missing (removed); the next is entry 4")
    tamper(engine, "DELETE FROM audit_entry WHERE id = 2")
    assert check(sessions)[1:] == ("removed", 2,
                                   "审计日志第 2–3 条缺失 (被删除), 其后是第 4 条 / "
                                   "audit entries 2–3 are missing (removed); the next is entry 4")


def test_entries_cut_off_the_end_are_found_by_the_anchor(engine, sessions):
    fill(sessions)
    tamper(engine, "DELETE FROM audit_entry WHERE id >= 4")
    assert check(sessions) == (False, "truncated", 4,
                               "审计日志末尾被截断: 锚点记录 5 条, 只有 3 条 (第 4–5 条被删除) / "
                               "the audit log was truncated: the anchor records 5 entries, 3 found "
                               "(entries 4–5 are missing)")


def test_a_truncation_with_the_anchor_moved_back_is_found_only_by_a_kept_checkpoint(engine, sessions):
    hashes = fill(sessions)
    with sessions() as session:
        kept = verify(session).checkpoint
    assert kept == Checkpoint(5, hashes[4])
    tamper(engine, "DELETE FROM audit_entry WHERE id = 5",
           "UPDATE audit_anchor SET entry_count = 4, last_hash = :hash", hash=hashes[3])
    assert check(sessions)[0] is True  # the limit of the chain and the anchor: see docs/audit.md
    assert check(sessions, checkpoint=kept) == (
        False, "checkpoint", 5,
        "审计日志只有 4 条, 保存的检查点记录了 5 条 (第 5 条缺失) / "
        "the audit log has 4 entries, the kept checkpoint records 5 (entry 5 is missing)")


def test_the_last_entry_rewritten_is_found_by_the_anchor(engine, sessions):
    fill(sessions)
    [last] = [e for e in stored(sessions) if e.id == 5]
    tamper(engine, "UPDATE audit_entry SET outcome = 'denied', hash = :hash WHERE id = 5",
           hash=entry_hash(last.fields() | {"outcome": "denied"}))
    assert check(sessions) == (False, "anchor", 5,
                               "审计日志第 5 条与锚点不符: 该条或锚点被改写 / "
                               "audit entry 5 does not match the anchor: "
                               "the entry or the anchor was rewritten")


def test_swapped_entries_are_found_as_reordered(engine, sessions):
    fill(sessions)
    # the whole contents of 2 and 4 exchanged, hashes included: ids are the rows' places
    tamper(engine, "UPDATE audit_entry SET id = -2 WHERE id = 2",
           "UPDATE audit_entry SET id = 2 WHERE id = 4", "UPDATE audit_entry SET id = 4 WHERE id = -2")
    assert check(sessions) == (False, "reordered", 2, "审计日志第 2 条的位置被调换: 它的内容是第 4 条 / "
                                                      "audit entry 2 was reordered: it holds entry 4")


def test_the_first_entry_moved_away_is_found_as_reordered(engine, sessions):
    fill(sessions, 3)
    tamper(engine, "UPDATE audit_entry SET id = -1 WHERE id = 1",
           "UPDATE audit_entry SET id = 1 WHERE id = 3", "UPDATE audit_entry SET id = 3 WHERE id = -1")
    assert check(sessions)[1:3] == ("reordered", 1)


def test_an_entry_added_by_hand_is_found(engine, sessions):
    hashes = fill(sessions, 2)
    forged = {"id": 3, "at": T0, "actor": "mallory", "user_id": None, "address": None, "action": "login",
              "object_type": None, "object_id": None, "outcome": "ok", "details": None,
              "prev_hash": hashes[1]}
    tamper(engine, "INSERT INTO audit_entry (id, at, actor, action, outcome, prev_hash, hash) "
                   "VALUES (3, :at, 'mallory', 'login', 'ok', :prev, :hash)",
           at=T0 if engine.dialect.name == "postgresql" else "2026-11-24 09:00:00.000000",
           prev=hashes[1], hash=entry_hash(forged))
    assert check(sessions) == (False, "inserted", 3,
                               "审计日志第 3 条不是经本系统写入的: 锚点只记录了 2 条 / "
                               "audit entry 3 was added outside Jixiao: the anchor records 2 entries")


def test_recording_after_a_truncation_keeps_the_evidence(engine, sessions):
    fill(sessions, 3)
    tamper(engine, "DELETE FROM audit_entry WHERE id = 3")
    with sessions.begin() as session:
        entry = record(session, ALICE, "logout")
    assert entry.id == 4  # chained on the anchor, not on what is left of the table
    assert check(sessions)[1:3] == ("removed", 3)


def test_verification_reads_in_batches_across_their_boundaries(engine, sessions):
    fill(sessions, 7)
    with sessions() as session:
        assert verify(session, batch_size=2).count == 7
    tamper(engine, "UPDATE audit_entry SET address = '6.6.6.6' WHERE id = 5")
    with sessions() as session:
        result = verify(session, batch_size=2)
    assert (result.problem, result.entry_id, result.count) == (Problem.ALTERED, 5, 4)


# Concurrency


def test_the_head_is_read_under_a_lock_held_to_the_end_of_the_transaction(url, engine, sessions, monkeypatch):
    """While one transaction is between reading the chain's head and committing, no other can take
    the lock that reading the head needs."""
    fill(sessions, 1)
    seen = []
    other = db.make_engine(url, connect_args={"timeout": 0} if engine.dialect.name == "sqlite" else {})

    def lock_is_free() -> bool:
        with other.connect() as connection:
            if connection.dialect.name == "postgresql":
                return bool(connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                               {"key": audit_log.LOCK_KEY}).scalar())
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except OperationalError:
                return False
            connection.exec_driver_sql("ROLLBACK")
            return True

    original = audit_log.entry_hash

    def hash_while_checking(fields):  # called by record() after it read the head
        seen.append(lock_is_free())
        return original(fields)

    monkeypatch.setattr(audit_log, "entry_hash", hash_while_checking)
    try:
        assert lock_is_free()
        with sessions.begin() as session:
            record(session, ALICE, "login")
            seen.append(lock_is_free())  # still held after record(), until the commit
        seen.append(lock_is_free())
    finally:
        other.dispose()
    assert seen == [False, False, True]


def test_a_second_transaction_waits_for_the_first_and_chains_on_its_entry(url, engine, sessions, monkeypatch):
    """A records and stops inside record(), after reading the head; B starts recording meanwhile. On
    PostgreSQL A goes on only once B is seen waiting for the lock; B's entry follows A's."""
    in_window, go_on = threading.Event(), threading.Event()
    original = audit_log.entry_hash
    results: dict[str, object] = {}

    def pausing_hash(fields):
        if fields["actor"] == "alice":
            in_window.set()
            go_on.wait()
        return original(fields)

    monkeypatch.setattr(audit_log, "entry_hash", pausing_hash)

    def append(actor: Actor) -> None:
        try:
            with sessions.begin() as session:
                results[actor.username] = (record(session, actor, "login").id, None)
        except Exception as err:  # reported by the assertion below
            results[actor.username] = (None, err)

    a = threading.Thread(target=append, args=(ALICE,))
    a.start()
    assert in_window.wait(60)
    b = threading.Thread(target=append, args=(BOB,))
    b.start()
    if engine.dialect.name == "postgresql":
        key = audit_log.LOCK_KEY
        with engine.connect() as watcher:
            while b.is_alive():  # until B waits for the advisory lock (no sleep: one query a turn)
                waiting = watcher.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                    "AND classid = :high AND objid = :low"),
                    {"high": key >> 32, "low": key & 0xFFFFFFFF}).scalar()
                watcher.rollback()
                if waiting:
                    break
    go_on.set()
    a.join()
    b.join()
    assert results == {"alice": (1, None), "bob": (2, None)}
    first, second = stored(sessions)
    assert (first.actor, second.actor, second.prev_hash) == ("alice", "bob", first.hash)
    assert check(sessions)[0] is True


def test_two_sessions_appending_at_once_keep_one_chain(sessions):
    rounds = 15
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def append(actor: Actor) -> None:
        try:
            for i in range(rounds):
                barrier.wait()
                with sessions.begin() as session:
                    record(session, actor, "declaration.update", object_type="declaration", object_id=i)
        except BaseException as err:
            errors.append(err)
            barrier.abort()

    threads = [threading.Thread(target=append, args=(actor,)) for actor in (ALICE, BOB)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = stored(sessions)
    assert [e.id for e in rows] == list(range(1, 2 * rounds + 1))
    assert sorted((e.actor, e.object_id) for e in rows) == sorted(
        (name, str(i)) for name in ("alice", "bob") for i in range(rounds))
    assert check(sessions)[:2] == (True, None)


# Reading


def test_entries_are_filtered_and_paged_newest_first(sessions):
    with sessions.begin() as session:
        record(session, ALICE, "login", now=T0)
        record(session, ALICE, "declaration.create", object_type="declaration", object_id=1,
               now=T0 + timedelta(hours=1))
        record(session, BOB, "login_failed", outcome="failed", details={"reason": "bad_password"},
               now=T0 + timedelta(hours=2))
        record(session, ALICE, "declaration.transition", object_type="declaration", object_id=1,
               before={"status": "draft"}, after={"status": "submitted"}, now=T0 + timedelta(hours=3))
        record(session, BOB, "declaration.update", object_type="declaration", object_id=2, outcome="denied",
               now=T0 + timedelta(hours=4))
    with sessions() as session:
        def ids(**filters):
            return [e.id for e in entries(session, **filters)]

        assert ids() == [5, 4, 3, 2, 1]
        assert ids(actor="alice") == [4, 2, 1]
        assert ids(action="login") == [1]
        assert ids(action="declaration.*") == [5, 4, 2]
        assert ids(object_type="declaration", object_id=1) == [4, 2]
        assert ids(outcome="denied") == [5]
        assert ids(since=T0 + timedelta(hours=1), until=T0 + timedelta(hours=3)) == [3, 2]
        beijing = timezone(timedelta(hours=8))
        assert ids(since=datetime(2026, 11, 24, 19, 0, tzinfo=beijing)) == [5, 4, 3]
        assert ids(limit=2, offset=1) == [4, 3]
        assert count_entries(session, action="declaration.*") == 3
        assert count_entries(session) == 5
        [transition] = entries(session, action="declaration.transition")
        assert transition.action_title == "申报流转"
        assert transition.details_value() == {"before": {"status": "draft"}, "after": {"status": "submitted"}}


# Export and offline verification


def test_an_export_verifies_offline_and_matches_the_store(sessions):
    fill(sessions, 4)
    with sessions() as session:
        lines = list(export(session, "jsonl", batch_size=3))
        stored_result = verify(session)
        table = list(csv.reader(io.StringIO("".join(export(session, "csv")).removeprefix("\ufeff"))))
    assert len(lines) == 4 and all(line.endswith("\n") for line in lines)
    first = json.loads(lines[0])
    assert list(first) == ["id", "at", "actor", "user_id", "address", "action", "object_type", "object_id",
                           "outcome", "details", "prev_hash", "hash"]
    assert (first["at"], first["prev_hash"]) == ("2026-11-24T09:00:00.000000Z", GENESIS)
    result = verify_export(lines)
    assert (result.ok, result.message) == (True, "审计日志完整: 4 条 / audit log intact: 4 entries")
    assert result.checkpoint == stored_result.checkpoint
    assert verify_export([line.encode("utf-8") for line in [*lines, "\n"]]).ok
    assert table[0] == list(first)
    assert table[1] == ["" if v is None else str(v) for v in first.values()]
    assert [row[-1] for row in table[1:]] == [json.loads(line)["hash"] for line in lines]


def test_a_tampered_export_fails_to_verify(sessions):
    fill(sessions, 4)
    with sessions() as session:
        lines = list(export(session, "jsonl"))
    altered = json.loads(lines[2]) | {"actor": "mallory"}

    def result(changed, **kwargs):
        found = verify_export(changed, **kwargs)
        return found.problem, found.entry_id, found.line

    assert result([*lines[:2], json.dumps(altered, ensure_ascii=False), lines[3]]) == ("altered", 3, 3)
    assert result([lines[0], lines[2], lines[3]]) == ("removed", 2, 2)
    assert result([lines[0], lines[2], lines[1], lines[3]]) == ("removed", 2, 2)
    assert result([lines[0], lines[1], lines[1]]) == ("reordered", 2, 3)
    assert result(lines[:3], checkpoint=verify_export(lines).checkpoint) == ("checkpoint", 4, None)
    assert result([lines[0], "{not json"])[::2] == ("unreadable", 2)
    assert result(['{"id": 1}']) == ("unreadable", None, 1)
    found = verify_export(['{"id": 1}'])
    assert found.message.startswith("第 1 行不是审计记录 (缺少 at, actor")


def test_the_export_format_is_checked(sessions):
    with sessions() as session, pytest.raises(UsageError, match="unknown export format 'xml'"):
        export(session, "xml")  # at once, not when the download has begun


# The CLI


def run(*args: str):
    return CliRunner().invoke(cli, ["audit", *args])


def test_cli_verify_says_intact_or_names_the_first_bad_entry(url, engine, sessions):
    fill(sessions, 3)
    result = run("verify", "--database-url", url)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "审计日志完整: 3 条 / audit log intact: 3 entries\n", "")
    kept = run("checkpoint", "--database-url", url)
    assert kept.exit_code == 0 and Checkpoint.parse(kept.stdout) == Checkpoint(3, stored(sessions)[-1].hash)
    tamper(engine, "DELETE FROM audit_entry WHERE id = 2")
    result = run("verify", "--database-url", url)
    assert (result.exit_code, result.stdout) == (
        1, "审计日志第 2 条缺失 (被删除), 其后是第 3 条 / "
           "audit entry 2 is missing (removed); the next is entry 3\n")
    assert run("checkpoint", "--database-url", url).exit_code == 1


def test_cli_verify_against_a_kept_checkpoint(url, engine, sessions):
    hashes = fill(sessions, 3)
    assert run("verify", "--database-url", url, "--checkpoint", f"3:{hashes[2]}").exit_code == 0
    result = run("verify", "--database-url", url, "--checkpoint", f"2:{hashes[2]}")
    assert (result.exit_code, result.stdout) == (
        1, "审计日志第 2 条与保存的检查点不符: 日志被改写 / "
           "audit entry 2 does not match the kept checkpoint: the log was rewritten\n")
    result = run("verify", "--database-url", url, "--checkpoint", "3:abc")
    assert (result.exit_code, result.stderr) == (
        2, "jixiao: error: not a checkpoint: '3:abc' (expected N:HASH, a count and 64 hex digits)\n")


def test_cli_needs_a_migrated_database(tmp_path):
    result = run("verify", "--database-url", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert (result.exit_code, result.stderr) == (
        2, "jixiao: error: the database is not initialised; run `jixiao db upgrade` first\n")


def test_cli_export_records_itself_and_writes_a_verifiable_file(url, sessions, tmp_path):
    fill(sessions, 2)
    out = tmp_path / "audit.jsonl"
    result = run("export", "--database-url", url, "--output", str(out))
    assert (result.exit_code, result.stdout) == (
        0, f"已导出 3 条审计记录到 {out} / exported 3 audit entries to {out}\n")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert verify_export(lines).count == 3
    assert json.loads(lines[-1])["action"] == "audit.export"
    assert json.loads(json.loads(lines[-1])["details"]) == {"format": "jsonl", "output": str(out)}
    result = run("export", "--database-url", url, "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout.startswith("\ufeffid,at,actor,") and len(result.stdout.splitlines()) == 5
    result = run("export", "--database-url", url, "--output", str(tmp_path / "missing" / "a.jsonl"))
    assert (result.exit_code, result.stderr) == (
        2, f"jixiao: error: cannot write {tmp_path / 'missing' / 'a.jsonl'}: No such file or directory\n")


def test_cli_list_shows_the_newest_entries(url, sessions):
    assert run("list", "--database-url", url).stdout == "没有审计记录 / no audit entries\n"
    with sessions.begin() as session:
        record(session, ALICE, "login", now=T0)
        record(session, BOB, "login_failed", outcome="failed", now=T0 + timedelta(seconds=5))
        record(session, ALICE, "declaration.update", object_type="declaration", object_id=12,
               now=T0 + timedelta(minutes=1))
    result = run("list", "--database-url", url, "--limit", "2")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "     #  时间 (UTC)           用户              操作                    对象"
        "                      结果",
        "     3  2026-11-24 09:01:00  alice             declaration.update      declaration:12"
        "            ok",
        "     2  2026-11-24 09:00:05  bob               login_failed            -"
        "                         failed",
    ]
    assert [line.split()[0] for line in run("list", "--database-url", url, "--actor", "alice")
            .stdout.splitlines()[1:]] == ["3", "1"]


# Migrations and docs


def test_the_migration_creates_the_anchor_and_goes_down_and_up_again(url):
    engine = db.make_engine(url)
    try:
        db.upgrade(engine)
        sessions = db.session_factory(engine)
        fill(sessions, 1)
        db.downgrade(engine, "0004")
        db.upgrade(engine)
        with sessions() as session:
            anchor = session.get(AuditAnchor, 1)
            assert (anchor.entry_count, anchor.last_hash) == (0, GENESIS)
            assert verify(session).message == "审计日志完整: 0 条 / audit log intact: 0 entries"
    finally:
        engine.dispose()


def test_every_action_and_command_is_documented():
    text_ = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    assert [code for code in ACTIONS if f"| `{code}` |" not in text_] == []
    from jixiao.audit.commands import audit

    assert [name for name in audit.commands if f"jixiao audit {name}" not in text_] == []
    assert [p.value for p in Problem if f"`{p.value}`" not in text_] == []
