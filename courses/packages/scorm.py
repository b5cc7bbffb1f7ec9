"""SCORM's content package: ``imsmanifest.xml`` (IMS Content Packaging 1.1, with ADL's extensions).

- SCORM 1.2: ``<schemaversion>1.2</schemaversion>``, ``adlcp:scormtype``, ADL's ``adlcp_rootv1p2``.
- SCORM 2004 (2nd to 4th edition): ``2004 4th Edition`` (``2004 3rd Edition``, ``CAM 1.3``),
  ``adlcp:scormType``, ADL's ``adlcp_v1p3``.

The launch is the default organization's first item that names a SCO's resource: its ``href`` (under
any ``xml:base``) with the item's ``parameters``. Sequencing, other SCOs and other organizations are
read into the summary but not played (docs/packages.md).
"""

import posixpath
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import fromstring
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import Standard
from .parsers import ParsedPackage, parser_register
from .validation import CheckedZip, PackageInvalid

MANIFEST = "imsmanifest.xml"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
ADLCP_12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"
ADLCP_2004 = "http://www.adlnet.org/xsd/adlcp_v1p3"
_MAX_ITEMS = 2000


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    found = _children(element, name)
    return found[0] if found else None


def _text(element: Element | None, name: str) -> str:
    child = _child(element, name)
    if child is None:
        return ""
    # An IMS LOM langstring (<title><string>…</string></title>) or plain text.
    return " ".join("".join(child.itertext()).split())[:255]


def _attribute(element: Element, name: str) -> str:
    """An attribute by local name, in whatever namespace (adlcp:scormtype / adlcp:scormType)."""
    for key, value in element.attrib.items():
        if _local(key).lower() == name.lower():
            return value.strip()
    return ""


def _standard(root: Element, schemaversion: str) -> str | None:
    version = schemaversion.strip().lower()
    if version == "1.2":
        return Standard.SCORM12
    if version.startswith("2004") or version == "cam 1.3":
        return Standard.SCORM2004
    if version:
        return None
    # No schemaversion: ADL's namespace on the root or its elements says which.
    namespaces = {key.split("}")[0].lstrip("{") for element in root.iter() for key in [element.tag, *element.attrib]}
    if ADLCP_2004 in namespaces:
        return Standard.SCORM2004
    if ADLCP_12 in namespaces:
        return Standard.SCORM12
    return None


def _items(element: Element, depth: int = 0) -> list[dict]:
    items = []
    for item in _children(element, "item"):
        items.append(
            {
                "identifier": _attribute(item, "identifier"),
                "title": _text(item, "title"),
                "resource": _attribute(item, "identifierref"),
                "parameters": _attribute(item, "parameters"),
                "mastery_score": _text(item, "masteryscore"),
                "sequencing": _child(item, "sequencing") is not None,
                "items": _items(item, depth + 1) if depth < 20 else [],
            }
        )
    return items


def _flat(items: list[dict]) -> list[dict]:
    flat = []
    for item in items:
        flat.append(item)
        flat.extend(_flat(item["items"]))
    return flat[:_MAX_ITEMS]


def _resources(root: Element) -> dict[str, dict]:
    resources_element = _child(root, "resources")
    if resources_element is None:
        return {}
    root_base = root.get(XML_BASE, "")
    base = posixpath.join(root_base, resources_element.get(XML_BASE, ""))
    resources = {}
    for resource in _children(resources_element, "resource")[:_MAX_ITEMS]:
        href = _attribute(resource, "href")
        resources[_attribute(resource, "identifier")] = {
            "type": _attribute(resource, "scormtype"),
            "href": posixpath.normpath(posixpath.join(base, resource.get(XML_BASE, ""), href)) if href else "",
        }
    return resources


def _launch(item: dict | None, resource: dict) -> str:
    href = resource["href"]
    parameters = item["parameters"] if item else ""
    if parameters:
        # SCORM CAM 3.4.1.11: "?" and "#" may start the parameters; "&" joins them to a query.
        joiner = "&" if "?" in href else "?"
        href += parameters if parameters[0] in "?#" else joiner + parameters
    return href


def _sco(organization: Element | None, resources: dict[str, dict]) -> tuple[dict | None, dict | None, list[dict]]:
    """The first item naming a SCO (and its resource), and every item of the organization."""
    items = _flat(_items(organization)) if organization is not None else []
    for item in items:
        resource = resources.get(item["resource"])
        if resource and resource["type"].lower() == "sco" and resource["href"]:
            return item, resource, items
    if organization is None:  # a resource package: its first SCO
        for resource in resources.values():
            if resource["type"].lower() == "sco" and resource["href"]:
                return None, resource, items
    return None, None, items


class ScormParser:
    standards = (Standard.SCORM12, Standard.SCORM2004)

    def detects(self, package: CheckedZip) -> bool:
        return MANIFEST in package.paths

    def _root(self, package: CheckedZip) -> Element:
        try:
            return fromstring(package.read(MANIFEST), forbid_dtd=False, forbid_entities=True, forbid_external=True)
        except EntitiesForbidden:
            raise PackageInvalid([_("imsmanifest.xml declares XML entities, which are not allowed.")]) from None
        except (ParseError, DefusedXmlException, ValueError):
            raise PackageInvalid([_("imsmanifest.xml is not well-formed XML.")]) from None

    def parse(self, package: CheckedZip) -> ParsedPackage:
        root = self._root(package)
        if _local(root.tag) != "manifest":
            raise PackageInvalid([_("imsmanifest.xml has no <manifest> element at its root.")])
        metadata = _child(root, "metadata")
        schemaversion = _text(metadata, "schemaversion")
        standard = _standard(root, schemaversion)
        reasons = []
        if standard is None:
            reasons.append(
                format_lazy(_("Unknown SCORM version “{}”: SCORM 1.2 and SCORM 2004 are supported."), schemaversion)
            )
        organizations = _child(root, "organizations")
        found = _children(organizations, "organization") if organizations is not None else []
        default = _attribute(organizations, "default") if organizations is not None else ""
        organization = next((o for o in found if _attribute(o, "identifier") == default), found[0] if found else None)
        resources = _resources(root)
        item, resource, items = _sco(organization, resources)
        if resource is None:
            reasons.append(_("imsmanifest.xml names no SCO to launch (a resource with scormType “sco” and an href)."))
        else:
            launch_file = resource["href"].split("?")[0].split("#")[0]
            if launch_file.startswith("..") or launch_file.startswith("/") or launch_file not in package.paths:
                reasons.append(format_lazy(_("The launch file {} is not in the package."), launch_file))
        if reasons:
            raise PackageInvalid(reasons)
        identifier = _attribute(root, "identifier") or "package"
        title = _text(organization, "title") or (item or {}).get("title") or identifier
        sco_ids = {key for key, value in resources.items() if value["type"].lower() == "sco"}
        return ParsedPackage(
            standard=standard,
            identifier=identifier[:255],
            title=title,
            version=_attribute(root, "version")[:100],
            launch_path=_launch(item, resource),
            summary={
                "schema": _text(metadata, "schema"),
                "schemaversion": schemaversion,
                "organization": _attribute(organization, "identifier") if organization is not None else "",
                "organizations": len(found),
                "launch_item": (item or {}).get("identifier", ""),
                "mastery_score": (item or {}).get("mastery_score", ""),
                "items": [
                    {"identifier": i["identifier"], "title": i["title"], "resource": i["resource"]} for i in items
                ][:200],
                "resources": len(resources),
                "scos": len(sco_ids),
                "sequencing": any(i["sequencing"] for i in items),
            },
        )


parser_register(ScormParser())
