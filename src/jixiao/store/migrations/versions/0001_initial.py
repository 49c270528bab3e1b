"""organisations, declarations, versions, indicators

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 10:46:09.327499
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jixiao.store.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["organisation.id"],
            name=op.f("fk_organisation_parent_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("kind", "parent_id", "name", name="uq_organisation_kind_parent_name"),
    )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "declaration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identity_key", sa.Text(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name=op.f("fk_declaration_organisation_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration")),
        sa.UniqueConstraint("identity_key", name=op.f("uq_declaration_identity_key")),
    )
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_declaration_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_declaration_year"), ["year"], unique=False)

    op.create_table(
        "declaration_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("department", sa.Text(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("nature", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("funds_total", jixiao.store.types.Money(), nullable=True),
        sa.Column("layout", sa.String(length=32), nullable=False),
        sa.Column("indicator_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_id"],
            ["declaration.id"],
            name=op.f("fk_declaration_version_declaration_id_declaration"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_declaration_version")),
        sa.UniqueConstraint("declaration_id", "number", name="uq_declaration_version_number"),
    )
    with op.batch_alter_table("declaration_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_version_content_hash"), ["content_hash"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_declaration_version_declaration_id"), ["declaration_id"], unique=False
        )

    op.create_table(
        "indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("level1", sa.Text(), nullable=True),
        sa.Column("level2", sa.Text(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("target_raw", sa.Text(), nullable=False),
        sa.Column("op", sa.String(length=8), nullable=True),
        sa.Column("value", jixiao.store.types.ExactDecimal(), nullable=True),
        sa.Column("upper", jixiao.store.types.ExactDecimal(), nullable=True),
        sa.Column("unit", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["declaration_version.id"],
            name=op.f("fk_indicator_version_id_declaration_version"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
        sa.UniqueConstraint("version_id", "position", name="uq_indicator_version_position"),
    )
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.create_index("ix_indicator_level1_level2", ["level1", "level2"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.drop_index("ix_indicator_level1_level2")

    op.drop_table("indicator")
    with op.batch_alter_table("declaration_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_version_declaration_id"))
        batch_op.drop_index(batch_op.f("ix_declaration_version_content_hash"))

    op.drop_table("declaration_version")
    with op.batch_alter_table("declaration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_year"))
        batch_op.drop_index(batch_op.f("ix_declaration_organisation_id"))

    op.drop_table("declaration")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_parent_id"))

    op.drop_table("organisation")
