from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from jixiao.store import db, import_files
from jixiao.web import create_app

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "src" / "jixiao" / "samples"
SEED_2024 = SAMPLES / "shanghai-redcross-2024-targets.txt"
SEED_2020 = SAMPLES / "shanghai-redcross-affairs-center-2020-targets.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def write(tmp_path: Path):
    """Write ``text`` (or bytes) to a file in a temporary folder and return its path."""

    def _write(text: str | bytes, name: str = "form.txt") -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(scope="session")
def expected_seeds() -> dict:
    """The hand-made answer key of both seeds (tests/fixtures/seeds_expected.json)."""
    return json.loads((FIXTURES / "seeds_expected.json").read_text(encoding="utf-8"))


# The web app on SQLite and on PostgreSQL, both seeds imported: shared by the test_web* modules.
PG_URL = db.database_url(os.environ.get("JIXIAO_TEST_POSTGRES_URL")
                         or "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """The URL of a fresh PostgreSQL schema of its own, dropped afterwards.

    When PostgreSQL does not answer, the test is skipped with the reason, or fails when
    JIXIAO_REQUIRE_POSTGRES=1 (as .ci/run sets it).
    """
    admin = db.make_engine(PG_URL, connect_args={"connect_timeout": 3})
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as err:
        admin.dispose()
        reason = f"PostgreSQL at {PG_URL} is unreachable ({type(err).__name__})"
        if os.environ.get("JIXIAO_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " and JIXIAO_REQUIRE_POSTGRES=1")
        pytest.skip(reason)
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory: pytest.TempPathFactory):
    """An empty database: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('web') / 'jixiao.sqlite3'}"
        return
    with postgres_schema("jixiao_web") as url:
        yield url


@pytest.fixture(scope="module")
def client(database: str):
    """The app on a database holding both seeds (19 declarations)."""
    url = database
    db.upgrade(url)
    engine = db.make_engine(url)
    summary = import_files([SEED_2024, SEED_2020], db.session_factory(engine))
    engine.dispose()
    assert (summary.new, summary.failed) == (19, [])
    app = create_app(url)
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()


