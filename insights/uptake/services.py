"""Uptake imports: upload and check (a dry run that writes nothing but the upload's own row), then import.

``uptake_import_create`` stores the file and its check. ``uptake_import_apply`` re-reads and
re-plans the stored file inside one transaction with the upload's row locked (the figures may have
changed since the check), refuses on any error, then writes in bulk: new figures created, changed ones
replaced, equal ones left alone (importing the same file again changes nothing). A conditional
UPDATE makes a double click import once.
"""

import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from core.localtime import local_today
from core.published import published_content_changed

from ..models import UptakeFigure, UptakeImport
from .messages import UptakeFileError
from .planning import UptakePlan, uptake_plan
from .reading import UptakeRow, uptake_read

WRITE_BATCH = 1000
PUBLIC_CACHE_KEY = "insights:uptake:public:v1"  # the transparency page's uptake figures (selectors)


def uptake_check(*, content: bytes, today: datetime.date | None = None) -> tuple[UptakePlan | None, dict[str, Any]]:
    """(plan or None, summary) of a file: every wrong row, or the whole file's error. Writes nothing."""
    try:
        plan = uptake_plan(upload=uptake_read(content, today=today or local_today()))
    except UptakeFileError as error:
        return None, {"file_error": {"code": error.code, "params": error.params}}
    return plan, plan.summary()


def uptake_import_create(*, user: User | None, file_name: str, content: bytes) -> UptakeImport:
    """Store an upload and its check (dry run). No figure is written."""
    _plan, summary = uptake_check(content=content)
    failed = "file_error" in summary
    return UptakeImport.objects.create(
        uploaded_by=user,
        file_name=file_name[:255],
        content=None if failed else content,
        summary=summary,
        status=UptakeImport.Status.FAILED if failed else UptakeImport.Status.CHECKED,
    )


def uptake_import_can_apply(*, upload: UptakeImport) -> bool:
    counts = upload.summary.get("counts") or {}
    return upload.status == UptakeImport.Status.CHECKED and not counts.get("errors") and bool(counts.get("rows"))


def _public_figures_forget() -> None:
    """The transparency page shows the new figures: its uptake figures and the stored public pages forgotten."""
    cache.delete(PUBLIC_CACHE_KEY)
    published_content_changed()


def uptake_plan_write(*, plan: UptakePlan, upload: UptakeImport | None = None) -> tuple[int, int]:
    """Write a plan without errors in bulk: (created, replaced). Call inside ``transaction.atomic()``."""
    if plan.errors:
        raise ValueError("the plan has errors")
    now = timezone.now()
    UptakeFigure.objects.bulk_create(
        [
            UptakeFigure(
                service_id=service_id,
                unit_id=unit_id,
                month=month,
                online=row.online,
                paper=row.paper,
                source=upload,
                updated_at=now,
            )
            for (service_id, unit_id, month), row in plan.creates
        ],
        batch_size=WRITE_BATCH,
    )
    UptakeFigure.objects.bulk_update(
        [
            UptakeFigure(pk=pk, online=row.online, paper=row.paper, source=upload, updated_at=now)
            for pk, row, _old in plan.replaces
        ],
        ["online", "paper", "source", "updated_at"],
        batch_size=WRITE_BATCH,
    )
    if plan.creates or plan.replaces:
        transaction.on_commit(_public_figures_forget)
    return len(plan.creates), len(plan.replaces)


def uptake_import_apply(*, import_id: int) -> tuple[UptakeImport, bool]:
    """Import a checked upload, all or nothing: (the upload, whether this call imported it)."""
    with transaction.atomic():
        upload = UptakeImport.objects.select_for_update().filter(pk=import_id).first()
        if upload is None or not uptake_import_can_apply(upload=upload) or upload.content is None:
            return upload or UptakeImport.objects.get(pk=import_id), False
        plan, summary = uptake_check(content=bytes(upload.content))
        if plan is None or plan.errors:
            summary.setdefault("file_error", {"code": "changed", "params": {}})
            UptakeImport.objects.filter(pk=upload.pk).update(status=UptakeImport.Status.FAILED, summary=summary)
            upload.refresh_from_db()
            return upload, False
        updated = UptakeImport.objects.filter(pk=upload.pk, status=UptakeImport.Status.CHECKED).update(
            status=UptakeImport.Status.APPLIED, applied_at=timezone.now(), content=None, summary=summary
        )
        if updated:
            uptake_plan_write(plan=plan, upload=upload)
    upload.refresh_from_db()
    return upload, bool(updated)


def uptake_figures_write(*, rows: list[tuple[int, int, datetime.date, int, int]]) -> tuple[int, int]:
    """Store figures given directly as (service id, unit id, month, online, paper): the demo's way in.

    The same rules as an import: one figure per (service, unit, month), a different one replaces it.
    """
    stored = {
        (service_id, unit_id, month): (pk, online, paper)
        for pk, service_id, unit_id, month, online, paper in UptakeFigure.objects.filter(
            service_id__in={row[0] for row in rows}
        ).values_list("pk", "service_id", "unit_id", "month", "online", "paper")
    }
    plan = UptakePlan(total_rows=len(rows))
    for number, (service_id, unit_id, month, online, paper) in enumerate(rows, start=1):
        row = UptakeRow(number, "", "", month, online, paper)
        found = stored.get((service_id, unit_id, month))
        if found is None:
            plan.creates.append(((service_id, unit_id, month), row))
        elif (found[1], found[2]) != (online, paper):
            plan.replaces.append((found[0], row, (found[1], found[2])))
    with transaction.atomic():
        return uptake_plan_write(plan=plan)
