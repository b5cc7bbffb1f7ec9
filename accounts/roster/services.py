"""Roster imports: the import itself and its life (upload → check → apply), all or nothing.

Checking (``roster_import_check``): the stored file is read (``reading``) and planned
(``planning``); the plan's summary is kept for the dry run page.

Applying (``roster_import_apply``): the stored bytes are read and planned again inside one
transaction (the database may have changed since the check), refused if anything is wrong, then
written in bulk (``roster_plan_write``). Nobody is ever deleted: people missing from a full roster
are deactivated. Large files are checked and imported by Celery tasks (``tasks``), enqueued by name
so that this module does not import the tasks that call it. A beat task resumes checks and imports
whose task was lost, then gives up on them; another forgets the files of checks not imported.
"""

import datetime
import logging
import secrets
from collections.abc import Callable
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.db import DatabaseError, transaction
from django.utils import timezone, translation

from .. import roles
from ..hooks import people_changed_hooks_run
from ..models import RosterImport, User
from ..services import TRAINING_FIELDS
from .messages import RosterFileError, roster_message
from .planning import RosterPlan, chunks, roster_plan
from .reading import roster_read, roster_row_estimate

logger = logging.getLogger(__name__)

WRITE_BATCH = 1000

# The tasks of accounts/roster/tasks.py, by their registered names.
CHECK_TASK = "accounts.roster.import_check"
APPLY_TASK = "accounts.roster.import_apply"


def async_rows() -> int:
    """Files with more rows than this are checked and imported by a Celery worker."""
    return getattr(settings, "ROSTER_ASYNC_ROWS", 2000)


def _enqueue_on_commit(*, task_name: str, import_id: int) -> None:
    """Send the task once the transaction commits (the worker must see the import's row)."""
    transaction.on_commit(lambda: current_app.send_task(task_name, args=[import_id]))


# Writing ---------------------------------------------------------------------------


class RosterPlanHasErrors(Exception):
    def __init__(self, plan: RosterPlan) -> None:
        super().__init__("the plan has errors")
        self.plan = plan


def _users_create(*, plan: RosterPlan) -> list[int]:
    """Create the plan's new people in bulk; their ids, in the plan's order."""
    now = timezone.now()
    new_users = [
        User(
            email=row.email,
            phone=row.phone,
            full_name=row.full_name,
            kind=User.Kind.CIVIL_SERVANT,
            organisation_unit_id=plan.unit_ids[row.unit_code],
            employee_code=row.employee_code,
            position=row.position or "",
            started_on=row.started_on,
            # What make_password(None) gives (an unusable, per-person value), without 10,000 slow calls.
            password=UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(20),
            date_joined=now,
        )
        for row in plan.creates
    ]
    User.objects.bulk_create(new_users, batch_size=WRITE_BATCH)
    created_ids = [user.pk for user in new_users]
    if None in created_ids:  # a database that cannot return ids from a bulk insert
        by_code: dict[str | None, int] = {}
        for chunk in chunks(values=[user.employee_code for user in new_users]):
            by_code.update(User.objects.filter(employee_code__in=chunk).values_list("employee_code", "pk"))
        created_ids = [by_code[user.employee_code] for user in new_users]
    return created_ids


def _users_update(*, plan: RosterPlan) -> None:
    """Write the plan's updates and reactivations in bulk, one query per set of changed columns."""
    by_fields: dict[tuple[str, ...], list[User]] = {}
    for user_id, _row, changes in plan.updates + plan.reactivations:
        user = User(pk=user_id)
        columns = []
        for key, (_old, new) in changes.items():
            if key == "groups":
                continue
            column = "organisation_unit_id" if key == "organisation_unit" else key
            setattr(user, column, new)
            columns.append(column)
        if columns:
            by_fields.setdefault(tuple(sorted(columns)), []).append(user)
    for changed_columns, users in by_fields.items():
        User.objects.bulk_update(users, list(changed_columns), batch_size=WRITE_BATCH)


def roster_plan_write(*, plan: RosterPlan) -> list[int]:
    """Write a plan without errors in bulk; returns the ids of the people whose training may change.

    Call inside ``transaction.atomic()``. Runs the people-changed hooks.
    """
    if plan.errors:
        raise RosterPlanHasErrors(plan)
    group, _created = Group.objects.get_or_create(name=roles.CIVIL_SERVANT)
    created_ids = _users_create(plan=plan)
    _users_update(plan=plan)

    deactivated_ids = [user_id for user_id, _code, _name in plan.deactivations]
    for chunk in chunks(values=deactivated_ids):
        User.objects.filter(pk__in=chunk, is_active=True).update(is_active=False)

    member_ids = created_ids + [
        user_id for user_id, _row, changes in plan.updates + plan.reactivations if "groups" in changes
    ]
    Membership = User.groups.through
    Membership.objects.bulk_create(
        [Membership(user_id=user_id, group_id=group.pk) for user_id in member_ids],
        batch_size=WRITE_BATCH,
        ignore_conflicts=True,
    )

    changed_ids = created_ids + deactivated_ids
    changed_ids += [
        user_id for user_id, _row, changes in plan.updates + plan.reactivations if TRAINING_FIELDS.intersection(changes)
    ]
    people_changed_hooks_run(sorted(changed_ids))
    return changed_ids


