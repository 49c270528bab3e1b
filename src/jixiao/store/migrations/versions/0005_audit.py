"""the tamper-evident audit log

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 12:00:00

``audit_entry`` (a hash chain, :mod:`jixiao.audit`) and ``audit_anchor`` (one row: the number of
entries and the last hash, starting at 0 and the genesis value). Triggers make the log append-only:
UPDATE and DELETE of entries (and TRUNCATE on PostgreSQL) and DELETE of the anchor are refused.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64  # jixiao.audit.GENESIS, repeated: a migration must not change with the code
REFUSED = "audit log is append-only (审计日志只能追加)"


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=True),
        sa.Column("object_id", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("details", sa.Text(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    op.create_index(op.f("ix_audit_entry_at"), "audit_entry", ["at"], unique=False)
    op.create_index(op.f("ix_audit_entry_actor"), "audit_entry", ["actor"], unique=False)
    op.create_index(op.f("ix_audit_entry_action"), "audit_entry", ["action"], unique=False)
    op.create_index("ix_audit_entry_object", "audit_entry", ["object_type", "object_id"], unique=False)
    op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchor")),
    )
    op.execute(f"INSERT INTO audit_anchor (id, entry_count, last_hash) VALUES (1, 0, '{GENESIS}')")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                   f"$$ BEGIN RAISE EXCEPTION '{REFUSED}'; END $$")
        op.execute("CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
                   "FOR EACH ROW EXECUTE FUNCTION audit_refuse()")
        op.execute("CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()")
        op.execute("CREATE TRIGGER audit_anchor_kept BEFORE DELETE ON audit_anchor "
                   "FOR EACH ROW EXECUTE FUNCTION audit_refuse()")
        op.execute("CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse()")
    else:
        for name, event, table in (("audit_entry_no_update", "UPDATE", "audit_entry"),
                                   ("audit_entry_no_delete", "DELETE", "audit_entry"),
                                   ("audit_anchor_kept", "DELETE", "audit_anchor")):
            op.execute(f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END")


def downgrade() -> None:
    # Dropping a table drops its triggers.
    op.drop_table("audit_anchor")
    op.drop_index("ix_audit_entry_object", table_name="audit_entry")
    op.drop_index(op.f("ix_audit_entry_action"), table_name="audit_entry")
    op.drop_index(op.f("ix_audit_entry_actor"), table_name="audit_entry")
    op.drop_index(op.f("ix_audit_entry_at"), table_name="audit_entry")
    op.drop_table("audit_entry")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_refuse()")
