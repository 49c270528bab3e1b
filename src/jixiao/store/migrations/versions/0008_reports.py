"""reports: the actuals of each monitoring round and of the self-evaluation

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 10:00:00

``report``: one per declaration and period (M1 … M11, final), with its status and its latest
revision's figures for the lists; ``report_revision``: every save of the actuals, never changed
(:mod:`jixiao.reports`). Both start empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import jixiao.store.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.Text(), nullable=True),
        sa.Column("light", sa.String(length=4), nullable=True),
        sa.Column("budget_light", sa.String(length=4), nullable=True),
        sa.Column("target_light", sa.String(length=4), nullable=True),
        sa.Column("at_stake", jixiao.store.types.Money(), nullable=True),
        sa.Column("budget", jixiao.store.types.Money(), nullable=True),
        sa.Column("executed", jixiao.store.types.Money(), nullable=True),
        sa.Column("score", jixiao.store.types.ExactDecimal(), nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("missing_explanations", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["declaration_id"], ["declaration.id"],
                                name=op.f("fk_report_declaration_id_declaration"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report")),
        sa.UniqueConstraint("declaration_id", "period", name="uq_report_declaration_id_period"),
    )
    op.create_index("ix_report_period_light_at_stake", "report", ["period", "light", "at_stake"],
                    unique=False)

    op.create_table(
        "report_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"],
                                name=op.f("fk_report_revision_report_id_report"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_revision")),
        sa.UniqueConstraint("report_id", "number", name="uq_report_revision_report_id_number"),
    )


def downgrade() -> None:
    op.drop_table("report_revision")
    op.drop_index("ix_report_period_light_at_stake", table_name="report")
    op.drop_table("report")
