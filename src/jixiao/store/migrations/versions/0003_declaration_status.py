"""each declaration's place in the approval workflow

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:00:00

``declaration.status`` (草稿 ``draft`` … 已公开 ``published``, :mod:`jixiao.workflow`). Declarations
stored before this release become drafts: only their units and reviewers see them until they are
published again (``jixiao import --status published`` or the workflow).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch (copy-and-move) of ``declaration`` on SQLite would
    # drop the old table, and with it, through ON DELETE CASCADE, every version.
    op.add_column("declaration", sa.Column("status", sa.String(length=24), nullable=False,
                                           server_default="draft"))
    op.create_index(op.f("ix_declaration_status"), "declaration", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_declaration_status"), table_name="declaration")
    op.drop_column("declaration", "status")  # SQLite 3.35+ drops a column in place