# The import's life: upload → check → apply -----------------------------------------


def _progress_saver(*, import_id: int) -> Callable[[int, int], None]:
    def save(done: int, total: int) -> None:
        RosterImport.objects.filter(pk=import_id).update(
            processed_rows=done, total_rows=total, updated_at=timezone.now()
        )

    return save


def _fail(
    *,
    import_id: int,
    code: str,
    params: dict[str, Any] | None = None,
    summary: dict[str, Any] | None = None,
    **changes: Any,
) -> None:
    """Mark the import failed with a message code (kept with the dry run's summary); forget the file."""
    with translation.override(settings.LANGUAGE_CODE):
        text = roster_message(code, params)
    if summary is None:
        summary = RosterImport.objects.filter(pk=import_id).values_list("summary", flat=True).first()
    summary = dict(summary or {})
    summary["file_error"] = {"code": code, "params": params or {}}
    RosterImport.objects.filter(pk=import_id).update(
        status=RosterImport.Status.FAILED,
        error=text,
        summary=summary,
        content=None,
        updated_at=timezone.now(),
        **changes,
    )


def roster_imports_expire() -> None:
    """Forget the files of checks not imported within a day (privacy)."""
    cutoff = timezone.now() - datetime.timedelta(days=1)
    stale = RosterImport.objects.filter(
        status=RosterImport.Status.CHECKED, uploaded_at__lt=cutoff, content__isnull=False
    )
    for import_id in stale.values_list("pk", flat=True):
        _fail(import_id=import_id, code="expired")


def roster_imports_resume(*, now: datetime.datetime | None = None) -> tuple[list[int], list[int]]:
    """Beat: give a check or an import whose task was lost another task, then give up on it.

    A task can be lost before it reaches the broker (the broker was down at commit), or with a
    worker on a broker that does not redeliver (the filesystem broker). Running a check or an
    import twice is safe (see roster_import_check and roster_import_apply), so an import whose row
    has not changed for ``ROSTER_STALL_SECONDS`` is enqueued again on every pass, until it has
    not changed for ``ROSTER_GIVE_UP_SECONDS``: then it is marked failed ("interrupted"), with
    nothing written, and its file forgotten. Returns (resumed ids, given-up ids).
    """
    now = now or timezone.now()
    stall = datetime.timedelta(seconds=getattr(settings, "ROSTER_STALL_SECONDS", 600))
    give_up = datetime.timedelta(seconds=getattr(settings, "ROSTER_GIVE_UP_SECONDS", 3600))
    unfinished = RosterImport.objects.filter(
        status__in=[RosterImport.Status.CHECKING, RosterImport.Status.APPLYING], updated_at__lt=now - stall
    )
    resumed, given_up = [], []
    for import_id, status, updated_at in unfinished.values_list("pk", "status", "updated_at").order_by("pk"):
        if updated_at < now - give_up:
            # Only if it is still stuck: a task that finished meanwhile wins.
            if RosterImport.objects.filter(pk=import_id, status=status, updated_at=updated_at).exists():
                _fail(import_id=import_id, code="interrupted")
                given_up.append(import_id)
            continue
        task_name = CHECK_TASK if status == RosterImport.Status.CHECKING else APPLY_TASK
        _enqueue_on_commit(task_name=task_name, import_id=import_id)
        resumed.append(import_id)
    if resumed or given_up:
        logger.warning("Roster imports resumed: %s; given up: %s", resumed, given_up)
    return resumed, given_up


def roster_import_create(*, user: User | None, file_name: str, content: bytes, full_roster: bool) -> RosterImport:
    """Keep an uploaded file and check it: now for a small file, in a Celery task for a large one."""
    roster_imports_expire()
    estimate = roster_row_estimate(content)
    roster_import = RosterImport.objects.create(
        uploaded_by=user,
        file_name=(file_name or "roster")[:255],
        content=content,
        full_roster=bool(full_roster),
        status=RosterImport.Status.CHECKING,
        total_rows=estimate or 0,
    )
    if estimate is not None and estimate > async_rows():
        _enqueue_on_commit(task_name=CHECK_TASK, import_id=roster_import.pk)
    else:
        roster_import_check(import_id=roster_import.pk)
    roster_import.refresh_from_db()
    return roster_import


