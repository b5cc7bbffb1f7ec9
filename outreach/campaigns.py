"""Campaign messages through the reminders' outbox: plan, send once, unsubscribe, track.

Sending a message (``campaign_message_send``) is one conditional UPDATE (draft or scheduled →
sending): a second click, or two workers, change nothing and send nothing more. A Celery task
(``campaign_message_plan``, enqueued on commit) then resolves the segment and the people's
campaign consent in one query and writes one ``Delivery`` per person and channel (kind
``campaign``, idempotency key ``campaign:<message>:<person>:<channel>``) through the reminders'
planner (``PlanContext.flush``: COPY on PostgreSQL, ``INSERT … ON CONFLICT DO NOTHING``),
queueing them as each batch commits. From there the reminders' sender does the rest: claims,
re-checks (consent withdrawn since → cancelled), quiet hours for SMS, the shared rate limit,
retries, the delivery log.

Links in the text are signed (``django.core.signing``) and name only ids: ``/r/<token>/`` names
the message, the person and which link (the campaign page or its first call to action), so
the redirect can only lead where the campaign leads; ``/unsubscribe/<token>/`` names the
person and the message. Nothing is tracked by pixels.
"""

import contextlib
import datetime
import functools
import hashlib
import hmac
import logging
import uuid
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes, force_str
from django.utils.translation import gettext as _

from accounts.models import Consent, User
from accounts.preferences import reminder_channels

from .campaign_selectors import segment_counts, segment_people, with_campaign_consent
from .models import (
    CAMPAIGN_KIND,
    CampaignClick,
    CampaignMessage,
    CampaignTouch,
    Channel,
    Delivery,
)
from .reminders import (
    _PERSON,
    INSERT_BATCH,
    _enqueue_ids,
    _Person,
    _person_fields,
    channel_route,
    plan_context,
    render,
)

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "outreach.campaign.unsubscribe"
LINK_SALT = "outreach.campaign.link"
# Links stay valid this long after the message was sent.
LINK_MAX_AGE = datetime.timedelta(days=365)
# Which link a tracked token names: the campaign page, or the campaign's first call to action.
LINK_PAGE, LINK_ACTION = "p", "a"
TOUCH_SESSION_KEY = "campaign_touches"
TOUCH_COOKIE = "kns_campaign"
# A message left "sending" this long (its planning task lost) is planned again by beat.
PLAN_STALE_AFTER = datetime.timedelta(minutes=15)


class CampaignSendError(Exception):
    """Why a message cannot be sent (translated, for the admin)."""


# Tokens --------------------------------------------------------------------------------------


def _b36(number):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


class _Signer(signing.TimestampSigner):
    """Django's TimestampSigner, with the HMAC key derived once per salt and key instead of per call.

    Same algorithm and output as ``signing.TimestampSigner`` (``salted_hmac``): a planning pass
    signs two or three links for each of 100,000 people.
    """

    _macs = {}

    def signature(self, value, key=None):
        key = key or self.key
        cache_key = (self.salt, key, self.algorithm)
        mac = self._macs.get(cache_key)
        if mac is None:
            hasher = getattr(hashlib, self.algorithm)
            derived = hasher((self.salt + "signer" + force_str(key)).encode()).digest()
            mac = self._macs[cache_key] = hmac.new(derived, digestmod=hasher)
        mac = mac.copy()
        mac.update(force_bytes(value))
        return signing.b64_encode(mac.digest()).decode()


_SIGNERS = {}


def _signer(salt):
    """One signer per salt and secret key (a signer reads five settings when it is made)."""
    key = (salt, settings.SECRET_KEY)
    signer = _SIGNERS.get(key)
    if signer is None:
        signer = _SIGNERS[key] = _Signer(salt=salt)
    return signer


def link_token(message_id, user_id, link, *, test=False):
    """A signed token naming the message, the recipient and the link (and whether it is a test send)."""
    value = f"{_b36(message_id)}.{_b36(user_id)}.{link}{'t' if test else ''}"
    return _signer(LINK_SALT).sign(value)


def unsubscribe_token(message_id, user_id):
    return _signer(UNSUBSCRIBE_SALT).sign(f"{_b36(message_id)}.{_b36(user_id)}")


class BadToken(Exception):
    pass


