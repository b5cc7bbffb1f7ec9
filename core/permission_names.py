"""Permission names in the site's language, as the group and user screens list them.

Django stores a permission's name once, when ``migrate`` creates it, as ``"Can add " + verbose_name`` in
English, and never translates it; Wagtail's group editor lists those names ("Can add page", "Publish any
page"). After each app's migrations (``post_migrate``, connected in ``core.apps``) the names of that
app's permissions are rewritten in ``LANGUAGE_CODE``: the four default actions with the model's
translated ``verbose_name``, a model's own permissions (``Meta.permissions``, marked for translation)
with their translation. Codenames, which code checks, are untouched; running it twice changes nothing.
"""

from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, router
from django.utils import translation
from django.utils.translation import gettext

_DEFAULT_ACTIONS = {
    "add": "Can add %(model)s",
    "change": "Can change %(model)s",
    "delete": "Can delete %(model)s",
    "view": "Can view %(model)s",
}
# Marked for makemessages; looked up by gettext when the names are written.
_MARKED = (
    translation.gettext_noop("Can add %(model)s"),
    translation.gettext_noop("Can change %(model)s"),
    translation.gettext_noop("Can delete %(model)s"),
    translation.gettext_noop("Can view %(model)s"),
)
_NAME_LENGTH = 255


def _wanted_names(app_config: AppConfig) -> dict[tuple[str | None, str], str]:
    """(model, codename) -> the name in the active language, for every model of the app."""
    wanted: dict[tuple[str | None, str], str] = {}
    for model in app_config.get_models():
        meta = model._meta
        for action in meta.default_permissions:
            if action in _DEFAULT_ACTIONS:
                name = gettext(_DEFAULT_ACTIONS[action]) % {"model": meta.verbose_name}
                wanted[(meta.model_name, f"{action}_{meta.model_name}")] = name
        for codename, name in meta.permissions:
            wanted[(meta.model_name, codename)] = gettext(str(name))
    return wanted


def permission_names_translate(
    *, app_config: AppConfig, using: str = DEFAULT_DB_ALIAS, apps_registry: Any = apps, **_kwargs: Any
) -> int:
    """Rewrite the names of ``app_config``'s permissions in ``LANGUAGE_CODE``; returns how many changed."""
    try:
        Permission = apps_registry.get_model("auth", "Permission")
    except LookupError:
        return 0
    if not router.allow_migrate_model(using, Permission):
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        wanted = _wanted_names(app_config)
    if not wanted:
        return 0
    changed = []
    permissions = Permission.objects.using(using).filter(content_type__app_label=app_config.label)
    for permission in permissions.select_related("content_type"):
        name = wanted.get((permission.content_type.model, permission.codename))
        if name and permission.name != name[:_NAME_LENGTH]:
            permission.name = name[:_NAME_LENGTH]
            changed.append(permission)
    Permission.objects.using(using).bulk_update(changed, ["name"])
    return len(changed)


def on_post_migrate(sender: AppConfig, using: str = DEFAULT_DB_ALIAS, apps: Any = apps, **kwargs: Any) -> None:
    """``post_migrate`` receiver: the app's permissions are created first (this receiver is connected before
    Django's own, which then finds them all there), then named."""
    # Imported here: django.contrib.auth's management module needs the app registry.
    from django.contrib.auth.management import create_permissions

    create_permissions(sender, verbosity=0, using=using, apps=apps)
    permission_names_translate(app_config=sender, using=using, apps_registry=apps)
