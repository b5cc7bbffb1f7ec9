"""Message texts with ``{placeholders}``: checked when a template is saved, filled in when planned."""

import string
from collections.abc import Collection, Mapping

from django.utils.translation import gettext_lazy as _

SMS_MAX_LENGTH = 480


def placeholders_check(text: str, allowed: Collection[str]) -> list[str]:
    """The error messages for ``text`` as a template with ``{placeholder}`` fields (none: valid).

    Only plain names from ``allowed``: no positional ``{}``, no attributes or indexes
    (``{name.x}``, ``{name[0]}``), no conversions or formats. ``{{`` and ``}}`` are literal braces.
    """
    errors = []
    try:
        fields = [(name, spec, conversion) for _text, name, spec, conversion in string.Formatter().parse(text)]
    except ValueError:
        return [_("Unbalanced braces: write {{ and }} for a literal brace.")]
    for name, spec, conversion in fields:
        if name is None:
            continue
        if name not in allowed:
            errors.append(
                _("Unknown placeholder {%(name)s}. Allowed here: %(allowed)s.")
                % {"name": name, "allowed": ", ".join(f"{{{item}}}" for item in sorted(allowed))}
            )
        elif spec or conversion:
            errors.append(_("Write the placeholder {%(name)s} without a format.") % {"name": name})
    return errors


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(text: str, values: Mapping[str, object]) -> str:
    """``text`` with its {placeholders} filled in.

    Templates are checked when saved (plain names only, no attribute or index access), so
    ``str.format_map`` is safe here; a name that slipped through stays as written.
    """
    return text.format_map(_Values(values))


def sms_link(url: str) -> str:
    """A link as short as an SMS can carry it: ``https://`` dropped (phones link ``kynangso.gov.vn/…``).

    Every message kind's links in SMS go through this (reminders' ``{link}``, campaigns' short links).
    """
    return url.removeprefix("https://")


def subject_line(text: str, values: Mapping[str, object]) -> str:
    """A rendered subject on one line, at most 255 characters (the delivery's column)."""
    return " ".join(render(text, values).split())[:255]