def _unsign(salt, token):
    try:
        value = _signer(salt).unsign(token, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as error:
        raise BadToken("expired") from error
    except signing.BadSignature as error:
        raise BadToken("bad") from error
    return value.split(".")


def link_token_read(token):
    """(message id, user id, link, test) from a tracked link's token; BadToken if tampered or expired."""
    parts = _unsign(LINK_SALT, token)
    if len(parts) != 3 or not parts[2] or parts[2][0] not in (LINK_PAGE, LINK_ACTION):
        raise BadToken("bad")
    try:
        return int(parts[0], 36), int(parts[1], 36), parts[2][0], parts[2][1:] == "t"
    except ValueError as error:
        raise BadToken("bad") from error


def unsubscribe_token_read(token):
    """(message id, user id); BadToken if tampered or expired."""
    parts = _unsign(UNSUBSCRIBE_SALT, token)
    if len(parts) != 2:
        raise BadToken("bad")
    try:
        return int(parts[0], 36), int(parts[1], 36)
    except ValueError as error:
        raise BadToken("bad") from error


# Links ---------------------------------------------------------------------------------------


def _base():
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


@functools.lru_cache(maxsize=8)
def _url_around(name, base):
    """(before, after) the token in the absolute URL of ``name``: reversed once, not per person."""
    before, after = reverse(name, args=["TOKEN"]).split("TOKEN")
    return base + before, after


def tracked_url(message_id, user_id, link, *, test=False, base=None):
    before, after = _url_around("campaign_link", base or _base())
    return before + link_token(message_id, user_id, link, test=test) + after


def unsubscribe_url(message_id, user_id, *, base=None):
    before, after = _url_around("campaign_unsubscribe", base or _base())
    return before + unsubscribe_token(message_id, user_id) + after


def campaign_targets(campaign, request=None):
    """{link code: URL}: where the tracked links of ``campaign`` may lead, and nowhere else.

    Our own pages as Wagtail gives them (a path on this site), public services as their official URL.
    """
    targets = {LINK_PAGE: campaign.get_url(request) or "/"}
    for block in campaign.calls_to_action:
        value = block.value
        if block.block_type == "service":
            service = value.get("service")
            url = service.official_url if service is not None else ""
        else:
            page = value.get("page")
            url = (page.specific.get_url(request) or "") if page is not None and page.live else ""
        if url:
            targets[LINK_ACTION] = url
            break
    return targets


# Rendering -----------------------------------------------------------------------------------


_FOOTERS = {}


def _footer(kind, language):
    """The unsubscribe line of a channel in a language, with ``%(url)s`` (translated once per process)."""
    key = (kind, language)
    if key not in _FOOTERS:
        with translation.override(language):
            if kind == Channel.SMS:
                _FOOTERS[key] = _("Unsubscribe: %(url)s")
            else:
                _FOOTERS[key] = _(
                    "You receive this because you agreed to news about digital public services. "
                    "To receive no more, open: %(url)s"
                )
    return _FOOTERS[key]


def _uses(message, placeholder):
    return any(placeholder in (getattr(message, name) or "") for name in CampaignMessage.TEXT_FIELDS)


def message_texts(message, person_id, full_name, language, *, test=False, channels=None):
    """({channel: (subject, body)}, unsubscribe URL) of ``message`` for one person, links signed for them.

    An unsubscribe link is added to every variant that does not place ``{unsubscribe}`` itself.
    Only the links the texts use are signed.
    """
    base = _base()
    unsubscribe = unsubscribe_url(message.pk, person_id, base=base)
    values = {
        "name": full_name,
        "site": settings.WAGTAIL_SITE_NAME,
        "campaign": message.campaign.title,
        "unsubscribe": unsubscribe,
    }
    if _uses(message, "{link}"):
        values["link"] = tracked_url(message.pk, person_id, LINK_PAGE, test=test, base=base)
    if _uses(message, "{action}"):
        values["action"] = tracked_url(message.pk, person_id, LINK_ACTION, test=test, base=base)
    texts = {}
    for channel, subject, body in (
        (Channel.EMAIL, message.email_subject, message.email_body),
        (Channel.SMS, "", message.sms_body),
        (Channel.IN_APP, message.email_subject, message.in_app_body),
    ):
        if channels is not None and channel not in channels:
            continue
        rendered = render(body, values)
        if "{unsubscribe}" not in body:
            separator = " " if channel == Channel.SMS else "\n\n"
            rendered = f"{rendered}{separator}{_footer(channel, language) % {'url': unsubscribe}}"
        texts[channel] = (" ".join(render(subject, values).split())[:255], rendered)
    return texts, unsubscribe


def message_preview(message, user):
    """What ``user`` would receive: {channel: (subject, body)} on every channel, and their channels."""
    preference = getattr(user, "contact_preference", None)
    channels = reminder_channels(
        use_email=getattr(preference, "use_email", None),
        use_sms=getattr(preference, "use_sms", None),
        use_in_app=getattr(preference, "use_in_app", None),
        has_email=bool(user.email),
    )
    language = "en" if user.preferred_language == "en" else "vi"
    return message_texts(message, user.pk, user.full_name, language, test=True)[0], channels


# Planning ------------------------------------------------------------------------------------


class _CampaignPlan:
    """Adds a campaign message's rows to a reminders ``PlanContext`` (same columns, same flush)."""

    def __init__(self, plan, message, *, test=False):
        self.plan, self.message, self.test = plan, message, test
        self.context = {"campaign": message.campaign_id}
        if test:
            self.context["test"] = True
        self.series = f"test-{uuid.uuid4().hex[:12]}" if test else ""

    def add(self, person):
        plan, message = self.plan, self.message
        channels = reminder_channels(
            use_email=person.use_email,
            use_sms=person.use_sms,
            use_in_app=person.use_in_app,
            has_email=bool(person.email),
        )
        language = person.lang
        texts, unsubscribe = message_texts(
            message, person.id, person.full_name, language, test=self.test, channels=channels
        )
        for channel in channels:
            status, reason, address, not_before = channel_route(
                person, channel, sms_ok=plan.sms_ok, quiet_end=plan.quiet_end
            )
            subject, body = texts[channel]
            context = self.context
            if channel == Channel.EMAIL:
                # RFC 8058 one-click unsubscribe in mail clients (the link is also in the text).
                context = {
                    **context,
                    "headers": {
                        "List-Unsubscribe": f"<{unsubscribe}>",
                        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                    },
                }
            queued_at = plan.now if plan.queue and status == Delivery.Status.PLANNED and not_before is None else None
            key = f"campaign:{message.pk}:{person.id}:{channel}"
            if self.test:
                key = f"campaign:{message.pk}:{person.id}:{self.series}:{channel}"
            plan.rows.append(
                (
                    person.id,
                    CAMPAIGN_KIND,
                    channel,
                    key,
                    status,
                    reason,
                    message.pk,
                    1 if self.test else 0,
                    language,
                    address,
                    subject,
                    body,
                    context,
                    "",
                    0,
                    plan.now,
                    not_before,
                    queued_at,
                    plan.run,
                )
            )


def _enqueue_fresh(plan):
    """Elsewhere than PostgreSQL (where each flush queues its rows): queue what this pass wrote."""
    if connection.vendor == "postgresql":
        return plan.queued
    fresh = Delivery.objects.filter(
        planned_at=plan.now, claim=plan.run, status=Delivery.Status.PLANNED, queued_at=plan.now
    )
    return _enqueue_ids(list(fresh.order_by("pk").values_list("pk", flat=True)))


def campaign_message_plan(message_id, now=None):
    """Plan and queue one delivery per consenting person of the segment and channel (the task's body).

    Runs only while the message is ``sending``; safe to run twice (the idempotency keys), so a
    lost task is simply run again by beat. Returns the number of people planned.
    """
    message = (
        CampaignMessage.objects.select_related("campaign", "segment").filter(pk=message_id, status="sending").first()
    )
    if message is None:
        return 0
    plan = plan_context(now, queue=True)
    adder = _CampaignPlan(plan, message)
    people = with_campaign_consent(segment_people(message.segment)).order_by("pk").values_list(*_person_fields(""))
    count = 0
    per_batch = contextlib.nullcontext if connection.vendor == "postgresql" else transaction.atomic
    with per_batch():
        for row in people.iterator(chunk_size=5000):
            adder.add(_Person.of(row[: len(_PERSON)]))
            count += 1
            if len(plan.rows) >= INSERT_BATCH:
                plan.flush()
        plan.flush()
        queued = _enqueue_fresh(plan)
    recipients = Delivery.objects.filter(kind=CAMPAIGN_KIND, subject_id=message.pk, sequence=0).values("recipient_id")
    CampaignMessage.objects.filter(pk=message.pk, status=CampaignMessage.Status.SENDING).update(
        status=CampaignMessage.Status.SENT,
        planned_at=timezone.now(),
        recipients=recipients.distinct().count(),
    )
    log.info("Campaign message %s: %s people planned, %s deliveries queued", message.pk, count, queued)
    return count


def campaign_message_test_send(message, user, now=None):
    """Send ``message`` to ``user`` on their channels, now, marked as a test (not in the results)."""
    plan = plan_context(now, queue=True)
    adder = _CampaignPlan(plan, message, test=True)
    row = User.objects.filter(pk=user.pk).values_list(*_person_fields("")).get()
    with transaction.atomic():
        adder.add(_Person.of(row))
        plan.flush()
        _enqueue_fresh(plan)
    return Delivery.objects.filter(kind=CAMPAIGN_KIND, subject_id=message.pk, claim=plan.run).count()


def _check_sendable(message):
    total, consenting = segment_counts(message.segment)
    if total == 0:
        raise CampaignSendError(
            _("The audience segment “%(name)s” is empty: nobody would receive this message.")
            % {"name": message.segment.name}
        )
    if consenting == 0:
        raise CampaignSendError(
            _(
                "None of the %(count)s people in the segment have agreed to receive campaign messages: "
                "nobody would receive this message."
            )
            % {"count": total}
        )
    return total, consenting


def campaign_message_send(message, user=None, *, now=None):
    """Send now, or schedule when the message has a future send time.

    Returns the new status. One conditional update: a second call (a double click, two
    browser tabs) finds the message no longer draft/scheduled and raises CampaignSendError.
    """
    from wagtail.log_actions import log as log_action

    now = now or timezone.now()
    _check_sendable(message)
    with transaction.atomic():
        if message.scheduled_at and message.scheduled_at > now:
            updated = CampaignMessage.objects.filter(pk=message.pk, status=CampaignMessage.Status.DRAFT).update(
                status=CampaignMessage.Status.SCHEDULED
            )
            status = CampaignMessage.Status.SCHEDULED
        else:
            updated = CampaignMessage.objects.filter(
                pk=message.pk, status__in=[CampaignMessage.Status.DRAFT, CampaignMessage.Status.SCHEDULED]
            ).update(status=CampaignMessage.Status.SENDING, sending_started_at=now)
            status = CampaignMessage.Status.SENDING
        if not updated:
            raise CampaignSendError(_("This message has already been sent or scheduled."))
        message.status = status
        log_action(instance=message, action=f"outreach.campaign_message.{status}", user=user)
        if status == CampaignMessage.Status.SENDING:
            _plan_enqueue(message.pk)
    return status


def campaign_message_cancel(message, user=None):
    """Cancel a draft or scheduled message; a message being sent stops: its unsent rows are cancelled."""
    from wagtail.log_actions import log as log_action

    with transaction.atomic():
        updated = CampaignMessage.objects.filter(
            pk=message.pk,
            status__in=[CampaignMessage.Status.DRAFT, CampaignMessage.Status.SCHEDULED, CampaignMessage.Status.SENDING],
        ).update(status=CampaignMessage.Status.CANCELLED)
        if not updated:
            return False
        Delivery.objects.filter(kind=CAMPAIGN_KIND, subject_id=message.pk, status=Delivery.Status.PLANNED).update(
            status=Delivery.Status.CANCELLED, reason="campaign_cancelled"
        )
        log_action(instance=message, action="outreach.campaign_message.cancelled", user=user)
    return True


def _plan_enqueue(message_id):
    from .tasks import campaign_message_plan as task

    transaction.on_commit(partial(task.delay, message_id))


def campaign_messages_due(now=None):
    """Beat: start scheduled messages whose time has come; plan again those whose planning was lost."""
    now = now or timezone.now()
    started = []
    for pk in CampaignMessage.objects.filter(status="scheduled", scheduled_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            if CampaignMessage.objects.filter(pk=pk, status="scheduled").update(
                status=CampaignMessage.Status.SENDING, sending_started_at=now
            ):
                _plan_enqueue(pk)
                started.append(pk)
    stale = list(
        CampaignMessage.objects.filter(status="sending", sending_started_at__lte=now - PLAN_STALE_AFTER).values_list(
            "pk", flat=True
        )
    )
    for pk in stale:
        with transaction.atomic():
            CampaignMessage.objects.filter(pk=pk, status="sending").update(sending_started_at=now)
            _plan_enqueue(pk)
    return {"started": started, "replanned": stale}


# Unsubscribe, clicks and touches ------------------------------------------------------------


def campaigns_unsubscribe(user_id, message_id, now=None):
    """Record the person's refusal of campaign messages (their unsent ones are cancelled at sending)."""
    now = now or timezone.now()
    with transaction.atomic():
        Consent.objects.update_or_create(
            user_id=user_id,
            purpose=Consent.Purpose.CAMPAIGNS,
            defaults={"granted": False, "at": now, "source": f"unsubscribe link (campaign message {message_id})"[:100]},
        )
        Delivery.objects.filter(kind=CAMPAIGN_KIND, recipient_id=user_id, status=Delivery.Status.PLANNED).update(
            status=Delivery.Status.CANCELLED, reason="opted_out"
        )


def click_record(message, user_id, link, now=None):
    """One row per message, person and link (counted once), its count raised on every click."""
    now = now or timezone.now()
    found = CampaignClick.objects.filter(message=message, recipient_id=user_id, link=link)
    if found.update(count=F("count") + 1, last_at=now):
        return
    try:
        with transaction.atomic():
            CampaignClick.objects.create(message=message, recipient_id=user_id, link=link, first_at=now, last_at=now)
    except IntegrityError:  # a second click at the same moment created it
        found.update(count=F("count") + 1, last_at=now)


def touch_record(user_id, campaign_id, source, at=None):
    """Remember that the person arrived from the campaign (first and last time), for attribution."""
    at = at or timezone.now()
    found = CampaignTouch.objects.filter(user_id=user_id, campaign_id=campaign_id)
    if found.filter(last_at__lt=at).update(last_at=at) or found.exists():
        found.filter(first_at__gt=at).update(first_at=at)
        return
    try:
        with transaction.atomic():
            CampaignTouch.objects.create(
                user_id=user_id, campaign_id=campaign_id, source=source, first_at=at, last_at=at
            )
    except IntegrityError:
        found.filter(last_at__lt=at).update(last_at=at)


def session_touch_add(session, campaign_id, source, at=None):
    """Keep a touch in an anonymous visitor's session, to be stored when they sign up or in."""
    at = at or timezone.now()
    touches = dict(session.get(TOUCH_SESSION_KEY) or {})
    touches[str(campaign_id)] = [source, at.isoformat()]
    session[TOUCH_SESSION_KEY] = touches


def touches_claim(request, user):
    """Sign-in hook (``ACCOUNTS_SIGN_IN_HOOKS``): store the touches this browser carried for ``user``.

    From the session (tracked links) and from the signed cookie set on QR arrivals served
    from the page cache; too old ones (beyond the attribution window) are dropped.
    """
    from .campaign_selectors import attribution_window

    touches = dict(request.session.pop(TOUCH_SESSION_KEY, None) or {})
    cookie = request.get_signed_cookie(TOUCH_COOKIE, default=None, salt=TOUCH_COOKIE, max_age=attribution_window())
    if cookie:
        with contextlib.suppress(ValueError):
            campaign_id, source, at = cookie.split("|")
            touches.setdefault(campaign_id, [source, at])
        request._campaign_cookie_claimed = True
    if not touches:
        return
    from .models import CampaignPage

    oldest = timezone.now() - attribution_window()
    known = set(
        CampaignPage.objects.filter(pk__in=[int(pk) for pk in touches if pk.isdigit()]).values_list("pk", flat=True)
    )
    for campaign_id, (source, at) in touches.items():
        try:
            moment = datetime.datetime.fromisoformat(at)
        except (TypeError, ValueError):
            continue
        if not campaign_id.isdigit() or int(campaign_id) not in known or moment < oldest:
            continue
        touch_record(user.pk, int(campaign_id), source if source in ("link", "qr") else "link", at=moment)
