from wagtail.users.views.users import DeleteView as WagtailUserDeleteView
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from .forms import UserCreationForm, UserEditForm
from .personal_data import personal_data_erase


class UserDeleteView(WagtailUserDeleteView):
    """Deleting a person erases everything held about them (certificates would otherwise block it)."""

    def delete_action(self):
        personal_data_erase(self.object)


class UserViewSet(WagtailUserViewSet):
    delete_view_class = UserDeleteView

    def get_form_class(self, for_update=False):
        return UserEditForm if for_update else UserCreationForm
