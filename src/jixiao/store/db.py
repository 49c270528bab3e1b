"""Engines, sessions and migrations.

The database is ``JIXIAO_DATABASE_URL``, or ``sqlite:///var/jixiao.sqlite3`` relative to the
current directory (``var/`` is created). ``postgresql://`` URLs use psycopg 3. SQLite connections
enforce foreign keys. Migrations are Alembic's, shipped inside the package and run from code:
``upgrade(url)``, ``downgrade(url, "base")``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from jixiao.errors import UsageError

ENV = "JIXIAO_DATABASE_URL"
DEFAULT_URL = "sqlite:///var/jixiao.sqlite3"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(url: str | None = None) -> str:
    """``url``, else ``$JIXIAO_DATABASE_URL``, else the default SQLite file; normalised for psycopg 3."""
    url = url or os.environ.get(ENV) or DEFAULT_URL
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (see :func:`database_url`); creates the SQLite file's folder."""
    url = database_url(url)
    try:
        parsed = make_url(url)
    except Exception as err:  # sqlalchemy.exc.ArgumentError and friends
        raise UsageError(f"not a database URL: {url!r} ({err})") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Write-ahead logging: pages keep being served while an import or a save writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # 64 MB of page cache (the default is 2 MB): an import of 100,000 declarations inserts into
    # indexes keyed by hashes and names, whose pages it would otherwise read again and again.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def optimise(target: str | Engine | None = None) -> None:
    """Refresh the planner's statistics after a large import (ANALYZE). On PostgreSQL also VACUUM the
    declaration table (small: one row per project), so that counting and summing the list reads its
    indexes alone (index-only scans need the visibility map VACUUM writes)."""
    with _engine(target) as engine:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("VACUUM (ANALYZE) declaration")
                connection.exec_driver_sql("ANALYZE declaration_version, indicator, finding, "
                                           "declaration_search, organisation")
            return
        with engine.begin() as connection:
            connection.exec_driver_sql("PRAGMA analysis_limit=1000")  # a sample: seconds, not minutes
            connection.exec_driver_sql("ANALYZE")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def _engine(target: str | Engine | None) -> Iterator[Engine]:
    if isinstance(target, Engine):
        yield target
        return
    engine = make_engine(target)
    try:
        yield engine
    finally:
        engine.dispose()


def alembic_config(connection: Any = None) -> Any:
    """Alembic's Config built in code, pointing at the migrations inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(target: str | Engine | None = None, revision: str = "head") -> None:
    """Migrate the database (a URL or an engine; default: :func:`database_url`) up to ``revision``."""
    from alembic import command

    with _engine(target) as engine, engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(target: str | Engine | None = None, revision: str = "-1") -> None:
    """Migrate the database down to ``revision`` (``"base"`` removes every table)."""
    from alembic import command

    with _engine(target) as engine, engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(target: str | Engine | None = None) -> str | None:
    """The revision the database is at (``None`` before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    with _engine(target) as engine, engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision shipped with this version of Jixiao."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def require_current(target: str | Engine | None = None) -> None:
    """Raise :class:`UsageError` unless the database is migrated to the newest revision."""
    current, head = current_revision(target), head_revision()
    if current != head:
        state = "not initialised" if current is None else f"at revision {current}, not {head}"
        raise UsageError(f"the database is {state}; run `jixiao db upgrade` first")


def display_url(url: str | None = None) -> str:
    """The database URL with any password hidden, for messages."""
    return make_url(database_url(url)).render_as_string(hide_password=True)
