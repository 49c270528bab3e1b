"""the approval workflow's record: transitions and review comments

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 16:00:00

``transition``: one row per workflow step taken (who, when, from which status to which, why, at
which version); ``review_comment``: a return's comments, on the whole declaration or on one
indicator (:mod:`jixiao.workflow`). Both start empty: the statuses set before this release have no
recorded history.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=False),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["declaration_id"], ["declaration.id"],
                                name=op.f("fk_transition_declaration_id_declaration"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transition")),
    )
    op.create_index("ix_transition_declaration_id_id", "transition", ["declaration_id", "id"], unique=False)

    op.create_table(
        "review_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("declaration_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("transition_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_id"], ["declaration.id"],
            name=op.f("fk_review_comment_declaration_id_declaration"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["transition_id"], ["transition.id"],
            name=op.f("fk_review_comment_transition_id_transition"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_comment")),
    )
    op.create_index("ix_review_comment_declaration_id_version", "review_comment",
                    ["declaration_id", "version"], unique=False)
    op.create_index(op.f("ix_review_comment_transition_id"), "review_comment", ["transition_id"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_review_comment_transition_id"), table_name="review_comment")
    op.drop_index("ix_review_comment_declaration_id_version", table_name="review_comment")
    op.drop_table("review_comment")
    op.drop_index("ix_transition_declaration_id_id", table_name="transition")
    op.drop_table("transition")
