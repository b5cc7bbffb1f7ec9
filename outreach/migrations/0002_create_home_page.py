"""Replace Wagtail's placeholder welcome page with our home page."""

from django.db import migrations

HOME_TITLE = "Kỹ Năng Số"


def create_home_page(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    HomePage = apps.get_model("outreach", "HomePage")

    if HomePage.objects.exists():
        return
    # Wagtail's own migration creates a "Welcome" page at /home/: remove it if untouched.
    Page.objects.filter(depth=2, slug="home", numchild=0, content_type__model="page").delete()
    root = Page.objects.get(depth=1)
    locale = Locale.objects.filter(language_code="vi").first() or Locale.objects.first()
    if locale is None:
        locale = Locale.objects.create(language_code="vi")
    elif locale.language_code != "vi":
        locale.language_code = "vi"
        locale.save()
    content_type, _ = ContentType.objects.get_or_create(app_label="outreach", model="homepage")
    existing = Page.objects.filter(depth=2).count()
    path = f"{root.path}{existing + 1:04d}"
    home = HomePage.objects.create(
        title=HOME_TITLE,
        draft_title=HOME_TITLE,
        slug="home",
        content_type=content_type,
        path=path,
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locale,
        live=True,
        hero_title="Làm thủ tục trên mạng, không phải xếp hàng",
        hero_text="Hướng dẫn từng bước sử dụng dịch vụ công trực tuyến, dành cho người dân và cán bộ.",
    )
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])
    Site.objects.filter(is_default_site=True).delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=HOME_TITLE)


def remove_home_page(apps, schema_editor):
    apps.get_model("outreach", "HomePage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0001_home_and_standard_pages"),
        ("wagtailcore", "0098_apitoken"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_home_page, remove_home_page)]
