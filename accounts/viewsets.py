"""Admin viewsets of people and organisation units: the forms validate, the views call ``accounts.services``."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.generic import CreateView, EditView
from wagtail.log_actions import log
from wagtail.users.views.users import CreateView as WagtailUserCreateView
from wagtail.users.views.users import DeleteView as WagtailUserDeleteView
from wagtail.users.views.users import EditView as WagtailUserEditView
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from core.admin import ReadableViewSet

from .audit.services import role_changes_recorded_by_caller, role_snapshot
from .forms import OrganisationUnitForm, UserCreationForm, UserEditForm
from .models import OrganisationUnit, User
from .personal_data import personal_data_erase
from .services import unit_create, unit_update, user_saved

# People ------------------------------------------------------------------------------


class UserSavedMixin:
    """Wagtail's action saves the form (fields, password, groups) and logs; then the service tells higher layers."""

    creates_user = False

    def save_instance(self) -> User:
        with transaction.atomic(), role_changes_recorded_by_caller():
            before = role_snapshot(user=self.form.instance)
            user = super().save_instance()
            user_saved(
                user=user,
                created=self.creates_user,
                changed_fields=self.form.changed_data,
                roles_before=before,
                request=self.request,
            )
        return user


class UserCreateView(UserSavedMixin, WagtailUserCreateView):
    creates_user = True


class UserEditView(UserSavedMixin, WagtailUserEditView):
    pass


class UserDeleteView(WagtailUserDeleteView):
    """Deleting a person erases everything held about them (certificates would otherwise block it)."""

    def delete_action(self):
        personal_data_erase(self.object, request=self.request, by="admin")


class UserViewSet(WagtailUserViewSet):
    add_view_class = UserCreateView
    edit_view_class = UserEditView
    delete_view_class = UserDeleteView

    def get_form_class(self, for_update=False):
        return UserEditForm if for_update else UserCreationForm


# Organisation units --------------------------------------------------------------------


class OrganisationUnitCreateView(CreateView):
    def save_instance(self) -> OrganisationUnit:
        # A tree node is not saved like a row: the service places it under its parent.
        with transaction.atomic():
            unit = unit_create(unit=self.form.save(commit=False), parent=self.form.cleaned_data.get("parent"))
            log(instance=unit, action="wagtail.create", user=self.request.user, content_changed=True)
        return unit


class OrganisationUnitEditView(EditView):
    def save_instance(self) -> OrganisationUnit:
        # The service saves the fields and moves the unit, with its sub-units, if its parent changed.
        with transaction.atomic():
            unit = unit_update(unit=self.form.save(commit=False), parent=self.form.cleaned_data.get("parent"))
            log(instance=unit, action="wagtail.edit", user=self.request.user, content_changed=self.form.has_changed())
        return unit


class OrganisationUnitViewSet(ReadableViewSet):
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
    # Not the tree's own bookkeeping (path, depth, numchild): they mean nothing to the training office.
    inspect_view_fields = ["name", "code", "kind", "managers"]
    add_view_class = OrganisationUnitCreateView
    edit_view_class = OrganisationUnitEditView

    def get_form_class(self, for_update=False):
        return OrganisationUnitForm


organisation_unit_viewset = OrganisationUnitViewSet("organisation_units")
