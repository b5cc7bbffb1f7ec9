"""Public certificate verification (anyone with the code) and PDF download (owner and staff)."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST, require_safe

from accounts.models import User
from core.localtime import date_display

from .badges.selectors import badge_summary
from .models import Certificate
from .services import (
    CODE_ALPHABET,
    CODE_LENGTH,
    ReissueRefused,
    certificate_pdf,
    certificate_reissue,
    certificate_successor,
    code_display,
    code_is_well_formed,
    code_normalise,
)

CODE_INPUT_MAX = 40  # what the lookup form echoes back at most


class CertificateLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Certificate code"),
        help_text=_("The 12 letters and digits printed on the certificate, for example ABCD-EFGH-JKMN."),
        error_messages={"required": _("Enter the certificate code.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
        ),
    )

    def clean_code(self):
        code = code_normalise(raw=self.cleaned_data["code"])
        if not code:
            raise ValidationError(_("Enter the certificate code."), code="required")
        if any(character not in CODE_ALPHABET for character in code):
            raise ValidationError(
                _("A certificate code has only capital letters and the digits 2 to 9 (never 0, 1, I, L or O)."),
                code="characters",
            )
        if len(code) != CODE_LENGTH:
            raise ValidationError(
                _("A certificate code has %(length)d letters and digits. Check the code and try again."),
                code="length",
                params={"length": CODE_LENGTH},
            )
        return code


def _noindex(response):
    # Verification pages name a person: keep them out of search engines.
    response["X-Robots-Tag"] = "noindex"
    return response


def certificate_may_download(user: User | AnonymousUser, certificate: Certificate) -> bool:
    """The owner (while neither revoked nor superseded), or staff who may view certificates; nobody else."""
    if not user.is_authenticated:
        return False
    if user.has_perm("courses.view_certificate"):
        return True
    return certificate.user_id == user.pk and certificate.in_force


def _certificate_or_none(code):
    if not code_is_well_formed(code=code):
        return None
    return Certificate.objects.filter(code=code).first()


@require_safe
def certificate_lookup(request):
    if "code" in request.GET:
        form = CertificateLookupForm(request.GET)
        if form.is_valid():
            return redirect("certificates:verify", form.cleaned_data["code"])
    else:
        form = CertificateLookupForm()
    return _noindex(render(request, "courses/certificates/certificate_lookup.html", {"form": form}))


@require_safe
def certificate_verify(request, code):
    normalised = code_normalise(raw=code)
    if normalised != code and code_is_well_formed(code=normalised):
        # abcd-efgh-jkmn → ABCDEFGHJKMN: one address per certificate.
        return redirect("certificates:verify", normalised, permanent=True)
    certificate = _certificate_or_none(code)
    if certificate is None:
        form = CertificateLookupForm(initial={"code": code[:CODE_INPUT_MAX]})
        response = render(
            request, "courses/certificates/certificate_lookup.html", {"form": form, "not_found": True}, status=404
        )
        return _noindex(response)
    successor = certificate_successor(certificate=certificate) if certificate.superseded_at else None
    context = {
        "certificate": certificate,
        "successor": successor,
        "successor_code": code_display(code=successor.code) if successor else "",
        "superseded": date_display(certificate.superseded_at),
        "code": code_display(code=certificate.code),
        "status": certificate.status_at(timezone.now()),
        "issued": date_display(certificate.issued_at),
        "expires": date_display(certificate.expires_at),
        "revoked": date_display(certificate.revoked_at),
        "can_download": certificate_may_download(request.user, certificate),
    }
    # Its Open Badges credential, checked as a verifier would (public like this page: docs/badges.md).
    badge = badge_summary(certificate=certificate)
    context["badge"] = badge
    context["claims_json"] = json.dumps(badge.claims, ensure_ascii=False, indent=2)
    return _noindex(render(request, "courses/certificates/certificate_verify.html", context))


@require_safe
def certificate_pdf_download(request, code):
    normalised = code_normalise(raw=code)
    if normalised != code and code_is_well_formed(code=normalised):
        # The code as people type it (lower case, dashes), as the verification page accepts it.
        return redirect("certificates:pdf", normalised, permanent=True)
    certificate = _certificate_or_none(code)
    # 404, not 403: do not confirm to others that a code exists.
    if certificate is None or not certificate_may_download(request.user, certificate):
        raise Http404
    response = HttpResponse(certificate_pdf(certificate=certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="chung-chi-{certificate.code}.pdf"'
    patch_cache_control(response, private=True, no_store=True)
    return _noindex(response)


@require_POST
@login_required
@csrf_protect
def certificate_reissue_request(request, code):
    """The holder asks for their certificate again with their current name (the "My learning" page offers it)."""
    certificate = _certificate_or_none(code_normalise(raw=code))
    # 404, not 403, for someone else's code: do not confirm to others that it exists.
    if certificate is None or certificate.user_id != request.user.pk:
        raise Http404
    try:
        new, created = certificate_reissue(certificate=certificate, by=request.user)
    except ReissueRefused as refusal:
        messages.error(request, refusal.messages[0])
    else:
        text = (
            _("Your certificate was issued again with your current name. Its new code is %(code)s.")
            if created
            else _("This certificate was already issued again. Its code is %(code)s.")
        )
        messages.success(request, text % {"code": code_display(code=new.code)})
    return redirect("courses:my_learning")
