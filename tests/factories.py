import factory
from wagtail.models import Page

from accounts.models import OrganisationUnit, User
from courses.models import TutorialIndexPage, TutorialPage

PASSWORD = "a-strong-test-password"


class OrganisationUnitFactory(factory.django.DjangoModelFactory):
    """Pass ``parent=`` for a child unit; without it the unit is a root (a province)."""

    class Meta:
        model = OrganisationUnit

    name = factory.Sequence(lambda n: f"Xã Thử Nghiệm {n}")
    code = factory.Sequence(lambda n: f"U{n:05d}")
    kind = OrganisationUnit.Kind.COMMUNE

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.add_root(**kwargs)
        parent.refresh_from_db()
        return parent.add_child(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"nguoi{n}@example.vn")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn {n}")
    kind = User.Kind.CITIZEN

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


def page_add(parent, page):
    """Add ``page`` under ``parent`` and publish it."""
    parent = Page.objects.get(pk=parent.pk)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def tutorial_index_create(home_page, **kwargs):
    kwargs.setdefault("title", "Hướng dẫn")
    kwargs.setdefault("slug", "huong-dan")
    return page_add(home_page, TutorialIndexPage(**kwargs))


def tutorial_create(index, title, **kwargs):
    kwargs.setdefault("summary", f"Tóm tắt: {title}")
    kwargs.setdefault("slug", f"tutorial-{TutorialPage.objects.count() + 1}")
    return page_add(index, TutorialPage(title=title, **kwargs))
