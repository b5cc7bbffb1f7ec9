"""The home and standard pages moved from outreach to home (home/0001_initial): state only, so a
database migrated before the move keeps its page rows, and they come back as home pages."""

import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings

BEFORE = textwrap.dedent(
    """
    import django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", "outreach", "0010_campaign_permissions", verbosity=0)
    call_command("migrate", "courses", verbosity=0)
    from django.db.migrations.executor import MigrationExecutor
    from django.db import connection
    apps = MigrationExecutor(connection).loader.project_state(("outreach", "0010_campaign_permissions")).apps
    ContentType = apps.get_model("contenttypes", "ContentType")
    HomePage = apps.get_model("outreach", "HomePage")
    StandardPage = apps.get_model("outreach", "StandardPage")
    home = HomePage.objects.get()
    content_type, _ = ContentType.objects.get_or_create(app_label="outreach", model="standardpage")
    StandardPage.objects.create(
        title="Giới thiệu", slug="gioi-thieu", path=home.path + "0001", depth=home.depth + 1, numchild=0,
        url_path=home.url_path + "gioi-thieu/", content_type=content_type, live=True,
        introduction="Trước khi chuyển", locale_id=home.locale_id, draft_title="Giới thiệu",
    )
    HomePage.objects.filter(pk=home.pk).update(numchild=1)
    print("before", home.pk, content_type.pk)
    """
)

AFTER = textwrap.dedent(
    """
    import django
    django.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from django.contrib.contenttypes.models import ContentType
    from django.test import Client
    from wagtail.models import Page
    from home.models import HomePage, StandardPage
    home = Page.objects.get(depth=2).specific
    about = Page.objects.get(slug="gioi-thieu").specific
    assert isinstance(home, HomePage), type(home)
    assert isinstance(about, StandardPage) and about.introduction == "Trước khi chuyển", type(about)
    assert not ContentType.objects.filter(app_label="outreach", model__in=["homepage", "standardpage"]).exists()
    response = Client().get("/gioi-thieu/", HTTP_HOST="localhost")
    assert response.status_code == 200 and "Trước khi chuyển" in response.content.decode()
    print("after", home.pk, ContentType.objects.get_for_model(StandardPage).pk)
    """
)


@pytest.mark.slow
def test_pages_migrated_before_the_move_are_home_pages_after_it(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'before-the-move.sqlite3'}",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    run = {"cwd": settings.BASE_DIR, "env": env, "capture_output": True, "text": True, "timeout": 300}
    before = subprocess.run([sys.executable, "-c", BEFORE], **run)
    assert before.returncode == 0, before.stderr[-3000:]
    after = subprocess.run([sys.executable, "-c", AFTER], **run)
    assert after.returncode == 0, after.stderr[-3000:]
    _, home_id, content_type_id = before.stdout.split()
    assert after.stdout.split() == ["after", home_id, content_type_id]  # same rows, same content type
