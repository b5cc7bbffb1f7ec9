"""Every admin screen each staff role can open reads in Vietnamese (issue 14).

On the demo site, with one page waiting in the content-review workflow, each role that reaches the admin
walks it: every screen its menus and pages link to, every admin address that takes no id, the add and edit
form of every page type, the choosers, and the approve / request-changes forms. Each screen is read as a
person or a screen reader would (text, labels, tooltips, the admin's strings for its scripts) and the test
fails on English outside the reasoned allowlist in ``tests/support/english.py``. It also checks that the
walk went where it should (a walk that opened nothing would pass), and, beyond the screens, that every
string Wagtail and Django mark for translation has Vietnamese.
"""

import contextlib
import gettext
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, URLResolver, get_resolver, resolve, reverse
from django.utils import translation
from wagtail.models import Page

from accounts.models import User
from core.admin_strings import unapplied
from core.permission_names import permission_names_translate
from courses.models import TutorialPage
from locale_upstream.sync import CATALOGUES, package_root
from tests.accounts.factories import UserFactory
from tests.support.english import english_in, english_texts, read_page

pytestmark = pytest.mark.django_db

# The demo's people who reach the admin (seed_demo), and screens each must have been shown.
ROLES = {
    "admin@kynangso.local": {
        "wagtailadmin_pages:edit",
        "wagtailadmin_pages:add",
        "wagtailadmin_pages:workflow_action",
        "wagtailadmin_choose_page",
        "wagtailimages_chooser:choose",
        "wagtaildocs_chooser:choose",
        "wagtailimages:add_multiple",
        "wagtailusers_groups:edit",
        "wagtailusers_users:edit",
        "wagtailadmin_workflows:edit",
        "wagtailsettings:edit",
        "wagtailadmin_reports:aging_pages",
        "wagtailadmin_home",
    },
    "truyenthong@kynangso.local": {
        "wagtailadmin_pages:edit",
        "wagtailadmin_pages:add",
        "wagtailadmin_pages:history",
        "wagtailimages_chooser:choose",
        "wagtaildocs:add_multiple",
        "outreach_campaign_messages:add",
    },
    "truongnhom@kynangso.local": {"wagtailadmin_pages:edit", "wagtailadmin_pages:workflow_action"},
    "daotao@kynangso.local": {"organisation_units:edit", "training_requirements:add", "accounts_roster_upload"},
    "quanly@kynangso.local": {"insights_dashboard"},
    "lanhdao@kynangso.local": {"insights_dashboard"},
}
# Not opened: what changes data on GET-less confirmations we do not need, downloads, previews (the public
# site's pages, checked by the site's own tests), endpoints answering JSON or files, and the sign-out.
SKIP = re.compile(
    r"logout|/export|\.(csv|xlsx|pdf|png|jpg|webp)$|/preview|/jsi18n|/api/|/poster|/download|/serve/|"
    r"/editing-sessions/|/bulk/|/ping|/usage/|/unpublish/|/delete/|/revert/|/convert_alias/|/lock/|/unlock/|"
    r"/copy/|/failwhale/|/cancel|/send/|/resend|/disable|/enable|/restart|/approve_moderation|/reject_moderation"
)
SCREENS_PER_KIND = 1
MAX_SCREENS = 260


def _kind(url: str) -> tuple[str, str] | None:
    """What a screen is: its URL name, and for a page's forms its page type (one of each kind is read)."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return None
    name, detail = match.view_name, ""
    if name == "wagtailadmin_pages:edit":
        detail = str(Page.objects.filter(pk=match.kwargs["page_id"]).values_list("content_type", flat=True).first())
    elif name == "wagtailadmin_pages:add":
        detail = match.kwargs["content_type_model_name"]
    elif name == "wagtailadmin_pages:workflow_action":
        detail = match.kwargs["action_name"]
    return name, detail


def _named_routes(patterns, prefix="", namespace=""):
    """(route, namespaced URL name) of every named URL pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _named_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif pattern.name:
            yield prefix + str(pattern.pattern), namespace + pattern.name


def _seeds(in_moderation: Page) -> list[str]:
    """Every admin address without an id, the add and edit forms of every page type, the workflow forms."""
    seeds = ["/admin/"]
    for route, name in _named_routes(get_resolver().url_patterns):
        if route.startswith("admin/"):
            with contextlib.suppress(NoReverseMatch):
                seeds.append(reverse(name))
    for page in Page.objects.live().specific():
        seeds.append(reverse("wagtailadmin_pages:edit", args=(page.pk,)))
        for model in page.specific_class.creatable_subpage_models():
            meta = model._meta
            seeds.append(reverse("wagtailadmin_pages:add", args=(meta.app_label, meta.model_name, page.pk)))
    task_state = in_moderation.current_workflow_task_state
    for action in ("approve", "reject"):
        seeds.append(reverse("wagtailadmin_pages:workflow_action", args=(in_moderation.pk, action, task_state.pk)))
    return [seed for seed in dict.fromkeys(seeds) if not SKIP.search(seed)]


def _walk(client: Client, seeds: list[str]) -> tuple[dict[str, list], set[str]]:
    """Open the seeds and what they link to, one screen of each kind; English found per URL, kinds read."""
    queue, seen, read = list(seeds), set(), defaultdict(int)
    english: dict[str, list] = {}
    while queue and sum(read.values()) < MAX_SCREENS:
        url = queue.pop(0)
        kind = _kind(url)
        if url in seen or kind is None or read[kind] >= SCREENS_PER_KIND:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        read[kind] += 1
        found, links = read_page(response.content.decode())
        if found:
            english[url] = found
        for link in links:
            target = urlsplit(urljoin(url, link))
            address = target.path + (f"?{target.query}" if target.query and "p=" not in target.query else "")
            if target.netloc in ("", "testserver") and address.startswith("/admin/") and not SKIP.search(address):
                queue.append(address)
    return english, {name for name, _detail in read}


