"""Reading a checked package's manifest: one parser per kind of package, registered by standard.

A parser says whether it recognises a package (``detects``: usually its manifest's name at the root)
and reads it into a ``ParsedPackage`` or raises ``PackageInvalid`` with its reasons. SCORM 1.2 and
SCORM 2004 share one parser (``scorm.ScormParser``: ``imsmanifest.xml``'s schemaversion tells them
apart); another standard (H5P's ``h5p.json``) registers its own with ``parser_register``.
"""

from dataclasses import dataclass, field
from typing import Protocol

from django.utils.translation import gettext_lazy as _

from .validation import CheckedZip, PackageInvalid


@dataclass
class ParsedPackage:
    """What a manifest says: enough to store the package and launch it."""

    standard: str  # models.Standard
    identifier: str
    title: str
    launch_path: str  # relative to the package's root; may carry a query string (SCORM's parameters)
    version: str = ""
    summary: dict = field(default_factory=dict)  # LearningPackage.manifest


class PackageParser(Protocol):
    standards: tuple[str, ...]

    def detects(self, package: CheckedZip) -> bool: ...

    def parse(self, package: CheckedZip) -> ParsedPackage: ...


PARSERS: dict[str, PackageParser] = {}


def parser_register(parser: PackageParser) -> PackageParser:
    """Register ``parser`` for each standard it reads (again: replaces the earlier one)."""
    for standard in parser.standards:
        PARSERS[standard] = parser
    return parser


def package_parse(package: CheckedZip) -> ParsedPackage:
    """The first registered parser that recognises the package reads it; none: refused."""
    for parser in dict.fromkeys(PARSERS.values()):  # a parser once, though it reads several standards
        if parser.detects(package):
            return parser.parse(package)
    raise PackageInvalid(
        [_("No manifest found: a SCORM package has imsmanifest.xml at its root (an H5P activity, h5p.json).")]
    )
