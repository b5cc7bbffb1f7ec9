"""An ``.h5p`` file (H5P's package specification): ``h5p.json``, ``content/content.json`` and the libraries.

- ``h5p.json`` at the root: ``title``, ``mainLibrary``, ``language``, ``preloadedDependencies``
  (``machineName``, ``majorVersion``, ``minorVersion``) and ``embedTypes`` (``div``, ``iframe``) are
  required; ``license``, ``authors``, ``contentType`` … are kept in the summary.
- ``content/content.json``: the content's parameters (a JSON object), read by the main library.
- One folder per library at the root (``H5P.MultiChoice-1.16`` or ``H5P.MultiChoice``) with its
  ``library.json`` (``machineName``, ``majorVersion``, ``minorVersion``, ``patchVersion``,
  ``preloadedJs``, ``preloadedCss``, ``preloadedDependencies``).

Only what the package holds is played: every library the content needs, and every library those
need, must be inside it (no H5P Hub, nothing fetched). Content files follow H5P's content whitelist:
no scripts, styles or HTML under ``content/``, and no HTML anywhere (docs/h5p.md).
"""

import hashlib
import json
import posixpath
import re

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..models import Standard
from ..parsers import ParsedPackage, parser_register
from ..validation import CheckedZip, PackageInvalid

MANIFEST = "h5p.json"
CONTENT = "content/content.json"
_MACHINE_NAME = re.compile(r"^[\w.-]{1,255}$")
_EMBED_TYPES = {"div", "iframe"}
_CODE = {"js", "mjs", "css"}
_NEVER = {"html", "htm", "xhtml"}
_SHOWN = 5


def _names(names: list[str]) -> str:
    return ", ".join(names[:_SHOWN]) + (", …" if len(names) > _SHOWN else "")


