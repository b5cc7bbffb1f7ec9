"""Campaign messages through delivery's outbox: render, plan, send once, cancel.

Sending a message (``campaign_message_send``) is one conditional UPDATE (draft or scheduled →
sending): a second click, or two workers, change nothing and send nothing more. A Celery task
(``campaign_message_plan``, enqueued on commit) then resolves the segment and the people's
campaign consent per channel in one query and writes one ``Delivery`` per person and channel
they consented to and can be reached on (kind
``campaign``, idempotency key ``campaign:<message>:<person>:<channel>``) through delivery's
outbox (``Outbox.flush``: COPY on PostgreSQL, ``INSERT … ON CONFLICT DO NOTHING``), queueing
them as each batch commits. From there delivery's sender does the rest: claims, the re-check
registered here (consent on that channel withdrawn since → cancelled, message cancelled), quiet
hours for SMS,
the shared rate limit, retries, the delivery log.
"""

import contextlib
import datetime
import logging
import uuid
from collections.abc import Collection
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log as log_action

from accounts.consent.channels import CHANNEL_CODES
from accounts.consent.selectors import consent_annotations, consents_given
from accounts.models import Consent, User
from core.localtime import local_today
from outreach.delivery.kinds import Kind, KindFamily, family_register
from outreach.delivery.models import Channel, Delivery
from outreach.delivery.outbox import Outbox, Person, enqueue_fresh, outbox_open, person_fields
from outreach.delivery.texts import render, sms_link, subject_line

from .audiences import segment_counts, segment_people, with_campaign_consent
from .links import LINK_ACTION, LINK_PAGE, LINK_UNSUBSCRIBE, base_url, short_url, tracked_url, unsubscribe_url
from .models import CAMPAIGN_KIND, CampaignMessage

log = logging.getLogger(__name__)

# A message left "sending" this long (its planning task lost) is planned again by beat.
PLAN_STALE_AFTER = datetime.timedelta(minutes=15)


class CampaignSendError(Exception):
    """Why a message cannot be sent (translated, for the admin)."""


# Rendering -----------------------------------------------------------------------------------


_FOOTERS = {}


def _footer(kind: str, language: str) -> str:
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


def _uses(message: CampaignMessage, placeholder: str) -> bool:
    return any(placeholder in (getattr(message, name) or "") for name in CampaignMessage.TEXT_FIELDS)


def _sms_values(message: CampaignMessage, *, person_id: int, test: bool, base: str, values: dict) -> dict:
    """The values of an SMS: its links short (``/s/<token>``, links.py) and without ``https://``."""
    day = local_today()
    short = {}
    for name, link in (("link", LINK_PAGE), ("action", LINK_ACTION), ("unsubscribe", LINK_UNSUBSCRIBE)):
        if name in values or name == "unsubscribe":
            url = short_url(
                message_id=message.pk,
                user_id=person_id,
                link=link,
                test=test and name != "unsubscribe",
                day=day,
                base=base,
            )
            short[name] = sms_link(url)
    return {**values, **short}


def message_texts(
    *,
    message: CampaignMessage,
    person_id: int,
    full_name: str,
    language: str,
    test: bool = False,
    channels: Collection[str] | None = None,
    zalo_values: dict | None = None,
) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """({channel: (subject, body)}, {channel: unsubscribe URL}) of ``message`` for one person, links
    signed for them.

    An unsubscribe link is added to every variant that does not place ``{unsubscribe}`` itself; each
    channel's link withdraws consent on that channel (an SMS's is its short link). Only the links the
    texts use are signed. ``zalo_values``, when given, receives the Zalo variant's values (its
    template's parameters, unsubscribe link included).
    """
    base = base_url()
    unsubscribes = {}
    values = {
        "name": full_name,
        "site": settings.WAGTAIL_SITE_NAME,
        "campaign": message.campaign.title,
    }
    if _uses(message, "{link}"):
        values["link"] = tracked_url(message_id=message.pk, user_id=person_id, link=LINK_PAGE, test=test, base=base)
    if _uses(message, "{action}"):
        values["action"] = tracked_url(message_id=message.pk, user_id=person_id, link=LINK_ACTION, test=test, base=base)
    # A Zalo message carries the SMS text too: SMS carries it where Zalo cannot (docs/zalo.md).
    wanted = None if channels is None else {*channels, *([Channel.SMS] if Channel.ZALO in channels else [])}
    if wanted is None or Channel.SMS in wanted:
        sms_values = _sms_values(message, person_id=person_id, test=test, base=base, values=values)
    texts = {}
    for channel, subject, body in (
        (Channel.EMAIL, message.email_subject, message.email_body),
        (Channel.SMS, "", message.sms_body),
        (Channel.IN_APP, message.email_subject, message.in_app_body),
        (Channel.ZALO, message.email_subject, message.in_app_body),
    ):
        if wanted is not None and channel not in wanted:
            continue
        if channel == Channel.SMS:
            # Its short unsubscribe link leads to the unsubscribe page of the SMS channel (tracking.py).
            channel_values = sms_values
        else:
            url = unsubscribe_url(message_id=message.pk, user_id=person_id, channel=channel, base=base)
            channel_values = {**values, "unsubscribe": url}
        unsubscribes[channel] = channel_values["unsubscribe"]
        if channel == Channel.ZALO and zalo_values is not None:
            zalo_values.update(channel_values)
        rendered = render(body, channel_values)
        if "{unsubscribe}" not in body:
            separator = " " if channel == Channel.SMS else "\n\n"
            rendered = f"{rendered}{separator}{_footer(channel, language) % {'url': channel_values['unsubscribe']}}"
        texts[channel] = (subject_line(subject, channel_values), rendered)
    return texts, unsubscribes


