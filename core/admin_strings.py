"""Vietnamese where Wagtail 8.0 prints English it never marked for translation.

The catalogues in ``locale_upstream/`` translate every string Wagtail marks; a few it does not mark, so
they stay English whatever the catalogue says: a screen reader's "Search" and "Actions", a listing's
"True", the sites listing's column names, the page-permission form's "Page". Each fix here changes the
least it can and names what it replaces; ``unapplied()`` lists the fixes whose target is gone (after an
upgrade), and a test fails on it, so a fix is dropped (or redone) rather than silently lost. Each is
also a patch to offer upstream (``locale_upstream/README.md``).

Templates are fixed as they are read, by a loader that wraps Django's app-directories loader
(``lms/settings/base.py``), so no copy of a Wagtail template is kept here.
"""

from django.template.loaders.app_directories import Loader as AppDirectoriesLoader
from django.utils.translation import gettext_lazy as _

# Template name -> (text Wagtail has, text we serve) pairs; every pair must match once.
TEMPLATE_FIXES: dict[str, list[tuple[str, str]]] = {
    "wagtailadmin/shared/header.html": [
        ('<input type="submit" value="Search"', '<input type="submit" value="{% translate "Search" %}"'),
    ],
    "wagtailadmin/home.html": [
        ('<input type="submit" value="Search"', '<input type="submit" value="{% translate "Search" %}"'),
    ],
    "wagtailadmin/shared/headers/_actions.html": [
        ("{# Actions divider #}", "{% load i18n %}{# Actions divider #}"),
        ('aria-label="Actions"', 'aria-label="{% translate "Actions" %}"'),
    ],
    # A yes/no column's screen-reader text was Python's True/False/None.
    "wagtailadmin/tables/boolean_cell.html": [
        ("{% load wagtailadmin_tags %}", "{% load i18n wagtailadmin_tags %}"),
        ("title=value|stringformat:'s' name=\"help\"", 'title=_("Unknown") name="help"'),
        ("title=value|stringformat:'s' name=\"check\"", 'title=_("Yes") name="check"'),
        ("title=value|stringformat:'s' name=\"cross\"", 'title=_("No") name="cross"'),
    ],
    # A page published by no one (a script, the demo) showed its publisher as Python's None.
    "wagtailadmin/shared/user_avatar.html": [
        ("{% if not username %}{{ user }}{% else %}", '{% if not username %}{{ user|default_if_none:"" }}{% else %}'),
    ],
    # The page search's count read "1-20 of 23 None": its view gives the column no model name.
    "wagtailadmin/pages/listing/_page_title_column_header.html": [
        (
            "{% block after_label %}",
            '{% block after_label %}{% translate "pages" as pages_label %}'
            "{% firstof model_name pages_label as model_name %}",
        ),
    ],
}

_unapplied: set[str] = set()


class Loader(AppDirectoriesLoader):
    """Django's app-directories loader, with ``TEMPLATE_FIXES`` applied to Wagtail's templates."""

    def get_contents(self, origin):
        contents = super().get_contents(origin)
        fixes = TEMPLATE_FIXES.get(origin.template_name)
        if fixes and "/wagtail/" in str(origin.name):
            for old, new in fixes:
                if contents.count(old) != 1:
                    _unapplied.add(f"{origin.template_name}: {old}")
                    continue
                contents = contents.replace(old, new)
        return contents


def _sites_columns() -> bool:
    from wagtail.sites.views import IndexView  # Imported here: Wagtail's views need the app registry.

    labels = {"port": _("Port"), "site_name": _("Site name"), "root_page": _("Root page")}
    columns = {column.name: column for column in IndexView.columns}
    if not set(labels) <= set(columns):
        return False
    for name, label in labels.items():
        columns[name].label = label
    return True


def _page_fields() -> bool:
    # Imported here: Wagtail's forms need the app registry.
    from wagtail.admin.forms.workflows import WorkflowPageForm
    from wagtail.users.forms import PagePermissionsForm

    fields = [form.base_fields.get("page") for form in (PagePermissionsForm, WorkflowPageForm)]
    for field in fields:
        if field is not None:
            field.label = _("Page")
    return None not in fields


PYTHON_FIXES = {
    "wagtail.sites.views.IndexView.columns: port, site_name, root_page labels": _sites_columns,
    "wagtail PagePermissionsForm and WorkflowPageForm: the page field's label": _page_fields,
}


def image_block(**kwargs):
    """Wagtail's ``ImageBlock`` whose image field is labelled "Image" in the active language.

    Wagtail names that field from its name, unmarked ("Image" in every language); the block is made at
    import time, before ``ready()``, so it is labelled where it is made (courses.learning.blocks).
    """
    from wagtail.images.blocks import ImageBlock  # Imported here: only the block modules need it.

    block = ImageBlock(**kwargs)
    block.child_blocks["image"].label = _("Image")
    return block


def admin_strings_fix() -> None:
    """Apply the Python fixes (from ``CoreConfig.ready``); the template ones apply as templates load."""
    for name, fix in PYTHON_FIXES.items():
        if not fix():
            _unapplied.add(name)


def unapplied() -> list[str]:
    """The fixes whose target was not found: the ones applied so far (templates load on first use)."""
    return sorted(_unapplied)
