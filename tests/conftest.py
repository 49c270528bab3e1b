from __future__ import annotations

import io
import json
import os
import uuid
import zipfile
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
#: The seeds with made-up actuals (src/jixiao/samples/README.md): year end of four projects, 1–7月 of five.
ACTUALS_2024 = SAMPLES / "actuals" / "redcross-2024-final.json"
ACTUALS_2020 = SAMPLES / "actuals" / "affairs-center-2020-final.json"
ACTUALS_M7 = SAMPLES / "actuals" / "redcross-2024-m7.json"
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


# An empty store, migrated, for each test: on a SQLite file and on a PostgreSQL schema of its own.
@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file (in a folder Jixiao creates), or a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'var' / 'jixiao.sqlite3'}"
        return
    with postgres_schema("jixiao_" + request.module.__name__.rsplit(".", 1)[-1]) as schema_url:
        yield schema_url


@pytest.fixture
def engine(url: str):
    """``url`` migrated to the latest revision."""
    engine = db.make_engine(url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    return db.session_factory(engine)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory: pytest.TempPathFactory):
    """An empty database: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('web') / 'jixiao.sqlite3'}"
        return
    with postgres_schema("jixiao_web") as url:
        yield url


# -- accounts: one user per role on the seeds' organisations, logged-in clients --------------------------

PASSWORD = "Jixiao-Test-2024!"  # every test user's: the default policy accepts it
RED_CROSS = "上海市红十字会"  # the 2024 seed's 主管部门, and a unit of the same name under it (16 projects)
AFFAIRS = "上海市红十字事务中心"  # the 2020 seed's 实施单位, with no 主管部门 (3 projects)
#: username → (role, kind of organisation, its name): the users the web test databases hold.
USERS: dict[str, tuple[str, str | None, str | None]] = {
    "filler": ("filler", "unit", RED_CROSS),
    "unitreviewer": ("unit_reviewer", "unit", RED_CROSS),
    "otherfiller": ("filler", "unit", AFFAIRS),
    "deptreviewer": ("department_reviewer", "department", RED_CROSS),
    "finance": ("finance_reviewer", None, None),
    "sysadmin": ("system_admin", None, None),
    "secadmin": ("security_admin", None, None),
    "auditadmin": ("audit_admin", None, None),
}


@pytest.fixture(scope="module")
def fast_hashing():
    """A cheap argon2id for the module (the real one costs 64 MiB and a quarter of a second a hash)."""
    from argon2 import PasswordHasher, Type

    from jixiao.accounts import passwords

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1,
                                                          type=Type.ID))
        yield


def add_users(session, users: dict[str, tuple[str, str | None, str | None]] = USERS) -> None:
    """Create ``users`` (all with :data:`PASSWORD`) on the organisations the seeds created."""
    from jixiao.accounts import create_user, find_organisation

    for username, (role, kind, name) in users.items():
        organisation = find_organisation(session, kind, name).id if kind else None
        create_user(session, username, PASSWORD, [role], organisation, display_name=username)


def publish_all(session) -> int:
    """Publish every declaration (as the operator's ``jixiao import --status published`` would)."""
    from sqlalchemy import select

    from jixiao.roles import SYSTEM
    from jixiao.store.models import Declaration
    from jixiao.workflow import set_status

    return set_status(session, session.scalars(select(Declaration.id)).all(), "published", SYSTEM)


def seeded(url: str, *, publish: bool = True) -> None:
    """Migrate ``url``, import both seeds (19 declarations), publish them, add :data:`USERS`."""
    db.upgrade(url)
    engine = db.make_engine(url)
    try:
        sessions = db.session_factory(engine)
        summary = import_files([SEED_2024, SEED_2020], sessions)
        assert (summary.new, summary.failed) == (19, [])
        with sessions() as session, session.begin():
            if publish:
                assert publish_all(session) == 19
            add_users(session)
    finally:
        engine.dispose()


def csrf_of(client: TestClient) -> str:
    """The CSRF token of the client's session, as every page's ``<meta name="csrf-token">`` gives it."""
    import re

    found = re.search(r'<meta name="csrf-token" content="([^"]*)">', client.get("/rules").text)
    assert found, "no csrf-token meta"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD, *, next_url: str = "/"):
    """Log ``client`` in through the login form (its double-submit CSRF cookie and field) and make it
    send the session's CSRF token with every request after, as the pages' scripts do. The answer of
    the POST (a 303 when it worked)."""
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
    answer = client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                         "next": next_url}, follow_redirects=False)
    if answer.status_code == 303:
        client.headers["X-CSRF-Token"] = csrf_of(client)
    return answer


@pytest.fixture(scope="module")
def app(database: str, fast_hashing):
    """The app on a database holding both seeds (19 declarations, published) and :data:`USERS`."""
    seeded(database)
    application = create_app(database)
    yield application
    application.state.engine.dispose()


@pytest.fixture(scope="module")
def client(app):
    """The public (nobody logged in) on :func:`app`."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def login_as(app):
    """``login_as("filler")``: a client of its own logged in as that user of :data:`USERS` (kept for the
    module: call it again for the same client)."""
    made: dict[str, TestClient] = {}

    def as_user(username: str) -> TestClient:
        if username not in made:
            user_client = TestClient(app)
            assert login(user_client, username).status_code == 303
            made[username] = user_client
        return made[username]

    yield as_user
    for user_client in made.values():
        user_client.close()


def zip_bomb(small: dict[str, str], big: str, megabytes: int) -> bytes:
    """A zip holding the ``small`` parts and ``big``, which unpacks to ``megabytes`` MB of zeros from a
    file of about a thousandth of that: what an Office file that is a zip bomb looks like."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in small.items():
            archive.writestr(name, content)
        with archive.open(big, "w") as member:
            zeros = bytes(1 << 20)
            for _ in range(megabytes):
                member.write(zeros)
    return buffer.getvalue()
