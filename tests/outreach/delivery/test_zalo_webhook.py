"""Zalo's delivery webhook: a signed, fresh event marks the row received once; anything else is
refused with 4xx and writes nothing."""

import hashlib
import json
import time

import pytest
from django.test import Client

from outreach.delivery.zalo.channel import tracking_id
from outreach.delivery.zalo.webhook import zalo_signature
from outreach.models import Delivery
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/hooks/zalo/"


@pytest.fixture
def row():
    return Delivery.objects.create(
        recipient=UserFactory(phone="0912000111"),
        kind="training_due_soon",
        channel="zalo",
        idempotency_key="training_due_soon:1:7:zalo",
        status="sent",
        address="0912000111",
        sent_at="2026-01-01T03:00:00Z",
    )


def event(row, *, at_ms=None, name="user_received_message", tracking=None):
    at_ms = at_ms if at_ms is not None else int(time.time() * 1000)
    return {
        "app_id": "test-app",
        "oa_id": "1234567890",
        "event_name": name,
        "sender": {"id": "1234567890"},
        "recipient": {"id": "84912000111"},
        "message": {
            "msg_id": "abc123",
            "tracking_id": tracking or tracking_id(pk=row.pk, key=row.idempotency_key),
            "delivery_time": str(at_ms - 1000),
        },
        "timestamp": str(at_ms),
    }


def post(payload, *, signature="sign", secret="test-oa-secret", app_id="test-app"):  # noqa: S107 (tests only)
    body = json.dumps(payload).encode()
    headers = {}
    if signature == "sign":
        headers["HTTP_X_ZEVENT_SIGNATURE"] = zalo_signature(
            app_id=app_id, body=body, timestamp=payload["timestamp"], secret=secret
        )
    elif signature is not None:
        headers["HTTP_X_ZEVENT_SIGNATURE"] = signature
    return Client(enforce_csrf_checks=True).post(URL, data=body, content_type="application/json", **headers)


def received(row):
    row.refresh_from_db()
    return row.received_at


def test_a_signed_event_marks_the_message_received_once(row):
    payload = event(row)
    response = post(payload)
    assert response.status_code == 200 and response.json() == {"error": 0}
    first = received(row)
    assert first is not None and int(first.timestamp() * 1000) == int(payload["message"]["delivery_time"])
    # Zalo retries: the same event again changes nothing.
    assert post(payload).status_code == 200
    assert received(row) == first


def test_the_signature_is_sha256_of_app_id_body_timestamp_and_oa_secret():
    body = b'{"timestamp": "1700000000000"}'
    expected = hashlib.sha256(b"test-app" + body + b"1700000000000" + b"test-oa-secret").hexdigest()
    assert zalo_signature(app_id="test-app", body=body, timestamp="1700000000000", secret="test-oa-secret") == (
        f"mac={expected}"
    )


@pytest.mark.parametrize(
    ("signature", "secret", "app_id", "status"),
    [
        (None, "test-oa-secret", "test-app", 401),  # missing
        ("mac=0000", "test-oa-secret", "test-app", 403),  # wrong
        ("sign", "another-secret", "test-app", 403),  # signed with another key
        ("sign", "test-oa-secret", "other-app", 403),  # another app's signature
    ],
)
def test_a_bad_or_missing_signature_is_refused_and_writes_nothing(row, signature, secret, app_id, status):
    assert post(event(row), signature=signature, secret=secret, app_id=app_id).status_code == status
    assert received(row) is None


def test_an_old_event_is_refused_even_correctly_signed(row, settings):
    settings.ZALO_WEBHOOK_MAX_AGE_SECONDS = 3600
    old = int((time.time() - 3601) * 1000)
    assert post(event(row, at_ms=old)).status_code == 403
    assert received(row) is None
    assert post(event(row, at_ms=int((time.time() - 60) * 1000))).status_code == 200
    assert received(row) is not None


def test_a_tampered_body_is_refused(row):
    payload = event(row)
    body = json.dumps(payload).encode()
    signature = zalo_signature(app_id="test-app", body=body, timestamp=payload["timestamp"], secret="test-oa-secret")
    tampered = body.replace(b"abc123", b"xyz999")
    response = Client().post(URL, data=tampered, content_type="application/json", HTTP_X_ZEVENT_SIGNATURE=signature)
    assert response.status_code == 403 and received(row) is None


def test_not_json_and_get_are_refused(row):
    response = Client().post(URL, data=b"not json", content_type="application/json", HTTP_X_ZEVENT_SIGNATURE="mac=1")
    assert response.status_code == 400
    assert Client().get(URL).status_code == 405


def test_an_unknown_or_forged_tracking_id_and_other_events_change_nothing(row):
    assert post(event(row, tracking=f"{row.pk}.000000000000000000000000")).status_code == 200
    assert post(event(row, tracking="nonsense")).status_code == 200
    assert post(event(row, name="user_seen_message")).status_code == 200
    assert received(row) is None


def test_without_the_apps_keys_every_event_is_refused(row, settings):
    settings.ZALO_OA_SECRET_KEY = ""
    assert post(event(row), secret="").status_code == 403
    assert received(row) is None
