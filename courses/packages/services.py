"""Learning packages' writes: upload (check, parse, store), delete, and the runtime's commits.

Uploading stores the files through Django's ``default_storage`` under a new prefix, then the row, in
that order; any failure removes the files already written, so a refused or failed upload leaves
nothing behind (no row, no file).
"""

import logging
import posixpath
import uuid
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from . import scorm  # noqa: F401 (registers SCORM's parser)
from .h5p import manifest as _h5p_manifest  # noqa: F401 (registers H5P's parser)
from .models import LearningPackage
from .parsers import ParsedPackage, package_parse
from .validation import CheckedZip, PackageInvalid, zip_check

logger = logging.getLogger(__name__)


def _files_store(*, package: CheckedZip, prefix: str, written: list[str]) -> None:
    for item in package.files:
        name = posixpath.join(prefix, item.path)
        content = ContentFile(b"".join(package.chunks(item)))
        saved = default_storage.save(name, content)
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