def _json(package: CheckedZip, path: str) -> object:
    try:
        return json.loads(package.read(path).decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise PackageInvalid([format_lazy(_("{} is not valid JSON."), path)]) from None


def _dependency(value: object) -> tuple[str, int, int] | None:
    """A dependency's (machine name, major, minor), or None if it is not one."""
    if not isinstance(value, dict):
        return None
    name, major, minor = value.get("machineName"), value.get("majorVersion"), value.get("minorVersion")
    if not isinstance(name, str) or not _MACHINE_NAME.match(name):
        return None
    try:
        return name, int(major), int(minor)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _dependencies(document: dict) -> list[tuple[str, int, int]] | None:
    listed = document.get("preloadedDependencies", [])
    if not isinstance(listed, list):
        return None
    found = [_dependency(item) for item in listed]
    return None if None in found else found  # type: ignore[return-value]


def _label(dependency: tuple[str, int, int]) -> str:
    return f"{dependency[0]} {dependency[1]}.{dependency[2]}"


def _libraries(package: CheckedZip) -> dict[str, dict]:
    """Every library folder's ``library.json`` read, by folder name."""
    libraries = {}
    for path in sorted(package.paths):
        folder, _slash, rest = path.partition("/")
        if rest == "library.json":
            document = _json(package, path)
            if not isinstance(document, dict):
                raise PackageInvalid([format_lazy(_("{} is not valid JSON."), path)])
            libraries[folder] = document
    return libraries


def _library_check(folder: str, document: dict, package: CheckedZip) -> list:
    reasons = []
    if _dependency(document) is None or not isinstance(document.get("patchVersion"), int):
        reasons.append(
            format_lazy(_("{}/library.json lacks machineName, majorVersion, minorVersion or patchVersion."), folder)
        )
    missing = []
    for key in ("preloadedJs", "preloadedCss"):
        files = document.get(key, [])
        if not isinstance(files, list) or not all(
            isinstance(f, dict) and isinstance(f.get("path"), str) for f in files
        ):
            reasons.append(
                format_lazy(_("{folder}/library.json: {key} is not a list of files."), folder=folder, key=key)
            )
            continue
        missing += [
            f"{folder}/{f['path']}" for f in files if posixpath.normpath(f"{folder}/{f['path']}") not in package.paths
        ]
    if missing:
        reasons.append(format_lazy(_("Files a library names are not in the package: {}"), _names(missing)))
    if _dependencies(document) is None:
        reasons.append(format_lazy(_("{}/library.json: preloadedDependencies is not a list of libraries."), folder))
    return reasons


def _resolve(libraries: dict[str, dict], dependency: tuple[str, int, int]) -> str | None:
    """The folder a dependency names: with its version in the name (as h5p-standalone looks first), or without."""
    name, major, minor = dependency
    for folder in (f"{name}-{major}.{minor}", name):
        document = libraries.get(folder)
        if document is not None and _dependency(document) == dependency:
            return folder
    return None


def _missing(libraries: dict[str, dict], roots: list[tuple[str, int, int]]) -> tuple[list[str], list[str]]:
    """Follow the dependencies from ``roots``: the libraries missing, and the folders used (in load order)."""
    missing: list[str] = []
    used: list[str] = []
    pending = list(roots)
    seen: set[tuple[str, int, int]] = set()
    while pending:
        dependency = pending.pop(0)
        if dependency in seen:
            continue
        seen.add(dependency)
        folder = _resolve(libraries, dependency)
        if folder is None:
            missing.append(_label(dependency))
            continue
        used.append(folder)
        pending.extend(_dependencies(libraries[folder]) or [])
    return missing, used


def _files_check(package: CheckedZip, libraries: dict[str, dict]) -> list:
    """H5P's whitelist: scripts and styles only in libraries, no HTML at all, no stray folders."""
    refused, stray = [], set()
    for path in sorted(package.paths):
        folder, slash, _rest = path.partition("/")
        extension = path.rsplit(".", 1)[-1].lower() if "." in posixpath.basename(path) else ""
        in_library = bool(slash) and folder in libraries
        if extension in _NEVER or (extension in _CODE and not in_library):
            refused.append(path)
        elif slash and folder != "content" and not in_library:
            stray.add(folder)
    reasons = []
    if refused:
        reasons.append(
            format_lazy(
                _("Files H5P does not allow here (scripts and styles only in a library, no HTML): {}"),
                _names(refused),
            )
        )
    if stray:
        reasons.append(
            format_lazy(
                _("Folders that are neither content/ nor a library (no library.json): {}"), _names(sorted(stray))
            )
        )
    return reasons


def _manifest_check(document: object) -> list:
    if not isinstance(document, dict):
        return [_("h5p.json is not a JSON object.")]
    reasons = []
    absent = [
        key
        for key in ("title", "mainLibrary", "language")
        if not isinstance(document.get(key), str) or not document[key].strip()
    ]
    if absent:
        reasons.append(format_lazy(_("h5p.json lacks: {}"), ", ".join(absent)))
    if not document.get("preloadedDependencies") or _dependencies(document) is None:
        reasons.append(_("h5p.json: preloadedDependencies must list the libraries the content needs."))
    embed = document.get("embedTypes")
    if not isinstance(embed, list) or not embed or not set(embed) <= _EMBED_TYPES:
        reasons.append(_("h5p.json: embedTypes must list “div”, “iframe” or both."))
    return reasons


def _summary(document: dict, libraries: dict[str, dict], used: list[str], main_folder: str) -> dict:
    main = libraries[main_folder]
    return {
        "title": document["title"],
        "mainLibrary": document["mainLibrary"],
        "mainLibraryFolder": main_folder,
        "mainLibraryVersion": f"{main['majorVersion']}.{main['minorVersion']}.{main['patchVersion']}",
        "language": document.get("language", "und"),
        "embedTypes": document["embedTypes"],
        "embedType": "div" if "div" in document["embedTypes"] else "iframe",
        "license": document.get("license", ""),
        "authors": [a for a in document.get("authors", []) if isinstance(a, dict)][:20],
        "contentType": document.get("contentType", ""),
        "libraries": [
            {
                "folder": folder,
                "machineName": libraries[folder]["machineName"],
                "version": "{majorVersion}.{minorVersion}.{patchVersion}".format(**libraries[folder]),
                "title": str(libraries[folder].get("title", ""))[:255],
            }
            for folder in used
        ][:200],
    }


class H5PParser:
    standards = (Standard.H5P,)

    def detects(self, package: CheckedZip) -> bool:
        # An .h5p without its h5p.json is still recognised, to be refused with that reason.
        return MANIFEST in package.paths or CONTENT in package.paths

    def parse(self, package: CheckedZip) -> ParsedPackage:
        if MANIFEST not in package.paths:
            raise PackageInvalid([_("h5p.json is missing from the package's root.")])
        document = _json(package, MANIFEST)
        reasons = _manifest_check(document)
        if CONTENT not in package.paths:
            reasons.append(_("content/content.json is missing."))
        elif not isinstance(_json(package, CONTENT), dict):
            reasons.append(_("content/content.json is not a JSON object."))
        if reasons:
            raise PackageInvalid(reasons)
        assert isinstance(document, dict)  # noqa: S101 (checked by _manifest_check)
        libraries = _libraries(package)
        for folder, library in libraries.items():
            reasons += _library_check(folder, library, package)
        reasons += _files_check(package, libraries)
        roots = _dependencies(document) or []
        main = next((d for d in roots if d[0] == document["mainLibrary"]), None)
        main_folder = _resolve(libraries, main) if main else None
        if main is None:
            reasons.append(
                format_lazy(
                    _("The main library {} is not among h5p.json's preloadedDependencies."), document["mainLibrary"]
                )
            )
        elif main_folder is None:
            reasons.append(format_lazy(_("The main library {} is not in the package."), _label(main)))
        missing, used = _missing(libraries, roots)
        missing = [label for label in missing if main is None or label != _label(main)]
        if missing:
            reasons.append(
                format_lazy(
                    _("Libraries the content needs are not in the package (no H5P Hub here): {}"), _names(missing)
                )
            )
        if reasons:
            raise PackageInvalid(reasons)
        assert main_folder is not None  # noqa: S101 (a missing main library was refused above)
        digest = hashlib.sha256(package.read(MANIFEST) + b"\0" + package.read(CONTENT)).hexdigest()
        summary = _summary(document, libraries, used, main_folder)
        return ParsedPackage(
            standard=Standard.H5P,
            identifier=f"h5p-{digest[:32]}",
            title=document["title"].strip()[:255],
            launch_path=MANIFEST,
            version=f"{document['mainLibrary']} {summary['mainLibraryVersion']}"[:100],
            summary=summary,
        )


parser_register(H5PParser())
