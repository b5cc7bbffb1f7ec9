"""The account page of personal access tokens (``/account/tokens/``): list, make, revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from core.localtime import datetime_display

from .forms import TokenForm
from .scopes import token_scopes
from .selectors import token_of, tokens_of
from .services import token_create, token_revoke


def _rows(user):
    now = timezone.now()
    labels = {scope.code: scope.label for scope in token_scopes()}
    rows = []
    for token in tokens_of(user=user):
        if token.revoked_at is not None:
            state = _("Revoked on %(date)s") % {"date": datetime_display(token.revoked_at)}
        elif token.expires_at <= now:
            state = _("Expired on %(date)s") % {"date": datetime_display(token.expires_at)}
        else:
            state = _("Works until %(date)s") % {"date": datetime_display(token.expires_at)}
        rows.append(
            {
                "token": token,
                "scopes": [labels.get(code, code) for code in token.scopes],
                "created": datetime_display(token.created_at),
                "last_used": datetime_display(token.last_used_at, empty=_("Never")),
                "state": state,
                "active": token.is_active(now),
            }
        )
    return rows


def _page(request, form, *, new_token="", status=200):
    context = {"form": form, "rows": _rows(request.user), "new_token": new_token}
    return render(request, "accounts/tokens/tokens.html", context, status=status)


@login_required
@csrf_protect
@never_cache
def tokens(request):
    """GET: the person's tokens and the form; POST: make one, shown on this page once."""
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    try:
        _token, raw = token_create(user=request.user, name=data["name"], scopes=data["scopes"], days=data["days"])
    except ValidationError as error:
        form.add_error(None, error)
        return _page(request, form, status=400)
    # Shown here, once: never stored, never put in the session or a redirect.
    return _page(request, TokenForm(), new_token=raw, status=201)


@login_required
@require_POST
@csrf_protect
@never_cache
def token_revoke_view(request, token_id):
    token = token_of(user=request.user, token_id=token_id)
    if token is None:
        raise Http404  # another person's token, or none: the same answer
    if token_revoke(token=token):
        messages.success(
            request,
            _("The token “%(name)s” is revoked. Programs using it can no longer read your data.")
            % {"name": token.name},
        )
    return redirect("accounts:tokens")
