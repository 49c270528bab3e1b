"""the public's list read off an index: published declarations in list order, and their funds

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 10:00:00

Since issue 5 the public sees published declarations only (``status = 'published'``). Without these
indexes the first page of its list would sort every published declaration (the status index gives
them in no useful order), and counting and summing them would read the table:

- ``ix_declaration_status_list_order`` (status, year DESC, name, id): a page of the list in its
  default order, walked off the index, as ``ix_declaration_list_order`` did before;
- ``ix_declaration_status_funds`` (status, funds_total): the count and the funds total from the index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    newest_first = "year DESC NULLS LAST" if op.get_bind().dialect.name == "postgresql" else "year DESC"
    op.create_index("ix_declaration_status_list_order", "declaration",
                    ["status", sa.text(newest_first), "name", "id"], unique=False)
    op.create_index("ix_declaration_status_funds", "declaration", ["status", "funds_total"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_declaration_status_funds", table_name="declaration")
    op.drop_index("ix_declaration_status_list_order", table_name="declaration")
