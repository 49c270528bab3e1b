"""The store: declarations, their organisations and their full version history in a database.

SQLite by default (``var/jixiao.sqlite3``), PostgreSQL when ``JIXIAO_DATABASE_URL`` says so; the
same models and Alembic migrations serve both.

- :mod:`jixiao.store.db`: engines, sessions, and the migrations run from code (``upgrade``).
- :mod:`jixiao.store.types`: ``Money`` (exact on both databases) and ``ExactDecimal``.
- :mod:`jixiao.store.models`: the tables.
- :mod:`jixiao.store.repository`: save and load declarations and versions.
- :mod:`jixiao.store.importing`: files into the store, one transaction per file.
"""

from jixiao.store.db import DEFAULT_URL, database_url, downgrade, make_engine, session_factory, upgrade
from jixiao.store.importing import ImportSummary, import_files
from jixiao.store.repository import get_declaration, list_versions, load_version, save_declaration

__all__ = [
    "DEFAULT_URL",
    "ImportSummary",
    "database_url",
    "downgrade",
    "get_declaration",
    "import_files",
    "list_versions",
    "load_version",
    "make_engine",
    "save_declaration",
    "session_factory",
    "upgrade",
]
