"""Learning packages' writes: upload (check, parse, store), delete, and the runtime's commits.

Uploading stores the files through Django's ``default_storage`` under a new prefix, then the row, in
that order; any failure removes the files already written, so a refused or failed upload leaves
nothing behind (no row, no file).
"""

import logging
import posixpath
import tempfile
import uuid
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from ..learning import events
from ..learning.events import PackageResult
from ..learning.services import lesson_complete
from . import cmi, scorm  # noqa: F401 (scorm registers SCORM's parser)
from .models import LearningPackage, PackageAttempt
from .parsers import ParsedPackage, package_parse
from .results import Statuses, lesson_done, statuses_read
from .validation import CheckedZip, PackageInvalid, zip_check

logger = logging.getLogger(__name__)


def _files_store(*, package: CheckedZip, prefix: str, written: list[str]) -> None:
    for item in package.files:
        name = posixpath.join(prefix, item.path)
        # Through a spooled file: small files stay in memory, a large video goes to disk, never whole in memory.
        with tempfile.SpooledTemporaryFile(max_size=1024 * 1024) as spool:
            for chunk in package.chunks(item):
                spool.write(chunk)
            spool.seek(0)
            saved = default_storage.save(name, File(spool, name=posixpath.basename(item.path)))
        written.append(saved)
        if saved != name:  # the storage renamed it (a name it would not keep): refuse rather than break links
            raise PackageInvalid([_("A file name in the package cannot be stored: %(name)s") % {"name": item.path}])


