"""The workflow applied to stored declarations: functions over a :class:`~sqlalchemy.orm.Session`.

The caller owns the transaction (``with sessions.begin() as session: transition(session, …)``);
nothing here commits. A refusal raises a :class:`~jixiao.workflow.errors.WorkflowError` before
anything is written.

Concurrency: :func:`transition` changes ``declaration.status`` with a conditional UPDATE (``WHERE
status = <the status it checked>``), so of two transitions taken at once from the same status only
the first to write passes; the other finds no row to change and raises :class:`WorkflowConflict`.
:func:`ensure_editable` claims the declaration's row the same way (a no-op UPDATE ``WHERE status IN
(draft, returned)``), so that called before an edit in the edit's transaction, no submit can come
between the check and the save: the submit waits for the edit's transaction and then records the
edited version.

Nothing here writes ``declaration_version`` or ``indicator`` (versions are immutable).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, false, func, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from jixiao.errors import UsageError
from jixiao.roles import Actor, Role
from jixiao.store.models import Declaration, Organisation, StoreState, _now
from jixiao.workflow.errors import (
    ActionNotAllowed,
    InvalidComment,
    Locked,
    NotFound,
    WorkflowConflict,
    WrongStatus,
)
from jixiao.workflow.rules import (
    ACTIONS,
    EDITABLE,
    IMPORT,
    Action,
    Status,
    Step,
    find_action,
    in_scope,
    status_title,
)
from jixiao.workflow.tables import ReviewComment, Transition

__all__ = ["WAITING", "Place", "Todo", "comments", "ensure_editable", "history", "place", "resolve_comment",
           "set_status", "todo", "todo_condition", "transition"]

#: What waits on each role: the statuses of the declarations in its scope that are on its to-do list.
WAITING: dict[Role, frozenset[Status]] = {
    Role.FILLER: frozenset({Status.RETURNED}),
    Role.UNIT_REVIEWER: frozenset({Status.DRAFT, Status.RETURNED}),
    Role.DEPARTMENT_REVIEWER: frozenset({Status.SUBMITTED}),
    Role.FINANCE_REVIEWER: frozenset({Status.DEPARTMENT_APPROVED, Status.FINANCE_APPROVED}),
}

_CHUNK = 5000  # declaration ids per statement in set_status


@dataclass(frozen=True)
class Place:
    """A declaration as the workflow sees it: its status and latest version, and where it belongs.

    ``unit_id`` is its unit (``None`` when the form names only a department), ``department_id`` the
    department it belongs to (its organisation when that is a department, else the unit's parent):
    the same rule as :func:`jixiao.access.place_of`.
    """

    id: int
    name: str | None
    status: str
    version: int
    indicator_count: int
    unit_id: int | None
    department_id: int | None

    @property
    def subject(self) -> str:
        """How messages name it: 项目「name」, or 项目（编号 id） when it has no name."""
        return f"项目「{self.name}」" if self.name else f"项目（编号 {self.id}）"


def place(session: Session, declaration_id: int) -> Place:
    """Where the declaration stands and belongs; :class:`NotFound` if there is none."""
    row = session.execute(
        select(Declaration.id, Declaration.name, Declaration.status, Declaration.latest_version,
               Declaration.indicator_count, Declaration.organisation_id, Organisation.kind,
               Organisation.parent_id)
        .outerjoin(Organisation, Organisation.id == Declaration.organisation_id)
        .where(Declaration.id == declaration_id)).first()
    if row is None:
        raise NotFound(f"没有编号为 {declaration_id} 的项目", declaration_id=declaration_id)
    ident, name, status, version, count, organisation, kind, parent = row
    if kind == "department":
        return Place(ident, name, status, version, count, None, organisation)
    return Place(ident, name, status, version, count, organisation, parent)


_WHO = {
    Role.UNIT_REVIEWER: "本项目所属单位的单位审核人",
    Role.DEPARTMENT_REVIEWER: "本项目所属主管部门的主管部门审核人",
    Role.FINANCE_REVIEWER: "财政审核人",
}


def _who(roles: Iterable[Role]) -> str:
    return "或".join(dict.fromkeys(_WHO.get(role, role.title) for role in roles))


def _or_titles(statuses: Iterable[str]) -> str:
    return "或".join(f"「{status_title(s)}」" for s in statuses)


def _check(actor: Actor, action: Action, at: Place, expected_status: str | None) -> Step:
    """The step ``actor`` takes with ``action`` from where the declaration is, or the refusal."""
    if not any(in_scope(actor, step.role, at.unit_id, at.department_id) for step in action.steps):
        raise ActionNotAllowed(f"您（{actor.username}）不能对{at.subject}进行「{action.label}」："
                               f"须由{_who(action.roles)}进行", declaration_id=at.id, status=at.status)
    if expected_status is not None and expected_status != at.status:
        raise WorkflowConflict(f"{at.subject}已被他人改为「{status_title(at.status)}」（您看到的是"
                               f"「{status_title(expected_status)}」），「{action.label}」未执行；请刷新后重试",
                               declaration_id=at.id, status=at.status, expected=expected_status)
    step = action.step_from(at.status)
    if step is None:
        raise WrongStatus(f"{at.subject}当前为「{status_title(at.status)}」，不能「{action.label}」："
                          f"只有{_or_titles(action.sources)}的项目可以「{action.label}」",
                          declaration_id=at.id, status=at.status)
    if not in_scope(actor, step.role, at.unit_id, at.department_id):
        raise ActionNotAllowed(f"{at.subject}当前为「{status_title(at.status)}」，此时的「{action.label}」"
                               f"（{step.source.title} → {step.target.title}）须由{_who([step.role])}进行",
                               declaration_id=at.id, status=at.status)
    return step


def _indicator_comments(action: Action, at: Place, given: Mapping[int, str] | None) -> dict[int, str]:
    """The non-blank indicator comments, by position; refused unless a return names real indicators."""
    cleaned = {position: text.strip() for position, text in (given or {}).items() if text and text.strip()}
    if not cleaned:
        return {}
    if action.code != "return":
        raise InvalidComment(f"只有「退回」时可以填写指标意见，「{action.label}」不可以",
                             declaration_id=at.id, status=at.status)
    for position in cleaned:
        real = isinstance(position, int) and not isinstance(position, bool)
        if not real or not 0 <= position < at.indicator_count:
            shown = position + 1 if real else position
            raise InvalidComment(f"{at.subject}第 {at.version} 版没有第 {shown} 条指标"
                                 f"（共 {at.indicator_count} 条）", declaration_id=at.id, status=at.status)
    return dict(sorted(cleaned.items()))


def transition(session: Session, declaration_id: int, action_code: str, actor: Actor, *,
               comment: str | None = None, indicator_comments: Mapping[int, str] | None = None,
               expected_status: str | None = None, now: datetime | None = None) -> Transition:
    """Take action ``action_code`` on the declaration as ``actor`` and record it; the new status is
    ``result.to_status``.

    ``comment`` is the reason (required to return or withdraw). ``indicator_comments`` (a return
    only) maps an indicator's 0-based position (``Indicator.position``) to a comment on it; blank ones
    are dropped. A return's reason and indicator comments are also stored as :class:`ReviewComment`
    rows of the declaration's current version. ``expected_status`` is the status the user saw:
    if the declaration has moved on since, :class:`WorkflowConflict`.

    Refusals: :class:`UsageError` (no such action), :class:`NotFound`, :class:`ActionNotAllowed`
    (role or scope), :class:`WorkflowConflict`, :class:`WrongStatus`, :class:`InvalidComment`.
    """
    action = find_action(action_code)
    if action is None:
        codes = ", ".join(f"{a.code} ({a.label})" for a in ACTIONS)
        raise UsageError(f"没有「{action_code}」这个操作；可用的操作：{codes}")
    at = place(session, declaration_id)
    step = _check(actor, action, at, expected_status)
    reason = (comment or "").strip() or None
    if action.comment_required and reason is None:
        raise InvalidComment(f"「{action.label}」须填写理由", declaration_id=at.id, status=at.status)
    on_indicators = _indicator_comments(action, at, indicator_comments)

    # Only if it is still where it was checked: of two concurrent transitions, one writes.
    written = session.execute(
        update(Declaration).where(Declaration.id == at.id, Declaration.status == at.status)
        .values(status=step.target.value).returning(Declaration.latest_version)).first()
    if written is None:
        now_at = place(session, declaration_id)  # NotFound if it was deleted meanwhile
        raise WorkflowConflict(f"{at.subject}已被他人改为「{status_title(now_at.status)}」，"
                               f"「{action.label}」未执行；请刷新后重试",
                               declaration_id=at.id, status=now_at.status, expected=at.status)
    version = written[0]
    when = now or _now()
    record = Transition(declaration_id=at.id, version=version, action=action.code, from_status=at.status,
                        to_status=step.target.value, actor=actor.username, user_id=actor.user_id,
                        at=when, comment=reason)
    session.add(record)
    if action.code == "return":
        texts: list[tuple[int | None, str]] = [(None, reason or ""), *on_indicators.items()]
        for indicator, text in texts:
            session.add(ReviewComment(declaration_id=at.id, version=version, indicator=indicator, text=text,
                                      author=actor.username, user_id=actor.user_id, at=when,
                                      transition=record))
    session.flush()
    _changed(session)
    return record


def ensure_editable(session: Session, declaration_id: int) -> None:
    """Refuse (:class:`Locked`) an edit of a declaration that is not a draft or returned.

    Call it in the edit's transaction, before saving: it also holds the declaration's row until
    that transaction ends, so that a concurrent submit waits for the edit instead of slipping between
    the check and the save. :class:`NotFound` if there is no such declaration.
    """
    table = Declaration.__table__
    claimed = session.execute(
        update(table).where(table.c.id == declaration_id, table.c.status.in_([s.value for s in EDITABLE]))
        .values(status=table.c.status).returning(table.c.id)).first()
    if claimed is not None:
        return
    at = place(session, declaration_id)
    how = ("需退回后才能修改" if at.status in (Status.SUBMITTED, Status.DEPARTMENT_APPROVED)
           else "不能再修改")
    raise Locked(f"{at.subject}当前为「{status_title(at.status)}」，已锁定，{how}", declaration_id=at.id,
                 status=at.status)


def history(session: Session, declaration_id: int) -> list[Transition]:
    """Every transition of the declaration, oldest first, each with its comments."""
    return list(session.scalars(
        select(Transition).where(Transition.declaration_id == declaration_id)
        .order_by(Transition.id).options(selectinload(Transition.comments))))


def comments(session: Session, declaration_id: int, version: int | None = None) -> list[ReviewComment]:
    """The review comments on the declaration (on its version ``version``, else on all), oldest first."""
    query = select(ReviewComment).where(ReviewComment.declaration_id == declaration_id)
    if version is not None:
        query = query.where(ReviewComment.version == version)
    return list(session.scalars(query.order_by(ReviewComment.id)))


def resolve_comment(session: Session, comment_id: int, actor: Actor, *, now: datetime | None = None
                    ) -> ReviewComment:
    """Mark a review comment as dealt with: by its author, or by the declaration's unit (填报人 or
    单位审核人) while the declaration can be edited. Resolving it again changes nothing."""
    found = session.get(ReviewComment, comment_id)
    if found is None:
        raise NotFound(f"没有编号为 {comment_id} 的审核意见")
    if found.resolved_at is not None:
        return found
    at = place(session, found.declaration_id)
    unit = any(in_scope(actor, role, at.unit_id, at.department_id)
               for role in (Role.FILLER, Role.UNIT_REVIEWER))
    author = not actor.is_public and actor.username == found.author
    if not author and not (unit and at.status in EDITABLE):
        raise ActionNotAllowed(f"您（{actor.username}）不能将此意见标为已处理：须由意见的作者，或在项目"
                               f"为「草稿」或「退回」时由本项目所属单位的填报人或单位审核人进行",
                               declaration_id=at.id, status=at.status)
    found.resolved_at, found.resolved_by = now or _now(), actor.username
    session.flush()
    return found


def todo_condition(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on ``declaration`` for what waits on ``actor`` (see :data:`WAITING`), to combine
    with other filters; false for an actor on whose roles nothing waits."""
    parts: list[ColumnElement[bool]] = []
    for role in actor.roles:
        statuses = WAITING.get(role)
        if statuses is None:
            continue
        waiting = Declaration.status.in_(sorted(s.value for s in statuses))
        if role in (Role.FILLER, Role.UNIT_REVIEWER):
            if actor.unit_id is not None:
                parts.append(waiting & (Declaration.organisation_id == actor.unit_id))
        elif role == Role.DEPARTMENT_REVIEWER:
            if actor.department_id is not None:
                department = select(Organisation.id).where(or_(Organisation.id == actor.department_id,
                                                               Organisation.parent_id == actor.department_id))
                parts.append(waiting & Declaration.organisation_id.in_(department))
        else:
            parts.append(waiting)
    return or_(*parts) if parts else false()


