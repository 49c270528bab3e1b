"""stored review results, the latest version's summary on the declaration, the search index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:00:00

Each version gains its review (profile, score, grade, finding count and a ``finding`` row per
finding) and its count of quantitative targets; each declaration gains ``latest_version_id`` and
copies of what the list shows of that version; ``declaration_search`` holds the search terms of
each latest version (FTS5 on SQLite, ``tsvector`` with a GIN index on PostgreSQL). Existing
versions are reviewed and indexed here with the code of this release.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jixiao.store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def _declaration_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("latest_version_id", sa.Integer(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("nature", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("funds_total", jixiao.store.types.Money(), nullable=True),
        sa.Column("indicator_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("finding_count", sa.Integer(), nullable=False, server_default="0"),
    ]


def _version_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("quantitative_count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("profile", sa.String(length=32), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("finding_count", sa.Integer(), nullable=False, server_default="0"),
    ]


def upgrade() -> None:
    # Plain ALTER TABLE, never a batch copy: on SQLite, copying `declaration` would drop it, and the
    # versions' ON DELETE CASCADE would go with it.
    for column in _declaration_columns():
        op.add_column("declaration", column)
    op.create_index(op.f("ix_declaration_latest_version_id"), "declaration", ["latest_version_id"],
                    unique=True)
    # the list's filters, each with the funds so that counting and summing what matches reads the index alone
    op.create_index("ix_declaration_department", "declaration", ["department", "year", "funds_total"],
                    unique=False)
    op.create_index("ix_declaration_year_funds", "declaration", ["year", "funds_total"], unique=False)
    op.create_index("ix_declaration_grade", "declaration", ["grade", "funds_total"], unique=False)
    op.create_index(op.f("ix_declaration_funds_total"), "declaration", ["funds_total"], unique=False)
    # the list's default order (newest year first, then by name), read off the index
    newest_first = "year DESC NULLS LAST" if op.get_bind().dialect.name == "postgresql" else "year DESC"
    op.create_index("ix_declaration_list_order", "declaration", [sa.text(newest_first), "name", "id"],
                    unique=False)
    for column in _version_columns():
        op.add_column("declaration_version", column)
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("indicator", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["version_id"], ["declaration_version.id"],
                                name=op.f("fk_finding_version_id_declaration_version"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_version_id"), ["version_id"], unique=False)
    op.create_table(
        "store_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_state")),
    )
    op.execute("INSERT INTO store_state (id, generation) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE TABLE declaration_search (declaration_id integer PRIMARY KEY "
                   "REFERENCES declaration (id) ON DELETE CASCADE, terms tsvector NOT NULL)")
        # kept in the table's own pages, not TOASTed: else the planner thinks the table small and
        # scans it, unpacking every row, instead of using the index
        op.execute("ALTER TABLE declaration_search ALTER COLUMN terms SET STORAGE MAIN")
        op.execute("CREATE INDEX ix_declaration_search_terms ON declaration_search USING gin (terms)")
    else:
        op.execute("CREATE VIRTUAL TABLE declaration_search USING fts5(terms, "
                   "tokenize='unicode61 remove_diacritics 0', detail=full)")
    _backfill()


def _backfill() -> None:
    """Review, summarise and index what is already stored (one pass over every version)."""
    from jixiao.model import Declaration as DeclarationModel
    from jixiao.review import Reviewer
    from jixiao.store import search
    from jixiao.store.prepared import FINDING_COLUMNS, prepare

    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    reviewer = Reviewer()
    versions = bind.execute(sa.text(
        "SELECT v.id, v.declaration_id, v.content, v.source, d.latest_version = v.number "
        "FROM declaration_version v JOIN declaration d ON d.id = v.declaration_id ORDER BY v.id")).all()
    for version_id, declaration_id, content, source, is_latest in versions:
        item = prepare(DeclarationModel.model_validate(json.loads(content)), source, reviewer)
        v = item.version
        bind.execute(sa.text("UPDATE declaration_version SET quantitative_count = :q, profile = :p, "
                             "score = :s, grade = :g, finding_count = :n WHERE id = :id"),
                     {"q": v["quantitative_count"], "p": v["profile"], "s": v["score"], "g": v["grade"],
                      "n": v["finding_count"], "id": version_id})
        if item.findings:
            bind.execute(sa.text("INSERT INTO finding (version_id, position, code, severity, indicator) "
                                 "VALUES (:v, :position, :code, :severity, :indicator)"),
                         [{"v": version_id, **dict(zip(FINDING_COLUMNS, f, strict=True))}
                          for f in item.findings])
        if not is_latest:
            continue
        summary = sa.table("declaration", *[sa.column(c.name, c.type) for c in _declaration_columns()],
                           sa.column("id"))
        bind.execute(summary.update().where(summary.c.id == declaration_id).values(
            latest_version_id=version_id, **item.summary))
        if postgres:
            bind.execute(sa.text("INSERT INTO declaration_search (declaration_id, terms) "
                                 "VALUES (:id, CAST(:terms AS tsvector))"),
                         {"id": declaration_id, "terms": search.postgres_tsvector(item.terms)})
        else:
            bind.execute(sa.text("INSERT INTO declaration_search (rowid, terms) VALUES (:id, :terms)"),
                         {"id": declaration_id, "terms": " ".join(item.terms)})


def downgrade() -> None:
    op.execute("DROP TABLE declaration_search")
    op.drop_table("store_state")
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_version_id"))
    op.drop_table("finding")
    # ALTER TABLE … DROP COLUMN (SQLite 3.35 or newer), for the reason given in upgrade().
    for column in reversed(_version_columns()):
        op.drop_column("declaration_version", column.name)
    for index in ("ix_declaration_list_order", "ix_declaration_grade", "ix_declaration_funds_total",
                  "ix_declaration_year_funds", "ix_declaration_department",
                  "ix_declaration_latest_version_id"):
        op.drop_index(index, table_name="declaration")
    for column in reversed(_declaration_columns()):
        op.drop_column("declaration", column.name)