def _files_remove(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover (a storage that fails to delete: logged, not raised)
            logger.warning("package file not removed: %s", name)


def package_upload(
    *, upload: IO[bytes], user: User | None, size: int | None = None, filename: str = "", title: str = ""
) -> LearningPackage:
    """Check, parse and store an uploaded package; raise ``PackageInvalid`` (every reason) and store nothing."""
    checked = zip_check(upload, size=size)
    try:
        parsed: ParsedPackage = package_parse(checked)
        prefix = posixpath.join(settings.PACKAGES_STORAGE_PREFIX, uuid.uuid4().hex)
        written: list[str] = []
        try:
            _files_store(package=checked, prefix=prefix, written=written)
            with transaction.atomic():
                return LearningPackage.objects.create(
                    title=(title or parsed.title)[:255],
                    identifier=parsed.identifier,
                    standard=parsed.standard,
                    version=parsed.version,
                    launch_path=parsed.launch_path[:1000],
                    manifest=parsed.summary,
                    file_count=len(checked.files),
                    total_size=checked.total_size,
                    storage_prefix=prefix,
                    original_filename=filename[:255],
                    uploaded_by=user,
                )
        except BaseException:
            _files_remove(written)
            raise
    finally:
        checked.archive.close()


def package_files_delete(*, package: LearningPackage) -> None:
    """Remove a package's stored files (after its row was deleted)."""
    names = [posixpath.join(package.storage_prefix, path) for path in package_paths(prefix=package.storage_prefix)]
    _files_remove(names)


def package_paths(*, prefix: str) -> list[str]:
    """Every stored file under ``prefix``, relative to it."""
    paths: list[str] = []
    pending = [""]
    while pending:
        folder = pending.pop()
        try:
            directories, files = default_storage.listdir(posixpath.join(prefix, folder))
        except (FileNotFoundError, NotADirectoryError):
            continue
        paths.extend(posixpath.join(folder, name) for name in files)
        pending.extend(posixpath.join(folder, name) for name in directories)
    return paths


# The runtime: a commit of a learner's attempt ------------------------------------------------


class CommitRefused(Exception):
    """A commit that stores nothing: ``status`` 400 (bad values, ``problems``), 404 or 409."""

    def __init__(self, status: int, message: str = "", problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.problems = status, message, problems or []


@dataclass(frozen=True)
class CommitOutcome:
    attempt: PackageAttempt
    lesson_completed: bool
    course_completed: bool
    not_recorded: str = ""  # why a finished package did not complete the lesson (a quiz to pass, say)


def _attempt_for_commit(*, user: User, lesson: Any, package: LearningPackage, attempt_uuid: str) -> PackageAttempt:
    attempt = PackageAttempt.objects.select_for_update().filter(uuid=attempt_uuid).first()
    if attempt is not None:
        if (attempt.user_id, attempt.lesson_id, attempt.package_id) != (user.pk, lesson.pk, package.pk):
            raise CommitRefused(404)
        if attempt.closed_at is not None:
            raise CommitRefused(409, str(_("This attempt is over: reload the page to start again.")))
        return attempt
    try:
        with transaction.atomic():
            return PackageAttempt.objects.create(uuid=attempt_uuid, user=user, lesson=lesson, package=package)
    except IntegrityError:  # another open attempt (another tab), or that id taken
        raise CommitRefused(409, str(_("This package was opened again elsewhere: reload the page."))) from None


def _result(*, attempt: PackageAttempt, package: LearningPackage, statuses: Statuses) -> PackageResult:
    return PackageResult(
        attempt_id=str(attempt.uuid),
        standard=package.standard,
        activity_id=package.identifier,
        title=package.title,
        completed=statuses.completed,
        passed=statuses.passed,
        score_scaled=statuses.scaled,
        score_raw=statuses.raw,
        score_min=statuses.minimum,
        score_max=statuses.maximum,
        duration_seconds=attempt.session_seconds or None,
    )


def _announce_if_changed(*, attempt: PackageAttempt, user: User, lesson: Any, result: PackageResult) -> None:
    """``package_finished``, once per attempt and change of result (not of time spent)."""
    if not result.completed and result.passed is None:
        return
    key = [result.completed, result.passed, result.score_scaled, result.score_raw, result.score_min, result.score_max]
    if attempt.announced_result == key:
        return
    attempt.announced_result = key
    PackageAttempt.objects.filter(pk=attempt.pk).update(announced_result=key)
    events.package_finished.announce(user=user, lesson=lesson, result=result)


def attempt_commit(
    *, user: User, lesson: Any, package: LearningPackage, attempt_uuid: str, values: dict, terminate: bool
) -> CommitOutcome:
    """Store what the content committed (checked against the standard's data model: any bad value and
    nothing is written), read its result, complete the lesson when the result says so (and the course
    with it, through learning's ``lesson_complete``), and announce the result if it changed."""
    problems = cmi.values_check(standard=package.standard, values=values)
    if problems:
        raise CommitRefused(400, problems=problems)
    session = cmi.SESSION_ELEMENTS[package.standard]
    now = timezone.now()
    with transaction.atomic():
        attempt = _attempt_for_commit(user=user, lesson=lesson, package=package, attempt_uuid=attempt_uuid)
        data = {**attempt.cmi, **values}
        if terminate:
            attempt.session_seconds += cmi.timespan_seconds(package.standard, data.pop(session[1], ""))
        statuses = statuses_read(standard=package.standard, cmi=data, manifest=package.manifest)
        attempt.cmi = data
        attempt.completion_status, attempt.success_status = statuses.completion, statuses.success
        attempt.score_raw, attempt.score_min, attempt.score_max = statuses.raw, statuses.minimum, statuses.maximum
        attempt.score_scaled = statuses.scaled
        attempt.updated_at = now
        if statuses.completed and attempt.completed_at is None:
            attempt.completed_at = now
        if terminate and statuses.completed and data.get(session[0]) != "suspend":
            attempt.closed_at = now  # the next launch starts a new attempt
        attempt.save()
        result = _result(attempt=attempt, package=package, statuses=statuses)
        _announce_if_changed(attempt=attempt, user=user, lesson=lesson, result=result)
        if not lesson_done(statuses=statuses, pass_mark=lesson.course.pass_mark):
            return CommitOutcome(attempt=attempt, lesson_completed=False, course_completed=False)
        try:
            enrolment = lesson_complete(user=user, lesson=lesson)
        except ValidationError as error:
            return CommitOutcome(attempt, False, False, not_recorded=" ".join(error.messages))
    return CommitOutcome(attempt=attempt, lesson_completed=True, course_completed=enrolment.completed_at is not None)
