"""The admin's "Learning packages": upload (checked, read, stored), list, rename, delete with their files."""

from django.contrib import messages
from django.db import transaction
from django.template.defaultfilters import date as date_format
from django.template.defaultfilters import filesizeformat
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
)
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet

from . import selectors, services
from .forms import PackageAdminForm
from .models import LearningPackage
from .validation import PackageInvalid


class PackageCreateView(CreateView):
    def save_instance(self):
        upload = self.form.cleaned_data["package_file"]
        return services.package_upload(
            upload=upload,
            user=self.request.user,
            size=upload.size,
            filename=upload.name or "",
            title=self.form.cleaned_data.get("title") or "",
        )

    def get_success_message(self, instance):
        message = super().get_success_message(instance)
        twins = selectors.packages_same_identifier(package=instance)
        if twins:
            uploaded = ", ".join(date_format(localtime(twin.uploaded_at), "d/m/Y H:i") for twin in twins[:5])
            message = _(
                "%(message)s A package with the same identifier (%(identifier)s) was already uploaded: %(dates)s. "
                "Check that this is not the same file twice."
            ) % {"message": message, "identifier": instance.identifier, "dates": uploaded}
        return message

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except PackageInvalid as invalid:  # the form checked the file; the parse can still refuse it
            form.add_error("package_file", invalid.messages)
            return self.form_invalid(form)


class SizeColumn(Column):
    def get_value(self, instance):
        return filesizeformat(instance.total_size)


class StandardVersionColumn(Column):
    def get_value(self, instance):
        standard = instance.get_standard_display()
        return f"{standard} · {instance.version}" if instance.version else standard


class UploadedColumn(Column):
    def get_value(self, instance):
        return date_format(localtime(instance.uploaded_at), "d/m/Y H:i")


def _chooser_columns(columns):
    # Two uploads of one zip share a title: their identifier, version and upload date tell them apart.
    return [
        *columns,
        Column("identifier", label=_("identifier")),
        StandardVersionColumn("standard", label=_("standard")),
        UploadedColumn("uploaded_at", label=_("uploaded at")),
    ]


class PackageChooseView(ChooseView):
    @property
    def columns(self):
        return _chooser_columns(super().columns)


class PackageChooseResultsView(ChooseResultsView):
    @property
    def columns(self):
        return _chooser_columns(super().columns)


def _is_id(raw: str) -> bool:
    # Wagtail's chosen views hand any text to an integer primary key (a 500 on "abc"); ours are ids.
    return raw.isascii() and raw.isdigit() and len(raw) <= 18


class PackageChosenView(SnippetChosenView):
    def get_object(self, pk):
        if not _is_id(str(pk)):
            raise LearningPackage.DoesNotExist
        return super().get_object(pk)


class PackageChosenMultipleView(SnippetChosenMultipleView):
    def get_objects(self, pks):
        return super().get_objects([pk for pk in pks if _is_id(pk)])


class PackageChooserViewSet(SnippetChooserViewSet):
    choose_view_class = PackageChooseView
    choose_results_view_class = PackageChooseResultsView
    chosen_view_class = PackageChosenView
    chosen_multiple_view_class = PackageChosenMultipleView


class LearningPackageViewSet(SnippetViewSet):
    model = LearningPackage
    icon = "folder-open-inverse"
    menu_label = _("Learning packages")
    menu_name = "learning-packages"
    menu_order = 215
    add_to_admin_menu = True
    add_view_class = PackageCreateView
    chooser_viewset_class = PackageChooserViewSet
    list_display = [
        "title",
        StandardVersionColumn("standard", label=_("standard")),
        "identifier",
        SizeColumn("total_size", label=_("Size")),
        UploadedColumn("uploaded_at", label=_("uploaded at")),
    ]
    list_filter = ["standard"]
    search_fields = ["title", "identifier"]
    search_backend_name = None  # searched in the database, like the other listings
    edit_handler = ObjectList(
        [FieldPanel("package_file"), FieldPanel("title")],
        base_form_class=PackageAdminForm,
    )


register_snippet(LearningPackageViewSet)


@hooks.register("after_delete_snippet")
def package_files_delete(request, instances):
    for instance in instances:
        if isinstance(instance, LearningPackage):
            transaction.on_commit(lambda package=instance: services.package_files_delete(package=package))


@hooks.register("before_delete_snippet")
def package_in_use_warn(request, instances):
    """Deleting a package a live lesson plays: said plainly on the confirmation page (the deletion stays possible)."""
    if request.method != "GET":
        return None
    for instance in instances:
        if not isinstance(instance, LearningPackage):
            continue
        lessons = selectors.package_live_lessons(package=instance)
        if lessons:
            messages.warning(
                request,
                _(
                    "“%(package)s” is played by %(count)s published lesson(s): %(lessons)s. After the deletion "
                    "learners there see no activity and complete the lesson with its button."
                )
                % {"package": instance.title, "count": len(lessons), "lessons": ", ".join(p.title for p in lessons)},
            )
    return None
