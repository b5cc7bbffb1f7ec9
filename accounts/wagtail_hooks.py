from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from .forms import OrganisationUnitForm
from .models import OrganisationUnit


class OrganisationUnitViewSet(ModelViewSet):
    model = OrganisationUnit
    icon = "folder-open-inverse"
    menu_label = _("Organisation units")
    menu_order = 250
    add_to_settings_menu = True
    list_display = ["indented_name", "code", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    search_backend_name = None
    ordering = ["path"]
    list_per_page = 100
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return OrganisationUnitForm


organisation_unit_viewset = OrganisationUnitViewSet("organisation_units")


@hooks.register("register_admin_viewset")
def register_organisation_unit_viewset():
    return organisation_unit_viewset
