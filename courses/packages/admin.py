"""The admin's "Learning packages": upload (checked, read, stored), list, rename, delete with their files."""

from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet

from . import services
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

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except PackageInvalid as invalid:  # the form checked the file; the parse can still refuse it
            form.add_error("package_file", invalid.messages)
            return self.form_invalid(form)


class SizeColumn(Column):
    def get_value(self, instance):
        return filesizeformat(instance.total_size)


class LearningPackageViewSet(SnippetViewSet):
    model = LearningPackage
    icon = "folder-open-inverse"
    menu_label = _("Learning packages")
    menu_name = "learning-packages"
    menu_order = 215
    add_to_admin_menu = True
    add_view_class = PackageCreateView
    list_display = ["title", "standard", "identifier", SizeColumn("total_size", label=_("Size")), "uploaded_at"]
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