@dataclass
class Todo:
    """An actor's to-do list (待办): how many declarations wait in each status, and one page of them."""

    counts: dict[Status, int] = field(default_factory=dict)
    declarations: list[Declaration] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The number for the badge."""
        return sum(self.counts.values())


def todo(session: Session, actor: Actor, *, limit: int | None = 200, offset: int = 0) -> Todo:
    """What waits on ``actor``: counts per status, and up to ``limit`` declarations from ``offset``
    in the list's default order (newest year first, then by name: :mod:`jixiao.store.listing`)."""
    condition = todo_condition(actor)
    counts = {Status(status): n for status, n in session.execute(
        select(Declaration.status, func.count()).where(condition).group_by(Declaration.status))}
    query = (select(Declaration).where(condition)
             .order_by(Declaration.year.desc().nulls_last(), Declaration.name, Declaration.id).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    ordered = {status: counts[status] for status in Status if status in counts}
    return Todo(ordered, list(session.scalars(query)) if ordered else [])


def set_status(session: Session, declaration_ids: Iterable[int], status: str, actor: Actor, *,
               comment: str | None = None, now: datetime | None = None) -> int:
    """Put the declarations into ``status`` directly, outside the workflow, recording for each one
    that changes a transition with action ``import``; give how many changed.

    For the operator (``jixiao import --status published``, run as :data:`jixiao.roles.SYSTEM`): it
    checks no role, so never expose it to users as it is. Ids that do not exist are skipped.
    """
    try:
        target = Status(status)
    except ValueError:
        choices = ", ".join(f"{s.value} ({s.title})" for s in Status)
        raise UsageError(f"没有「{status}」这个状态；可用的状态：{choices}") from None
    if actor.is_public:
        raise ActionNotAllowed("未登录的用户不能设定项目状态")
    ids = list(dict.fromkeys(declaration_ids))
    when = now or _now()
    reason = (comment or "").strip() or None
    rows: list[dict[str, object]] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for source in Status:
            if source == target:
                continue
            changed = session.execute(
                update(Declaration).where(Declaration.id.in_(chunk), Declaration.status == source.value)
                .values(status=target.value).returning(Declaration.id, Declaration.latest_version)).all()
            rows.extend({"declaration_id": ident, "version": version, "action": IMPORT,
                         "from_status": source.value, "to_status": target.value, "actor": actor.username,
                         "user_id": actor.user_id, "at": when, "comment": reason}
                        for ident, version in changed)
    if rows:
        order = {ident: n for n, ident in enumerate(ids)}
        rows.sort(key=lambda row: order[row["declaration_id"]])  # type: ignore[index]
        session.execute(insert(Transition), rows)
        _changed(session)
    return len(rows)


def _changed(session: Session) -> None:
    """Tell the caches (:mod:`jixiao.store.cache`) that the store changed: statuses are listed and counted."""
    session.execute(update(StoreState).where(StoreState.id == 1).values(generation=StoreState.generation + 1))
    session.info.pop("jixiao.generation", None)
