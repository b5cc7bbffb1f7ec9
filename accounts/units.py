"""Organisation units as the rest of the site reads them."""


def unit_choices(empty_label, units):
    """Options for the unit select: ``units`` (already fetched) indented by depth, after ``empty_label``."""
    choices = [("", empty_label)] if empty_label else []
    seen = set()
    base = min((unit.depth for unit in units), default=1)
    for unit in units:
        if unit.pk not in seen:
            seen.add(unit.pk)
            choices.append((unit.pk, "\u2003" * (unit.depth - base) + unit.name))
    return choices
