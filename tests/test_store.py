"""The store on SQLite and on PostgreSQL: migrations, exact money, import, versions, the CLI.

Every test runs twice: on a fresh SQLite file and in a fresh PostgreSQL schema (dropped after the
test). PostgreSQL is ``$JIXIAO_TEST_POSTGRES_URL`` (default: postgres@127.0.0.1:5432/test); when it
cannot be reached the PostgreSQL runs are skipped, unless ``JIXIAO_REQUIRE_POSTGRES=1`` (CI).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select, text

from jixiao import read
from jixiao.cli import cli
from jixiao.jsonformat import declaration_json
from jixiao.model import Declaration as DeclarationModel
from jixiao.model import Funds
from jixiao.readers import read_document
from jixiao.review import Reviewer
from jixiao.store import cache, db, import_files, list_versions, load_version, save_declaration
from jixiao.store.listing import Filters, latest_query
from jixiao.store.models import Declaration, DeclarationVersion, Indicator, Organisation
from jixiao.store.repository import StoreError, VersionConflict, get_declaration

from .conftest import SEED_2020, SEED_2024

TABLES = {"organisation", "declaration", "declaration_version", "indicator"}


def counts(sessions) -> dict[str, int]:
    with sessions() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (Organisation, Declaration, DeclarationVersion, Indicator)}


def test_migrations_upgrade_downgrade_to_base_and_upgrade_again(url):
    engine = db.make_engine(url)
    try:
        assert db.current_revision(engine) is None
        db.upgrade(engine)
        assert db.current_revision(engine) == db.head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES
        summary = import_files([SEED_2020], db.session_factory(engine))
        assert (summary.new, summary.failed) == (3, [])
        db.downgrade(engine, "base")
        assert db.current_revision(engine) is None
        assert not TABLES & set(inspect(engine).get_table_names())
        db.upgrade(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert counts(db.session_factory(engine))["declaration"] == 0
    finally:
        engine.dispose()


def test_the_sqlite_default_is_a_file_under_var_with_foreign_keys_on(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JIXIAO_DATABASE_URL", raising=False)
    assert db.database_url() == "sqlite:///var/jixiao.sqlite3"
    assert db.database_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    engine = db.make_engine()
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert (tmp_path / "var").is_dir()
    finally:
        engine.dispose()


@pytest.mark.parametrize("amount", ["12345678901234567.89", "-0.01", "0", "89999999999999999.99"])
def test_money_is_exact(sessions, amount):
    decl = DeclarationModel(name=f"资金 {amount}", year=2024, unit="测试单位",
                            funds=Funds(total=Decimal(amount)))
    with sessions.begin() as session:
        assert save_declaration(session, decl, "money.txt") == "new"
    with sessions() as session:
        stored = session.scalar(select(DeclarationVersion.funds_total))
        summed = session.scalar(select(func.sum(DeclarationVersion.funds_total)))
    assert stored == Decimal(amount) and str(stored) == str(Decimal(amount).quantize(Decimal("0.01")))
    assert Decimal(summed) == Decimal(amount)


@pytest.mark.parametrize("amount", ["0.001", "90000000000000000", "-90000000000000000.00"])
def test_money_that_cannot_be_stored_exactly_is_refused_not_rounded(sessions, amount):
    decl = DeclarationModel(name="资金", year=2024, unit="测试单位", funds=Funds(total=Decimal(amount)))
    with sessions() as session, pytest.raises(StoreError, match="cannot be stored"):
        save_declaration(session, decl, "money.txt")


def test_importing_both_seeds_stores_19_declarations_with_their_totals(sessions):
    summary = import_files([SEED_2024, SEED_2020], sessions)
    assert (summary.new, summary.updated, summary.unchanged, summary.failed) == (19, 0, 0, [])
    assert summary.line() == "新增 19, 更新 0, 未变 0, 失败 0"
    with sessions() as session:
        totals = dict(session.execute(
            select(DeclarationVersion.source, func.sum(DeclarationVersion.funds_total))
            .group_by(DeclarationVersion.source)).all())
        units = session.execute(select(Organisation.kind, Organisation.name, Organisation.parent_id)
                                .order_by(Organisation.id)).all()
    assert {Path(k).name: Decimal(v) for k, v in totals.items()} == {
        SEED_2024.name: Decimal("13012181.00"), SEED_2020.name: Decimal("1373917")}
    assert counts(sessions) == {"organisation": len(units), "declaration": 19, "declaration_version": 19,
                                "indicator": 124 + 53}
    names = {i + 1: name for i, (_, name, _) in enumerate(units)}  # ids follow insertion order here
    assert [(kind, name, names.get(parent)) for kind, name, parent in units] == [
        ("department", "上海市红十字会", None),
        ("unit", "上海市红十字会", "上海市红十字会"),
        ("unit", "上海市红十字事务中心", None),  # the 2020 form names no 主管部门
    ]


def test_importing_again_changes_nothing(sessions):
    import_files([SEED_2024, SEED_2020], sessions)
    before = counts(sessions)
    summary = import_files([SEED_2024, SEED_2020], sessions)
    assert (summary.new, summary.updated, summary.unchanged, summary.failed) == (0, 0, 19, [])
    assert counts(sessions) == before


def test_a_changed_document_becomes_version_2_and_version_1_stays(sessions, tmp_path):
    import_files([SEED_2024], sessions)
    changed = tmp_path / "changed.txt"
    original = SEED_2024.read_text(encoding="utf-8")
    assert original.count("=3000.00(份)") == 1
    changed.write_text(original.replace("=3000.00(份)", "=3500.00(份)"), encoding="utf-8")
    summary = import_files([changed], sessions)
    assert (summary.new, summary.updated, summary.unchanged, summary.failed) == (0, 1, 15, [])
    with sessions() as session:
        stored = get_declaration(session, "上海市红十字会", 2024, "遗体 and 人体器官捐献工作专项经费")
        assert stored is not None and stored.latest_version == 2
        versions = list_versions(session, stored)
        assert [(v.number, Path(v.source).name) for v in versions] == [
            (1, SEED_2024.name), (2, "changed.txt")]
        assert versions[0].content_hash != versions[1].content_hash
        old, new = load_version(session, stored, 1), load_version(session, stored)
        assert [old.indicators[0].target_raw, new.indicators[0].target_raw] == [
            "=3000.00(份)", "=3500.00(份)"]
        assert new.indicators[0].target.value == Decimal("3500.00")
        rows = session.execute(select(DeclarationVersion.number, Indicator.value)
                               .join(Indicator.version).where(Indicator.position == 0,
                                                              DeclarationVersion.declaration_id == stored.id)
                               .order_by(DeclarationVersion.number)).all()
    assert rows == [(1, Decimal("3000.00")), (2, Decimal("3500.00"))]
    assert counts(sessions)["declaration_version"] == 17


def test_a_bad_file_among_good_ones_fails_alone_and_leaves_nothing(sessions, tmp_path):
    lines = SEED_2024.read_text(encoding="utf-8").splitlines(keepends=True)
    bad = tmp_path / "cut.txt"
    bad.write_text("".join(lines[:193]), encoding="utf-8")
    assert len(read_document(bad).declarations) == 8  # readable forms before the cut: still not stored
    missing = tmp_path / "missing.txt"
    summary = import_files([SEED_2020, bad, missing], sessions)
    assert (summary.new, summary.updated, summary.unchanged) == (3, 0, 0)
    assert summary.failed == [
        (str(bad), f"{bad}:193: expected the indicator table header (一级指标 二级指标 三级指标 指标值), "
                   "found the end of the form"),
        (str(missing), f"{missing}: expected an existing file, found no such file"),
    ]
    with sessions() as session:
        assert set(session.scalars(select(DeclarationVersion.source))) == {str(SEED_2020)}
    assert counts(sessions)["declaration"] == 3


def test_load_version_gives_back_what_was_read(sessions):
    import_files([SEED_2024, SEED_2020], sessions)
    read = [d for seed in (SEED_2024, SEED_2020) for d in read_document(seed).declarations]
    with sessions() as session:
        for decl in read:
            stored = get_declaration(session, decl.unit or decl.department, decl.year, decl.name)
            assert stored is not None
            loaded = load_version(session, stored.id, 1)
            assert loaded.model_dump() == decl.model_dump()
            assert loaded.source == decl.source


def test_stored_versions_cannot_be_changed(sessions):
    import_files([SEED_2020], sessions)
    with sessions() as session:
        version = session.scalars(select(DeclarationVersion)).first()
        version.name = "改名"
        with pytest.raises(RuntimeError, match="immutable"):
            session.flush()


def test_cli_db_and_import_summary_and_exit_status(url, tmp_path):
    runner = CliRunner()
    env = {"JIXIAO_DATABASE_URL": url}
    seeds = [str(SEED_2024), str(SEED_2020)]

    result = runner.invoke(cli, ["import", *seeds], env=env)
    assert result.exit_code == 2
    assert result.stderr == "jixiao: error: the database is not initialised; run `jixiao db upgrade` first\n"

    result = runner.invoke(cli, ["db", "upgrade"], env=env)
    assert result.exit_code == 0 and result.stdout.endswith(f": at revision {db.head_revision()}\n")

    result = runner.invoke(cli, ["import", *seeds], env=env)
    assert (result.exit_code, result.stdout) == (0, "新增 19, 更新 0, 未变 0, 失败 0\n"
                                                    "文件：读取 2（其中有警告 1），失败 0，跳过 0\n")
    assert result.stderr.count("[warning]") == 4  # the 2024 seed's four indicators printed before their level

    bad = tmp_path / "bad.txt"
    bad.write_text("这不是申报表\n", encoding="utf-8")
    copies = []
    for i in range(3):
        copy = tmp_path / f"copy{i}.txt"
        copy.write_text(SEED_2020.read_text(encoding="utf-8"), encoding="utf-8")
        copies.append(str(copy))
    result = runner.invoke(cli, ["import", *seeds, *copies, str(bad)], env=env)
    assert result.exit_code == 2
    assert result.stdout == "新增 0, 更新 0, 未变 28, 失败 1\n文件：读取 5（其中有警告 1），失败 1，跳过 0\n"
    assert "导入" in result.stderr  # the progress bar, drawn for more than 3 files
    assert result.stderr.splitlines()[-1].startswith(f"jixiao: error: {bad}:1: expected")

    result = runner.invoke(cli, ["db", "downgrade", "base"], env=env)
    assert result.exit_code == 0 and result.stdout.endswith(": at revision base (no tables)\n")


# -- what is stored beside each version: its review, the latest version's summary, the search index --

def test_each_version_keeps_the_review_it_had_when_saved(sessions):
    import_files([SEED_2024, SEED_2020], sessions)
    reviewer = Reviewer()
    with sessions() as session:
        for stored in session.scalars(select(Declaration)):
            report = reviewer.review(load_version(session, stored))
            version = session.get(DeclarationVersion, stored.latest_version_id)
            assert (version.number, version.profile, version.score, version.grade, version.finding_count) == (
                stored.latest_version, report.profile, report.score, report.grade, len(report.findings))
            assert [(f.code, f.severity, f.indicator) for f in version.findings] == [
                (f.code, f.severity, f.indicator.index if f.indicator else None) for f in report.findings]
            assert (stored.grade, stored.score, stored.finding_count) == (report.grade, report.score,
                                                                          len(report.findings))


def test_the_declaration_row_follows_its_latest_version(sessions, tmp_path):
    import_files([SEED_2024], sessions)
    changed = tmp_path / "changed.txt"
    changed.write_text(SEED_2024.read_text(encoding="utf-8").replace("522,400.00", "622,400.00"),
                       encoding="utf-8")
    assert import_files([changed], sessions).updated == 1
    with sessions() as session:
        stored = session.scalar(select(Declaration).where(Declaration.latest_version == 2))
        latest = session.get(DeclarationVersion, stored.latest_version_id)
        assert latest.number == 2 and latest.declaration_id == stored.id
        assert stored.funds_total == latest.funds_total == Decimal("622400.00")
        assert (stored.department, stored.indicator_count) == (latest.department, latest.indicator_count)


def _search(session, q: str) -> list[str]:
    dialect = session.get_bind().dialect.name
    return sorted(session.scalars(latest_query(Filters(q=q), dialect).with_only_columns(Declaration.name)))


def test_the_search_index_finds_chinese_in_names_goals_and_indicator_names(sessions, tmp_path):
    import_files([SEED_2024, SEED_2020], sessions)
    with sessions() as session:
        assert _search(session, "骨髓") == ["中华骨髓库建设工作专项经费"]
        assert _search(session, "髓") == ["中华骨髓库建设工作专项经费"]  # one character
        assert _search(session, "骨髓库建设工作") == ["中华骨髓库建设工作专项经费"]
        assert _search(session, "骨髓库工作") == []  # a phrase, not the characters in any order
        assert len(_search(session, "红十字")) > 5  # goals and indicator names, not only project names
        assert _search(session, "不存在的词语") == []
    # a new version replaces what the index holds for its declaration
    changed = tmp_path / "changed.txt"
    text_ = SEED_2024.read_text(encoding="utf-8")
    changed.write_text(text_.replace("骨髓库日常工作有效运行", "配型检索服务正常运行"), encoding="utf-8")
    assert import_files([changed], sessions).updated == 1
    with sessions() as session:
        assert _search(session, "骨髓库日常") == []
        assert _search(session, "配型检索") == ["中华骨髓库建设工作专项经费"]


def test_one_file_holding_the_same_project_twice_stores_two_versions(sessions, tmp_path):
    forms = SEED_2020.read_text(encoding="utf-8")
    twice = tmp_path / "twice.txt"
    twice.write_text(forms + forms.replace("总目标", "总目标（修订）"), encoding="utf-8")
    summary = import_files([twice], sessions)
    assert (summary.new, summary.updated, summary.unchanged, summary.failed) == (3, 3, 0, [])
    with sessions() as session:
        assert session.scalars(select(Declaration.latest_version)).all() == [2, 2, 2]


def test_an_edit_saves_to_its_declaration_and_refuses_a_stale_version(sessions):
    import_files([SEED_2020], sessions)
    with sessions() as session:
        stored = session.scalars(select(Declaration).order_by(Declaration.id)).first()
        ident, decl = stored.id, load_version(session, stored)
    renamed = decl.model_copy(update={"name": "改了名的项目"})
    with sessions() as session, session.begin():
        outcome = save_declaration(session, renamed, "web", declaration_id=ident, expected_version=1)
        assert outcome == "updated"
    with sessions() as session:
        stored = session.get(Declaration, ident)
        assert (stored.name, stored.latest_version) == ("改了名的项目", 2)
        assert get_declaration(session, stored.unit, stored.year, "改了名的项目").id == ident
        before = counts(sessions)
    with sessions() as session, session.begin(), pytest.raises(VersionConflict, match="第 2 版"):
        save_declaration(session, decl, "web", declaration_id=ident, expected_version=1)
    with sessions() as session:
        other = session.scalars(select(Declaration).where(Declaration.id != ident)).first()
        taken = decl.model_copy(update={"name": other.name, "unit": other.unit, "department": decl.department,
                                        "year": other.year})
    with sessions() as session, session.begin(), pytest.raises(StoreError, match="已是"):
        save_declaration(session, taken, "web", declaration_id=ident, expected_version=2)
    assert counts(sessions) == before


def test_migration_0002_reviews_and_indexes_what_0001_stored(url):
    engine = db.make_engine(url)
    try:
        db.upgrade(engine, "0001")
        with engine.begin() as connection:  # what version 0001 of Jixiao stored, written as it did
            connection.execute(text(
                "INSERT INTO declaration (id, identity_key, unit, year, name, latest_version, created_at, "
                "updated_at) VALUES (1, :key, 'U', 2024, '骨髓库', 1, :now, :now)"),
                {"key": '["U", 2024, "骨髓库"]', "now": "2026-01-01 00:00:00"})
            decl = read(SEED_2024)[3]
            content = json.dumps(declaration_json(decl), ensure_ascii=False)
            connection.execute(text(
                "INSERT INTO declaration_version (id, declaration_id, number, created_at, source, "
                "content_hash, content, name, year, layout, indicator_count) "
                "VALUES (1, 1, 1, :now, 's', 'h', :content, :name, 2024, :layout, :n)"),
                {"now": "2026-01-01 00:00:00", "content": content, "name": decl.name, "layout": decl.layout,
                 "n": len(decl.indicators)})
        db.upgrade(engine)
        report = Reviewer().review(decl)
        with db.session_factory(engine)() as session:
            stored = session.get(Declaration, 1)
            assert (stored.latest_version_id, stored.grade, stored.finding_count) == (
                1, report.grade, len(report.findings))
            assert stored.funds_total == decl.funds.total
            assert _search(session, decl.name[2:6]) == ["骨髓库"]
        db.downgrade(engine, "0001")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM declaration_version")).scalar() == 1
    finally:
        engine.dispose()


def test_the_store_generation_goes_up_with_each_file_that_changes_something(sessions, tmp_path):
    def current() -> int:
        with sessions() as session:
            return cache.generation(session)
    start = current()
    import_files([SEED_2024, SEED_2020], sessions)
    assert current() == start + 2  # one transaction per file
    import_files([SEED_2024], sessions)  # unchanged: nothing written
    assert current() == start + 2


def test_optimise_after_a_large_import_leaves_the_data_as_it_was(sessions, engine):
    import_files([SEED_2024, SEED_2020], sessions)
    before = counts(sessions)
    db.optimise(engine)  # ANALYZE (and VACUUM of the declaration table on PostgreSQL)
    assert counts(sessions) == before
    with sessions() as session:
        assert _search(session, "骨髓") == ["中华骨髓库建设工作专项经费"]