def roster_import_check(*, import_id: int) -> RosterImport | None:
    """The dry run of one import: read, plan, store the summary. Safe to run twice."""
    roster_import = RosterImport.objects.filter(pk=import_id).only("status", "full_roster").first()
    if roster_import is None or roster_import.status != RosterImport.Status.CHECKING:
        return roster_import
    content = RosterImport.objects.filter(pk=import_id).values_list("content", flat=True).first()
    try:
        roster = roster_read(bytes(content or b""), progress=_progress_saver(import_id=import_id))
        plan = roster_plan(roster=roster, full_roster=roster_import.full_roster)
    except RosterFileError as error:
        _fail(import_id=import_id, code=error.code, params=error.params, total_rows=0, processed_rows=0)
        return RosterImport.objects.get(pk=import_id)
    except Exception:
        logger.exception("Roster import %s: check failed", import_id)
        _fail(import_id=import_id, code="internal", total_rows=0, processed_rows=0)
        return RosterImport.objects.get(pk=import_id)
    changes = {
        "status": RosterImport.Status.CHECKED,
        "summary": plan.summary(),
        "total_rows": plan.total_rows,
        "processed_rows": plan.total_rows,
        "updated_at": timezone.now(),
    }
    if plan.errors:
        changes["content"] = None  # it can never be imported: forget it
    RosterImport.objects.filter(pk=import_id, status=RosterImport.Status.CHECKING).update(**changes)
    return RosterImport.objects.get(pk=import_id)


def roster_import_can_apply(*, roster_import: RosterImport) -> bool:
    """Whether a checked import may be imported (no wrong row, no whole-file error)."""
    counts = (roster_import.summary or {}).get("counts") or {}
    return (
        roster_import.status == RosterImport.Status.CHECKED
        and not counts.get("errors")
        and "file_error" not in (roster_import.summary or {})
    )


def roster_import_apply_start(*, import_id: int) -> tuple[RosterImport, bool]:
    """Start importing a checked file: (the import, whether this call started it).

    Only one call wins (a conditional UPDATE), so a double click imports once. Small files are
    imported now; large ones by a Celery task enqueued once this transaction commits.
    """
    roster_import = RosterImport.objects.defer("content").get(pk=import_id)
    if not roster_import_can_apply(roster_import=roster_import):
        return roster_import, False
    claimed = RosterImport.objects.filter(pk=import_id, status=RosterImport.Status.CHECKED).update(
        status=RosterImport.Status.APPLYING, processed_rows=0, updated_at=timezone.now()
    )
    if not claimed:
        return RosterImport.objects.defer("content").get(pk=import_id), False
    if roster_import.total_rows > async_rows():
        _enqueue_on_commit(task_name=APPLY_TASK, import_id=import_id)
    else:
        roster_import_apply(import_id=import_id)
    return RosterImport.objects.defer("content").get(pk=import_id), True


def _applied_save(*, roster_import: RosterImport, plan: RosterPlan, changed_ids: list[int]) -> None:
    summary = plan.summary()
    summary["training_changed"] = len(changed_ids)
    roster_import.summary = summary
    roster_import.status = RosterImport.Status.APPLIED
    roster_import.applied_at = timezone.now()
    roster_import.content = None
    roster_import.total_rows = roster_import.processed_rows = plan.total_rows
    roster_import.error = ""
    roster_import.updated_at = roster_import.applied_at
    roster_import.save(
        update_fields=[
            *("summary", "status", "applied_at", "content", "total_rows", "processed_rows", "error"),
            "updated_at",
        ]
    )


def roster_import_apply(*, import_id: int) -> None:
    """Import a file whose import was started: all or nothing. Safe to run twice.

    The file is read again and re-planned inside the transaction that writes, with the import's
    row locked: a second run (a duplicate task, a retry after a lost worker) waits, then finds it
    imported and does nothing. If the worker dies mid-way, the transaction rolls back and the
    status stays "importing", so a redelivered task runs it again from the start.
    """
    status = RosterImport.objects.filter(pk=import_id).values_list("status", flat=True).first()
    if status != RosterImport.Status.APPLYING:
        return
    content = RosterImport.objects.filter(pk=import_id).values_list("content", flat=True).first()
    if content is None:
        _fail(import_id=import_id, code="expired")
        return
    try:
        roster = roster_read(bytes(content), progress=_progress_saver(import_id=import_id))
        with transaction.atomic():
            roster_import = RosterImport.objects.select_for_update().defer("content").get(pk=import_id)
            if roster_import.status != RosterImport.Status.APPLYING:
                return
            plan = roster_plan(roster=roster, full_roster=roster_import.full_roster)
            changed_ids = roster_plan_write(plan=plan)
            _applied_save(roster_import=roster_import, plan=plan, changed_ids=changed_ids)
    except RosterFileError as error:
        _fail(import_id=import_id, code=error.code, params=error.params)
    except RosterPlanHasErrors as error:
        _fail(import_id=import_id, code="changed", summary=error.plan.summary())
    except DatabaseError:
        # A unique email, phone or employee code taken meanwhile (IntegrityError), a lock timeout...
        logger.warning("Roster import %s: the database refused the import", import_id, exc_info=True)
        _fail(import_id=import_id, code="conflict")
    except Exception:
        logger.exception("Roster import %s: import failed", import_id)
        _fail(import_id=import_id, code="internal")
