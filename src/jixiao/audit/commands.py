"""``jixiao audit …``: verify, export and list the audit log; print a checkpoint to keep elsewhere.

Each command calls one library function; a :class:`~jixiao.errors.JixiaoError` becomes one line and
exit status 2 (``jixiao.cli``'s group does that). ``verify`` and ``checkpoint`` exit 1 when the log was
tampered with.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

import click

from jixiao.cli_store import DATABASE_URL, store_session
from jixiao.text import pad, truncate

if TYPE_CHECKING:

    from jixiao.audit.log import AuditEntry

EXIT_TAMPERED = 1

_DATABASE_URL = DATABASE_URL
_session = store_session


@click.group("audit")
def audit() -> None:
    """审计日志: the tamper-evident audit log (verify, export, list)."""


@audit.command("verify")
@click.option("--checkpoint", metavar="N:HASH",
              help="Also check against a checkpoint kept elsewhere (`jixiao audit checkpoint`).")
@_DATABASE_URL
def verify_command(checkpoint: str | None, database_url: str | None) -> None:
    """Check every entry's hash, the chain and the anchor.

    Exit status 0 when the log is intact, 1 naming the first entry that was altered, removed or
    reordered.
    """
    from jixiao.audit.checking import Checkpoint, verify

    point = Checkpoint.parse(checkpoint) if checkpoint else None
    with _session(database_url) as session:
        result = verify(session, checkpoint=point)
    click.echo(result.message)
    if not result.ok:
        sys.exit(EXIT_TAMPERED)


@audit.command("checkpoint")
@_DATABASE_URL
def checkpoint_command(database_url: str | None) -> None:
    """Verify the log, then print its checkpoint N:HASH (entries, last hash) to keep elsewhere.

    A checkpoint kept outside the database exposes even a rewrite of the whole log:
    `jixiao audit verify --checkpoint N:HASH`. Exit status 1 when the log is not intact.
    """
    from jixiao.audit.checking import verify

    with _session(database_url) as session:
        result = verify(session)
    if not result.ok:
        click.echo(result.message)
        sys.exit(EXIT_TAMPERED)
    click.echo(str(result.checkpoint))


@audit.command("export")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True,
              help="JSON Lines (verifiable offline) or CSV (for a spreadsheet).")
@click.option("--output", "-o", metavar="FILE", help="Write to FILE instead of standard output.")
@_DATABASE_URL
def export_command(fmt: str, output: str | None, database_url: str | None) -> None:
    """Export the whole log with its hashes (the export itself is recorded first, as audit.export)."""
    from jixiao.audit.log import record
    from jixiao.audit.reading import export
    from jixiao.errors import UsageError
    from jixiao.roles import SYSTEM

    try:
        target: TextIO | None = open(output, "w", encoding="utf-8", newline="") if output else None  # noqa: SIM115
    except OSError as err:
        raise UsageError(f"cannot write {output}: {err.strerror}") from None
    count = 0
    try:
        with _session(database_url) as session:
            with session.begin():
                record(session, SYSTEM, "audit.export", details={"format": fmt, "output": output})
            for chunk in export(session, fmt):
                if target is None:
                    click.echo(chunk, nl=False)
                else:
                    target.write(chunk)
                    count += 1
    finally:
        if target is not None:
            target.close()
    if target is not None:
        if fmt == "csv":
            count -= 1  # the header
        click.echo(f"已导出 {count} 条审计记录到 {output} / exported {count} audit entries to {output}")


@audit.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100_000),
              help="How many entries, newest first.")
@click.option("--actor", help="Only this user's entries (username).")
@click.option("--action", help="Only this action code, or codes starting with a prefix ending in * "
                               "(declaration.*).")
@_DATABASE_URL
def list_command(limit: int, actor: str | None, action: str | None, database_url: str | None) -> None:
    """List the newest entries: id, time (UTC), user, action, object, outcome."""
    from jixiao.audit.reading import entries

    with _session(database_url) as session:
        found = entries(session, actor=actor, action=action, limit=limit)
    if not found:
        click.echo("没有审计记录 / no audit entries")
        return
    click.echo(_line("#", "时间 (UTC)", "用户", "操作", "对象", "结果"))
    for entry in found:
        click.echo(_entry_line(entry))


def _line(number: str, at: str, actor: str, action: str, obj: str, outcome: str) -> str:
    return "  ".join([pad(number, 6, right=True), pad(at, 19), pad(truncate(actor, 16), 16),
                      pad(action, 22), pad(truncate(obj, 24), 24), outcome]).rstrip()


def _entry_line(entry: AuditEntry) -> str:
    obj = ":".join(part for part in (entry.object_type, entry.object_id) if part) or "-"
    return _line(str(entry.id), entry.at.strftime("%Y-%m-%d %H:%M:%S"), entry.actor, entry.action, obj,
                 entry.outcome)
