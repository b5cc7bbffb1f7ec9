"""Personal access tokens on the account page (/account/tokens/): made, shown once, stored hashed,
listed, revoked by their owner only; in the person's data export and erasure."""

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.personal_data import personal_data_erase, personal_data_export
from accounts.tokens.models import PersonalAccessToken
from accounts.tokens.services import token_create
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/account/tokens/"
TOKEN = re.compile(r"kns_[A-Za-z0-9_-]{43}")


def _make(client, **data):
    data = {"name": "Cổng tỉnh", "scopes": ["progress:read", "certificates:read"], "days": "30", **data}
    return client.post(URL, data)


def test_a_person_makes_a_token_shown_once_and_stored_hashed():
    person = UserFactory()
    client = Client()
    client.force_login(person)
    assert client.get(URL).status_code == 200
    response = _make(client)
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    [raw] = TOKEN.findall(response.content.decode())
    token = PersonalAccessToken.objects.get(user=person)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.scopes == ["progress:read", "certificates:read"] and token.prefix == raw[:8]
    assert (token.expires_at - token.created_at).days == 30
    # Never kept anywhere readable: not in the row, not in the session, not on the next visit.
    assert raw not in str(PersonalAccessToken.objects.filter(pk=token.pk).values().get())
    assert raw not in str(dict(client.session))
    listing = client.get(URL).content.decode()
    assert not TOKEN.findall(listing) and f"{raw[:8]}…" in listing and "Cổng tỉnh" in listing


@pytest.mark.parametrize(
    "data",
    [
        {"name": ""},
        {"name": "   "},
        {"scopes": []},
        {"scopes": ["admin:write"]},
        {"days": "10000"},
        {"days": "abc"},
        {"name": "x" * 81},
    ],
)
def test_bad_input_makes_no_token(data):
    client = Client()
    client.force_login(UserFactory())
    response = _make(client, **data)
    assert response.status_code == 400
    assert b"error-summary" in response.content
    assert not PersonalAccessToken.objects.exists()


def test_at_most_so_many_working_tokens(settings):
    settings.ACCOUNTS_TOKEN_MAX_ACTIVE = 2
    client = Client()
    client.force_login(UserFactory())
    assert _make(client).status_code == 201 and _make(client).status_code == 201
    assert _make(client).status_code == 400
    assert PersonalAccessToken.objects.count() == 2


def test_the_owner_revokes_a_token_and_nobody_else_can():
    owner, other = UserFactory(), UserFactory()
    token, _raw = token_create(user=owner, name="App", scopes=["profile:read"], days=7)
    client = Client()
    client.force_login(other)
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert client.post(reverse("accounts:token_revoke", args=[987654])).status_code == 404
    assert PersonalAccessToken.objects.get(pk=token.pk).revoked_at is None
    client.force_login(owner)
    assert client.get(reverse("accounts:token_revoke", args=[token.pk])).status_code == 405
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 302 and response["Location"] == URL
    assert PersonalAccessToken.objects.get(pk=token.pk).revoked_at is not None
    assert b"data-token-id" in client.get(URL).content
    # Revoked: the list shows it without its form.
    assert reverse("accounts:token_revoke", args=[token.pk]).encode() not in client.get(URL).content


def test_writes_need_the_csrf_token_and_a_sign_in():
    person = UserFactory()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(person)
    assert _make(strict).status_code == 403
    anonymous = Client()
    assert anonymous.get(URL).status_code == 302
    assert _make(anonymous).status_code == 302
    assert not PersonalAccessToken.objects.exists()


def test_the_page_is_vietnamese_and_linked_from_the_profile():
    client = Client()
    client.force_login(UserFactory())
    page = client.get(URL).content.decode()
    assert '<html lang="vi"' in page
    assert URL in client.get(reverse("accounts:account_profile")).content.decode()


def test_tokens_are_in_the_export_without_their_secret_and_go_with_the_account():
    person = UserFactory()
    token, raw = token_create(user=person, name="App", scopes=["profile:read"], days=7)
    data = personal_data_export(person)
    [exported] = data["personal_access_tokens"]
    assert exported["name"] == "App" and exported["scopes"] == ["profile:read"]
    assert raw not in str(data) and token.token_hash not in str(data)
    personal_data_erase(person)
    assert not PersonalAccessToken.objects.filter(pk=token.pk).exists()
