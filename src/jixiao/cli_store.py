"""What the commands that work on the store share: the ``--database-url`` option and a session on a
migrated database (``jixiao import``, ``jixiao user …``, ``jixiao audit …``, ``jixiao report …``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the store is imported by the commands, so that other commands start fast
    from sqlalchemy.orm import Session

__all__ = ["DATABASE_URL", "store_session"]

DATABASE_URL = click.option(
    "--database-url", envvar="JIXIAO_DATABASE_URL", metavar="URL",
    help="The database (default: $JIXIAO_DATABASE_URL, else sqlite:///var/jixiao.sqlite3).")


@contextmanager
def store_session(database_url: str | None, *, transaction: bool = False) -> Iterator[Session]:
    """A session on ``database_url`` (refused unless migrated to the latest revision); with
    ``transaction``, inside one transaction, committed when the block ends without an error."""
    from jixiao.store import db

    engine = db.make_engine(database_url)
    try:
        db.require_current(engine)
        with db.session_factory(engine)() as session:
            if transaction:
                with session.begin():
                    yield session
            else:
                yield session
    finally:
        engine.dispose()
