"""Alembic environment: the store's metadata, batch mode (for SQLite), a connection given in code.

:func:`jixiao.store.db.upgrade` passes its connection in ``config.attributes["connection"]``;
without one (``alembic`` run by hand with ``-x url=…`` or ``sqlalchemy.url``) an engine is made
from the URL, else from ``JIXIAO_DATABASE_URL``.
"""

from __future__ import annotations

from alembic import context

# The tables declared outside jixiao.store.models, so that Base.metadata (autogenerate, comparisons)
# knows them: accounts (0004), the audit log (0005), the workflow (0006), the reports (0008).
import jixiao.accounts.models
import jixiao.audit.log
import jixiao.reports.tables
import jixiao.workflow.tables  # noqa: F401
from jixiao.store.db import make_engine
from jixiao.store.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(connection: object) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            _configure(connection)
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    context.configure(url=url, target_metadata=target_metadata, render_as_batch=True, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
