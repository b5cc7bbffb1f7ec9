"""Wagtail admin for the LTI tool: platforms (registrations and their deployments), contexts and their members.

One permission, ``courses.manage_lti`` (the training office, courses/migrations/0017_lti_tool.py; and
superusers). Registered from ``courses.wagtail_hooks``.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import Permission
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods
from lti_tool.models import LtiContext, LtiDeployment, LtiRegistration
from pylti1p3.exception import LtiException
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.admin import PermissionMenuItem

from . import selectors, services

PERMISSION = "courses.manage_lti"

# django-lti's own names that its model shows in these screens (the listing's columns, the headings):
# marked here so that our catalogue carries their Vietnamese (gettext finds the same msgids at run time).
DJANGO_LTI_STRINGS = (
    _("LTI registration"),
    _("LTI registrations"),
    _("LTI tool"),
    _("name"),
    _("issuer"),
    _("client ID"),
    _("is active"),
)


class ManageLtiPolicy(ModelPermissionPolicy):
    """Every action on a platform needs ``courses.manage_lti`` (django-lti's own model permissions are unused)."""

    def user_has_permission(self, user, action):
        return bool(user.is_active and user.has_perm(PERMISSION))

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)


class RegistrationForm(WagtailAdminModelForm):
    deployment_ids = forms.CharField(
        label=_("Deployment ids"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, as the platform shows them. A launch from any other deployment is refused."),
    )

    class Meta:
        model = LtiRegistration
        fields = ["name", "issuer", "client_id", "audience", "auth_url", "token_url", "keyset_url", "is_active"]
        labels = {
            "name": _("Name"),
            "issuer": _("Issuer"),
            "client_id": _("Client id"),
            "audience": _("Token audience"),
            "auth_url": _("Authentication request URL"),
            "token_url": _("Access token URL"),
            "keyset_url": _("Public keyset URL"),
            "is_active": _("Active"),
        }
        help_texts = {
            "issuer": _("The platform's issuer (iss), e.g. https://moodle.example.gov.vn"),
            "client_id": _("The client id the platform gave this tool."),
            "audience": _("Only if the platform's token endpoint asks for an audience other than its own URL."),
            "keyset_url": _("The platform's JWKS address, to check its signatures."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["deployment_ids"] = "\n".join(
                self.instance.deployments.filter(is_active=True).values_list("deployment_id", flat=True)
            )

    def clean_deployment_ids(self):
        ids = [line.strip() for line in self.cleaned_data["deployment_ids"].splitlines() if line.strip()]
        if any(len(value) > 255 for value in ids):
            raise forms.ValidationError(_("A deployment id has at most 255 characters."))
        return list(dict.fromkeys(ids))

    @transaction.atomic
    def save(self, commit=True):
        registration = super().save(commit=commit)
        if commit:
            ids = self.cleaned_data["deployment_ids"]
            registration.deployments.exclude(deployment_id__in=ids).update(is_active=False)
            for deployment_id in ids:
                LtiDeployment.objects.update_or_create(
                    registration=registration, deployment_id=deployment_id, defaults={"is_active": True}
                )
        return registration


class RegistrationViewSet(ModelViewSet):
    model = LtiRegistration
    icon = "link"
    menu_label = _("LTI platforms")
    menu_order = 720
    add_to_admin_menu = True
    url_prefix = "lti/platforms"
    name = "lti_platforms"
    list_display = ["name", "issuer", "client_id", "is_active"]
    search_fields = ["name", "issuer", "client_id"]
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return RegistrationForm


register_permission_policy(LtiRegistration, ManageLtiPolicy(LtiRegistration))
registration_viewset = RegistrationViewSet()


@permission_required(PERMISSION, raise_exception=True)
def contexts(request):
    """The platforms' courses (contexts) that launched us, newest first."""
    rows = LtiContext.objects.select_related("deployment__registration").order_by("-datetime_modified")[:200]
    return TemplateResponse(request, "courses/lti/admin/contexts.html", {"title": _("LTI courses"), "contexts": rows})


@require_http_methods(["GET", "POST"])
@permission_required(PERMISSION, raise_exception=True)
def context_members(request, context_id: int):
    """Names and roles: the context's members, who launched, their progress; refresh them from the platform."""
    context = get_object_or_404(LtiContext.objects.select_related("deployment__registration"), pk=context_id)
    if request.method == "POST":
        try:
            count = services.context_members_sync(context_id=context.pk)
        except (LtiException, OSError, ValueError):
            messages.error(request, _("The platform did not send the members. Try again later."))
        else:
            messages.success(request, _("%(count)d members received from the platform.") % {"count": count})
        return redirect("courses_lti_context_members", context_id=context.pk)
    rows = selectors.context_members(context=context)
    return TemplateResponse(
        request,
        "courses/lti/admin/members.html",
        {"title": _("Members"), "context": context, "rows": rows, "can_fetch": bool(context.memberships_url)},
    )


@hooks.register("register_admin_viewset")
def register_registration_viewset():
    return registration_viewset


@hooks.register("register_admin_urls")
def register_lti_urls():
    return [
        path("lti/courses/", contexts, name="courses_lti_contexts"),
        path("lti/courses/<int:context_id>/members/", context_members, name="courses_lti_context_members"),
    ]


@hooks.register("register_reports_menu_item")
def register_contexts_menu_item():
    return PermissionMenuItem(
        _("LTI courses"), reverse("courses_lti_contexts"), permission=PERMISSION, icon_name="link", order=720
    )


@hooks.register("register_permissions")
def register_lti_permissions():
    return Permission.objects.filter(content_type__app_label="courses", codename="manage_lti")
