"""Checking an uploaded zip before anything of it is stored: size, paths, links, file types, zip bombs.

Every problem found is collected (not only the first), so staff see the whole row of reasons at once.
``PackageInvalid`` carries them; a refused upload writes nothing (``services.package_upload``).
"""

import posixpath
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# Names shown in a reason: a few, then "…".
_NAMES_SHOWN = 5
_CHUNK = 64 * 1024


class PackageInvalid(ValidationError):
    """The package is refused: ``messages`` lists every reason, translated."""


@dataclass
class PackageFile:
    """One regular file of a checked zip: its safe relative path and its entry in the zip."""

    path: str
    info: zipfile.ZipInfo


@dataclass
class CheckedZip:
    archive: zipfile.ZipFile
    files: list[PackageFile] = field(default_factory=list)

    @property
    def paths(self) -> set[str]:
        return {item.path for item in self.files}

    @property
    def total_size(self) -> int:
        return sum(item.info.file_size for item in self.files)

    def read(self, path: str, *, limit: int = 10 * 1024 * 1024) -> bytes:
        """A file's bytes (a manifest, say), at most ``limit`` of them."""
        for item in self.files:
            if item.path == path:
                with self.archive.open(item.info) as handle:
                    return handle.read(limit)
        raise KeyError(path)

    def chunks(self, item: PackageFile) -> Iterator[bytes]:
        """A file's bytes in chunks, never more than the zip declared (zipfile also checks the CRC)."""
        read = 0
        with self.archive.open(item.info) as handle:
            while chunk := handle.read(_CHUNK):
                read += len(chunk)
                if read > item.info.file_size:
                    raise PackageInvalid([_("A file is larger than the zip declares: the zip is damaged.")])
                yield chunk


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:_NAMES_SHOWN])
    return shown + (", …" if len(names) > _NAMES_SHOWN else "")


def safe_path(name: str) -> str | None:
    """The entry's path inside the package, or None when it would leave it (absolute, a drive, ``..``)."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\x00" in name:
        return None
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return posixpath.join(*parts)


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    # Unix zips keep the file's mode in the high 16 bits of the external attributes.
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _extension(path: str) -> str:
    base = posixpath.basename(path)
    return base.rsplit(".", 1)[1].lower() if "." in base else ""


class _Problems:
    def __init__(self) -> None:
        self.outside: list[str] = []
        self.links: list[str] = []
        self.types: list[str] = []
        self.ratio: list[str] = []
        self.encrypted: list[str] = []
        self.duplicates: list[str] = []

    def reasons(self) -> list:
        reasons = []
        if self.outside:
            reasons.append(
                format_lazy(
                    _("Files with a path outside the package (absolute or with “..”): {}"), _names(self.outside)
                )
            )
        if self.links:
            reasons.append(format_lazy(_("Symbolic links are not allowed: {}"), _names(self.links)))
        if self.types:
            reasons.append(format_lazy(_("File types that are not allowed: {}"), _names(self.types)))
        if self.ratio:
            reasons.append(
                format_lazy(
                    _("Files compressed more than {ratio} times (a zip bomb?): {names}"),
                    ratio=settings.PACKAGES_MAX_COMPRESSION_RATIO,
                    names=_names(self.ratio),
                )
            )
        if self.encrypted:
            reasons.append(format_lazy(_("Encrypted files cannot be read: {}"), _names(self.encrypted)))
        if self.duplicates:
            reasons.append(format_lazy(_("Files that appear twice: {}"), _names(self.duplicates)))
        return reasons


def _entry_check(info: zipfile.ZipInfo, problems: _Problems, seen: set[str], allowed: set[str]) -> str | None:
    """Note what is wrong with one entry; the safe path of a regular file worth keeping, else None."""
    name = info.filename
    path = safe_path(name)
    if path is None:
        problems.outside.append(name)
        return None
    if _is_symlink(info):
        problems.links.append(name)
        return None
    if info.is_dir():
        return None
    if _extension(path) not in allowed:
        problems.types.append(name)
    if info.flag_bits & 0x1:
        problems.encrypted.append(name)
    ratio = settings.PACKAGES_MAX_COMPRESSION_RATIO
    if info.file_size > 1024 * 1024 and info.file_size > ratio * max(info.compress_size, 1):
        problems.ratio.append(name)
    if path.lower() in seen:
        problems.duplicates.append(name)
    seen.add(path.lower())
    return path


def zip_check(upload: IO[bytes], *, size: int | None = None) -> CheckedZip:
    """Open and check the uploaded zip; raise ``PackageInvalid`` with every reason found.

    Only the zip's directory is read here: sizes and ratios are the ones it declares, and reading a
    file later never yields more than declared (``CheckedZip.chunks``).
    """
    limit = settings.PACKAGES_MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        raise PackageInvalid(
            [
                format_lazy(
                    _("The file is too big: {size}; at most {limit}."),
                    size=filesizeformat(size),
                    limit=filesizeformat(limit),
                )
            ]
        )
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise PackageInvalid([_("This is not a zip file (or it is damaged).")]) from None
    infos = archive.infolist()
    problems = _Problems()
    seen: set[str] = set()
    allowed = {extension.lower().lstrip(".") for extension in settings.PACKAGES_ALLOWED_EXTENSIONS}
    checked = CheckedZip(archive=archive)
    for info in infos:
        path = _entry_check(info, problems, seen, allowed)
        if path is not None:
            checked.files.append(PackageFile(path=path, info=info))
    reasons = problems.reasons()
    count = len(checked.files)
    if count > settings.PACKAGES_MAX_FILES:
        reasons.append(
            format_lazy(_("Too many files: {count}; at most {limit}."), count=count, limit=settings.PACKAGES_MAX_FILES)
        )
    total = checked.total_size
    if total > settings.PACKAGES_MAX_UNCOMPRESSED_BYTES:
        reasons.append(
            format_lazy(
                _("The package unpacks to {size}; at most {limit}."),
                size=filesizeformat(total),
                limit=filesizeformat(settings.PACKAGES_MAX_UNCOMPRESSED_BYTES),
            )
        )
    compressed = sum(item.info.compress_size for item in checked.files)
    ratio = settings.PACKAGES_MAX_COMPRESSION_RATIO
    if total > 1024 * 1024 and total > ratio * max(compressed, 1) and not problems.ratio:
        reasons.append(format_lazy(_("The package is compressed more than {} times (a zip bomb?)."), ratio))
    if not checked.files:
        reasons.append(_("The zip is empty."))
    if reasons:
        archive.close()
        raise PackageInvalid(reasons)
    return checked