@pytest.fixture
def in_moderation(demo_site):
    """A tutorial an officer has submitted to the content review (so the lead has something to approve)."""
    officer = User.objects.get(email="truyenthong@kynangso.local")
    page = TutorialPage.objects.live().first()
    page.save_revision(user=officer)
    page.get_workflow().start(page, officer)
    return Page.objects.get(pk=page.pk)


@pytest.mark.parametrize("email", sorted(ROLES))
def test_every_admin_screen_of_each_role_is_in_vietnamese(in_moderation, email):
    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(User.objects.get(email=email))
    english, kinds = _walk(client, _seeds(in_moderation))
    report = "\n".join(f"{url}: {text!r} {words}" for url, found in english.items() for text, words in found)
    assert not english, f"English on the admin screens of {email}:\n{report}"
    missing = ROLES[email] - kinds
    assert not missing, f"{email}'s walk did not reach {sorted(missing)} (it read {len(kinds)} kinds of screen)"
    assert not unapplied(), f"Wagtail changed what core.admin_strings fixes: {unapplied()}"


def test_the_english_finder_finds_english_and_passes_vietnamese():
    assert english_texts("<button>Save draft</button><p>Lưu bản nháp</p>") == [("Save draft", ["Save", "draft"])]
    assert english_texts('<a title="More actions" aria-label="Thao tác khác">…</a>') == [
        ("More actions", ["More", "actions"])
    ]
    assert english_texts(
        '<script id="wagtail-config" type="application/json">{"STRINGS": {"X": "Go to the first error"}}</script>'
    )
    # Names, codes and addresses are not English prose; Vietnamese is not English.
    assert english_in("VNeID, Zalo, CSV, /admin/pages/3/, canbo@kynangso.local, %(count)s") == []
    assert english_in("Choose dịch vụ công") == ["Choose"]
    assert english_in("There are no nhóm đối tượng to display") == ["There", "are", "display"]


def test_every_string_wagtail_and_django_mark_has_vietnamese():
    """Beyond the screens walked: each msgid of the installed Wagtail and Django catalogues we ship for."""
    untranslated = []
    with translation.override("vi"):
        for package, app, domain, _complete in CATALOGUES:
            if domain != "django":
                continue  # the scripts' catalogue: checked through the admin's JavaScript catalogue below
            template = package_root(package) / app / "locale/en/LC_MESSAGES/django.po"
            if not template.exists():
                continue
            for entry in polib.pofile(str(template)):
                if entry.obsolete or not entry.msgid.strip():
                    continue
                if entry.msgid_plural:
                    text = (
                        translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 2)
                        if entry.msgctxt
                        else translation.ngettext(entry.msgid, entry.msgid_plural, 2)
                    )
                    same = text == entry.msgid_plural
                else:
                    text = (
                        translation.pgettext(entry.msgctxt, entry.msgid)
                        if entry.msgctxt
                        else translation.gettext(entry.msgid)
                    )
                    same = text == entry.msgid
                if same and english_in(entry.msgid):
                    untranslated.append(f"{package}/{app}: {entry.msgid!r}")
    assert not untranslated, f"{len(untranslated)} strings without Vietnamese:\n" + "\n".join(untranslated)


def test_the_admin_scripts_catalogue_is_vietnamese(client):
    client.force_login(UserFactory(superuser=True))
    response = client.get(reverse("wagtailadmin_javascript_catalog"), HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    body = response.content.decode("unicode_escape")
    template = package_root("wagtail") / "admin/locale/en/LC_MESSAGES/djangojs.po"
    for entry in polib.pofile(str(template)):
        if entry.msgid and english_in(entry.msgid):
            assert f'"{entry.msgid}": "' in body or f'"{entry.msgid}": [' in body, entry.msgid


def test_permission_names_are_vietnamese_and_renaming_twice_changes_nothing():
    """Django names permissions in English once; the group editor lists them (core.permission_names)."""
    names = dict(Permission.objects.values_list("codename", "name"))
    assert names["add_page"] == "Có thể thêm trang"
    assert names["publish_page"] == translation.gettext("Publish any page") != "Publish any page"
    assert (
        names["view_dashboard"]
        == translation.gettext("Can see the operations dashboard")
        != "Can see the operations dashboard"
    )
    assert permission_names_translate(app_config=apps.get_app_config("wagtailcore")) == 0


def test_the_shipped_catalogues_are_compiled_from_their_sources():
    """``make messages`` was run: each ``locale_upstream`` catalogue's .mo says what its .po says."""
    sources = sorted((Path(settings.BASE_DIR) / "locale_upstream").rglob("*.po"))
    assert len(sources) >= 15
    for source in sources:
        compiled = gettext.GNUTranslations(source.with_suffix(".mo").open("rb"))
        for entry in polib.pofile(str(source)).translated_entries():
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            if entry.msgid_plural:
                assert compiled.ngettext(key, entry.msgid_plural, 1) == entry.msgstr_plural[0], (source, key)
            else:
                assert compiled.gettext(key) == entry.msgstr, f"run `make messages`: {source}: {key!r}"