def message_preview(*, message: CampaignMessage, user: User) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """What ``user`` would receive: {channel: (subject, body)} on every channel, and their channels."""
    preference = getattr(user, "contact_preference", None)
    person = Person(
        id=user.pk,
        full_name=user.full_name,
        email=user.email,
        phone=user.phone,
        language=user.preferred_language,
        use_email=getattr(preference, "use_email", None),
        use_sms=getattr(preference, "use_sms", None),
        use_in_app=getattr(preference, "use_in_app", None),
        use_zalo=getattr(preference, "use_zalo", None),
    )
    texts, _unsubscribe = message_texts(
        message=message, person_id=user.pk, full_name=user.full_name, language=person.lang, test=True
    )
    return texts, person.channels()


# Planning ------------------------------------------------------------------------------------


class _CampaignPlan:
    """Adds a campaign message's rows to delivery's ``Outbox`` (same columns, same flush)."""

    def __init__(self, outbox: Outbox, message: CampaignMessage, *, test: bool = False) -> None:
        self.outbox, self.message, self.test = outbox, message, test
        self.context = {"campaign": message.campaign_id}
        if test:
            self.context["test"] = True
        self.series = f"test-{uuid.uuid4().hex[:12]}" if test else ""

    def _key(self, person: Person, channel: str) -> str:
        if self.test:
            return f"campaign:{self.message.pk}:{person.id}:{self.series}:{channel}"
        return f"campaign:{self.message.pk}:{person.id}:{channel}"

    def add(self, person: Person, channels: list[str] | None = None) -> None:
        """Plan the message for ``person`` on ``channels`` (None: their reminder channels, for a test send)."""
        channels = person.channels() if channels is None else channels
        if not channels:
            return
        zalo_values: dict = {}
        texts, unsubscribes = message_texts(
            message=self.message,
            person_id=person.id,
            full_name=person.full_name,
            language=person.lang,
            test=self.test,
            channels=channels,
            zalo_values=zalo_values,
        )
        # RFC 8058 one-click unsubscribe in mail clients (the link is also in the text).
        contexts: dict[str, dict] = {}
        if Channel.EMAIL in unsubscribes:
            contexts[Channel.EMAIL] = {
                **self.context,
                "headers": {
                    "List-Unsubscribe": f"<{unsubscribes[Channel.EMAIL]}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            }
        self.outbox.add(
            person=person,
            kind=CAMPAIGN_KIND,
            channels=channels,
            key=lambda channel: self._key(person, channel),
            texts=texts.__getitem__,
            subject_id=self.message.pk,
            sequence=1 if self.test else 0,
            context=self.context,
            contexts=contexts,
            values=zalo_values,
        )


def campaign_message_plan(*, message_id: int, now: datetime.datetime | None = None) -> int:
    """Plan and queue one delivery per consenting person of the segment and channel they consented to and
    can be reached on (the task's body).

    Runs only while the message is ``sending``; safe to run twice (the idempotency keys), so a
    lost task is simply run again by beat. Returns the number of people planned.
    """
    message = (
        CampaignMessage.objects.select_related("campaign", "segment").filter(pk=message_id, status="sending").first()
    )
    if message is None:
        return 0
    outbox = outbox_open(now=now, queue=True)
    adder = _CampaignPlan(outbox, message)
    annotations = consent_annotations(purpose=Consent.Purpose.CAMPAIGNS)
    people = (
        with_campaign_consent(people=segment_people(rules=message.segment))
        .annotate(**annotations)
        .order_by("pk")
        .values_list(*person_fields(""), *annotations)
    )
    count = 0
    offset = len(person_fields(""))
    per_batch = contextlib.nullcontext if connection.vendor == "postgresql" else transaction.atomic
    with per_batch():
        for row in people.iterator(chunk_size=5000):
            channels = [code for code, given in zip(CHANNEL_CODES, row[offset:], strict=True) if given]
            adder.add(Person.of(row), channels)
            count += 1
            outbox.flush_if_full()
        outbox.flush()
        queued = outbox.queued + enqueue_fresh(outbox=outbox)
    recipients = Delivery.objects.filter(kind=CAMPAIGN_KIND, subject_id=message.pk, sequence=0).values("recipient_id")
    CampaignMessage.objects.filter(pk=message.pk, status=CampaignMessage.Status.SENDING).update(
        status=CampaignMessage.Status.SENT,
        planned_at=timezone.now(),
        recipients=recipients.distinct().count(),
    )
    log.info("Campaign message %s: %s people planned, %s deliveries queued", message.pk, count, queued)
    return count


def campaign_message_test_send(*, message: CampaignMessage, user: User, now: datetime.datetime | None = None) -> int:
    """Send ``message`` to ``user`` on their channels, now, marked as a test (not in the results)."""
    outbox = outbox_open(now=now, queue=True)
    adder = _CampaignPlan(outbox, message, test=True)
    row = User.objects.filter(pk=user.pk).values_list(*person_fields("")).get()
    with transaction.atomic():
        adder.add(Person.of(row))
        outbox.flush()
        enqueue_fresh(outbox=outbox)
    return Delivery.objects.filter(kind=CAMPAIGN_KIND, subject_id=message.pk, claim=outbox.run).count()


def _check_sendable(message: CampaignMessage) -> tuple[int, int]:
    total, consenting = segment_counts(rules=message.segment)
    if total == 0:
        raise CampaignSendError(
            _("The audience segment “%(name)s” is empty: nobody would receive this message.")
            % {"name": message.segment.name}
        )
    if consenting == 0:
        raise CampaignSendError(
            _(
                "None of the %(count)s people in the segment have agreed to receive campaign messages "
                "on a way we can reach them: nobody would receive this message."
            )
            % {"count": total}
        )
    return total, consenting


def campaign_message_send(
    *, message: CampaignMessage, user: User | None = None, now: datetime.datetime | None = None
) -> str:
    """Send now, or schedule when the message has a future send time.

    Returns the new status. One conditional update: a second call (a double click, two
    browser tabs) finds the message no longer draft/scheduled and raises CampaignSendError.
    """
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


def campaign_message_cancel(*, message: CampaignMessage, user: User | None = None) -> bool:
    """Cancel a draft or scheduled message; a message being sent stops: its unsent rows are cancelled."""
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


def _plan_enqueue(message_id: int) -> None:
    # Celery: the tasks module imports this one (its tasks call it).
    from .tasks import campaign_message_plan as task

    transaction.on_commit(partial(task.delay, message_id))


def campaign_messages_due(*, now: datetime.datetime | None = None) -> dict[str, list[int]]:
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


# The campaign kind, as delivery knows it ------------------------------------------------------


def campaign_recheck(*, rows: list[dict], now: datetime.datetime, today: datetime.date) -> dict[int, str]:
    """Campaign messages need consent given on the row's channel (silence is not consent), still, and a
    message not cancelled.

    Test sends are always wanted."""
    rows = [row for row in rows if not row["context"].get("test")]
    if not rows:
        return {}
    consenting = consents_given(user_ids=(row["recipient_id"] for row in rows), purpose=Consent.Purpose.CAMPAIGNS)
    cancelled = set(
        CampaignMessage.objects.filter(
            pk__in={row["subject_id"] for row in rows}, status=CampaignMessage.Status.CANCELLED
        ).values_list("pk", flat=True)
    )
    cancel = {}
    for row in rows:
        if row["subject_id"] in cancelled:
            cancel[row["pk"]] = "campaign_cancelled"
        elif (row["recipient_id"], row["channel"]) not in consenting:
            cancel[row["pk"]] = "opted_out"
    return cancel


def _describe(delivery: Delivery) -> str:
    """The delivery log names the campaign message (and says when a row is a test send)."""
    label = delivery.get_kind_display()
    if delivery.sequence == 1:
        return _("%(kind)s #%(message)s (test send)") % {"kind": label, "message": delivery.subject_id}
    return f"{label} #{delivery.subject_id}"


FAMILY = family_register(
    KindFamily(
        name="campaigns",
        order=50,
        kinds=(
            Kind(
                CAMPAIGN_KIND,
                gettext_lazy("Campaign message"),
                describe=_describe,
                channel_consent=Consent.Purpose.CAMPAIGNS,
            ),
        ),
        recheck=campaign_recheck,
        reasons={
            "campaign_cancelled": gettext_lazy("The campaign message was cancelled"),
            "no_campaign_consent": gettext_lazy("No consent to campaign messages"),
        },
    )
)
