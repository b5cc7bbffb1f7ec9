"""Campaigns: audience segments, campaign messages through the outbox, links, attribution, results."""

import datetime
import re

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Consent, ContactPreference, User
from core.localtime import local_now
from core.page_views import page_views_flush
from courses.models import Enrolment, TutorialCompletion
from outreach.campaigns import links, messages, tracking
from outreach.campaigns.audiences import SegmentRules, segment_counts, segment_people
from outreach.campaigns.links import link_token, unsubscribe_token
from outreach.campaigns.messages import (
    CampaignSendError,
    campaign_message_plan,
    campaign_message_send,
    campaign_messages_due,
)
from outreach.campaigns.selectors import campaign_results
from outreach.delivery.sending import deliveries_send
from outreach.models import (
    CAMPAIGN_KIND,
    AudienceSegment,
    CampaignClick,
    CampaignMessage,
    CampaignPage,
    CampaignPageView,
    CampaignTouch,
    Delivery,
)
from tests.accounts.factories import OrganisationUnitFactory, UserFactory
from tests.courses.factories import course_create, tutorial_create, tutorial_index_create
from tests.outreach.factories import campaign_create, consenting, message_create, person, segment_create

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def ids(rules):
    return set(segment_people(rules=rules).values_list("pk", flat=True))


def deliveries(message, **filters):
    return Delivery.objects.filter(kind=CAMPAIGN_KIND, subject_id=message.pk, **filters)


def send_planned():
    pks = list(Delivery.objects.filter(status=Delivery.Status.PLANNED).values_list("pk", flat=True))
    return deliveries_send(ids=pks)


@pytest.fixture
def no_quiet_hours():
    from outreach.models import ReminderSetting

    config = ReminderSetting.load()
    config.quiet_hours_start = config.quiet_hours_end = datetime.time(0, 0)
    config.save()


# Segment rules ----------------------------------------------------------------------------------


def test_rule_kind_of_learner():
    citizen = person(kind=User.Kind.CITIZEN)
    servant = person(kind=User.Kind.CIVIL_SERVANT)
    assert ids(SegmentRules(learner_kind=User.Kind.CIVIL_SERVANT)) == {servant.pk}
    assert ids(SegmentRules(learner_kind=User.Kind.CITIZEN)) == {citizen.pk}
    assert ids(SegmentRules()) == {citizen.pk, servant.pk}


def test_rule_units_with_and_without_sub_units():
    province = OrganisationUnitFactory(name="Tỉnh A", code="A", kind="province")
    commune = OrganisationUnitFactory(name="Xã A1", code="A1", parent=province)
    other = OrganisationUnitFactory(name="Tỉnh B", code="B", kind="province")
    at_province = person(organisation_unit=province)
    at_commune = person(organisation_unit=commune)
    person(organisation_unit=other)
    person()  # no unit
    province.refresh_from_db()
    with_sub = segment_create(units=[province], include_sub_units=True)
    without_sub = segment_create(units=[province], include_sub_units=False)
    assert ids(with_sub) == {at_province.pk, at_commune.pk}
    assert ids(without_sub) == {at_province.pk}


def test_rule_language_and_inactive_accounts():
    vietnamese = person(preferred_language="vi")
    english = person(preferred_language="en")
    person(preferred_language="en", is_active=False)
    assert ids(SegmentRules(language="en")) == {english.pk}
    assert ids(SegmentRules(language="vi")) == {vietnamese.pk}


def test_rule_completed_and_not_completed_course(home_page):
    course = course_create(home_page)
    done = person()
    started = person()
    never = person()
    Enrolment.objects.create(user=done, course=course, completed_at=timezone.now())
    Enrolment.objects.create(user=started, course=course)
    assert ids(SegmentRules(completed_course_id=course.pk)) == {done.pk}
    assert ids(SegmentRules(not_completed_course_id=course.pk)) == {started.pk, never.pk}


def test_rule_completed_and_not_completed_tutorial(home_page):
    tutorial = tutorial_create(tutorial_index_create(home_page), "Nộp hồ sơ trực tuyến")
    done = person()
    other = person()
    TutorialCompletion.objects.create(user=done, tutorial=tutorial)
    assert ids(SegmentRules(completed_tutorial_id=tutorial.pk)) == {done.pk}
    assert ids(SegmentRules(not_completed_tutorial_id=tutorial.pk)) == {other.pk}


def test_rule_enrolled_but_inactive_since(home_page):
    course = course_create(home_page)
    now = timezone.now()
    quiet = person()
    busy = person()
    finished = person()
    person()  # not enrolled
    Enrolment.objects.create(user=quiet, course=course, last_activity_at=now - 20 * DAY)
    Enrolment.objects.create(user=busy, course=course, last_activity_at=now - DAY)
    Enrolment.objects.create(user=finished, course=course, last_activity_at=now - 20 * DAY, completed_at=now)
    since = timezone.localdate() - 10 * DAY
    assert ids(SegmentRules(inactive_since=since)) == {quiet.pk}


def test_rule_signed_up_since():
    old = person()
    new = person()
    User.objects.filter(pk=old.pk).update(date_joined=timezone.now() - 60 * DAY)
    assert ids(SegmentRules(joined_since=timezone.localdate() - 7 * DAY)) == {new.pk}
    assert ids(SegmentRules(joined_since=timezone.localdate() - 90 * DAY)) == {old.pk, new.pk}


def test_rules_combine_and_resolve_in_one_query(home_page):
    province = OrganisationUnitFactory(name="Tỉnh A", code="A", kind="province")
    course = course_create(home_page)
    tutorial = tutorial_create(tutorial_index_create(home_page), "Nộp hồ sơ")
    wanted = person(kind=User.Kind.CIVIL_SERVANT, organisation_unit=province, preferred_language="vi")
    person(kind=User.Kind.CITIZEN, organisation_unit=province)
    segment = segment_create(
        learner_kind=User.Kind.CIVIL_SERVANT,
        units=[province],
        language="vi",
        not_completed_course=course,
        not_completed_tutorial=tutorial,
        joined_since=timezone.localdate() - DAY,
    )
    rules = SegmentRules.of(segment)
    with CaptureQueriesContext(connection) as queries:
        found = list(segment_people(rules=rules).values_list("pk", flat=True))
    assert found == [wanted.pk]
    assert len(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        assert segment_counts(rules=rules) == (1, 1)
    assert len(queries) == 1


# Admin: segments and messages -------------------------------------------------------------------


def test_segment_form_shows_the_live_count_before_saving(client):
    admin = UserFactory(superuser=True)
    person(kind=User.Kind.CIVIL_SERVANT)
    person(kind=User.Kind.CIVIL_SERVANT, consent=None)
    person(kind=User.Kind.CITIZEN)
    client.force_login(admin)
    url = "/admin/campaigns/segments/new/"
    data = {"name": "Cán bộ", "learner_kind": User.Kind.CIVIL_SERVANT, "include_sub_units": "on", "count": "1"}
    response = client.post(url, data)
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", response.content.decode())
    expected = ngettext("%(counter)s person matches these rules", "%(counter)s people match these rules", 2)
    assert expected % {"counter": 2} in text
    agreed = "(%(counter)s of them agreed to campaign news on a channel we can reach them on)."
    consenting = ngettext(agreed, agreed, 1)
    assert consenting % {"counter": 1} in text
    assert not AudienceSegment.objects.exists()
    del data["count"]
    response = client.post(url, data)
    assert response.status_code == 302
    assert AudienceSegment.objects.get().learner_kind == User.Kind.CIVIL_SERVANT


def test_message_with_an_unknown_placeholder_is_refused_with_a_translated_error(client, home_page):
    admin = UserFactory(superuser=True)
    campaign = campaign_create(home_page)
    segment = segment_create()
    client.force_login(admin)
    data = {
        "campaign": campaign.pk,
        "name": "Đợt 1",
        "segment": segment.pk,
        "email_subject": "{campaign}",
        "email_body": "Chào {ten}",
        "sms_body": "{link}",
        "in_app_body": "{link}",
    }
    response = client.post("/admin/campaigns/messages/new/", data)
    assert response.status_code == 200
    expected = _("Unknown placeholder {%(name)s}. Allowed here: %(allowed)s.") % {"name": "ten", "allowed": "X"}
    assert escape(expected.split("X")[0]) in response.content.decode()
    assert not CampaignMessage.objects.exists()
    data["email_body"] = "Chào {name}, {link}"
    response = client.post("/admin/campaigns/messages/new/", data)
    assert response.status_code == 302
    assert CampaignMessage.objects.get().status == CampaignMessage.Status.DRAFT


def test_campaign_ending_before_it_starts_is_a_form_error(home_page):
    campaign = campaign_create(home_page)
    form_class = CampaignPage.get_edit_handler().get_form_class()
    user = UserFactory(superuser=True)
    form = form_class(instance=campaign, for_user=user)
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        data[name] = value
    data.update(
        title=campaign.title,
        slug=campaign.slug,
        goal=campaign.goal,
        starts_on="2026-12-10",
        ends_on="2026-12-01",
        audience="everyone",
        **{
            "calls_to_action-count": "1",
            "calls_to_action-0-type": "service",
            "calls_to_action-0-deleted": "",
            "calls_to_action-0-order": "0",
            "calls_to_action-0-id": "",
            "calls_to_action-0-value-service": str(campaign.calls_to_action[0].value["service"].pk),
            "calls_to_action-0-value-label": "",
            "body-count": "0",
        },
    )
    data.pop("services", None)
    form = form_class(data, instance=campaign, for_user=user, parent_page=campaign.get_parent())
    assert not form.is_valid()
    assert form.errors == {"ends_on": [_("The campaign cannot end before it starts.")]}, form.errors
    data["ends_on"] = "2026-12-20"
    form = form_class(
        data, instance=CampaignPage.objects.get(pk=campaign.pk), for_user=user, parent_page=campaign.get_parent()
    )
    assert form.is_valid(), form.errors


# Sending: consent, empty segments, double clicks -------------------------------------------------


def test_only_people_who_consented_get_the_message_on_their_channels(home_page, no_quiet_hours):
    campaign = campaign_create(home_page)
    yes = person()
    person(consent=None)  # silence is not consent
    person(consent=False)
    in_app = person(channels=["in_app"])
    # Campaigns go where consent was given, whatever the reminder channels.
    ContactPreference.objects.create(user=in_app, use_email=True, use_sms=False, use_in_app=False)
    message = message_create(campaign, segment_create())
    assert campaign_message_send(message=message) == CampaignMessage.Status.SENDING
    assert campaign_message_plan(message_id=message.pk) == 2
    rows = {(d.recipient_id, d.channel) for d in deliveries(message)}
    assert rows == {(yes.pk, "email"), (in_app.pk, "in_app")}
    message.refresh_from_db()
    assert message.status == CampaignMessage.Status.SENT
    assert message.recipients == 2
    email = deliveries(message, channel="email").get()
    assert email.idempotency_key == f"campaign:{message.pk}:{yes.pk}:email"
    assert "/r/" in email.body and "/unsubscribe/" in email.body
    assert email.context["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    send_planned()
    assert deliveries(message, status="sent").count() == 2


def test_empty_segment_cannot_be_sent(home_page, client):
    campaign = campaign_create(home_page)
    message = message_create(campaign, segment_create(learner_kind=User.Kind.CIVIL_SERVANT))
    person(kind=User.Kind.CITIZEN)
    with pytest.raises(CampaignSendError) as error:
        campaign_message_send(message=message)
    expected = _("The audience segment “%(name)s” is empty: nobody would receive this message.") % {
        "name": message.segment.name
    }
    assert str(error.value) == expected
    client.force_login(UserFactory(superuser=True))
    response = client.post(f"/admin/campaigns/messages/send/{message.pk}/", {"send": "1"}, follow=True)
    assert escape(expected) in response.content.decode()
    message.refresh_from_db()
    assert message.status == CampaignMessage.Status.DRAFT
    assert not Delivery.objects.exists()


def test_segment_without_consent_cannot_be_sent(home_page):
    campaign = campaign_create(home_page)
    person(consent=None)
    message = message_create(campaign, segment_create())
    with pytest.raises(CampaignSendError):
        campaign_message_send(message=message)
    assert CampaignMessage.objects.get().status == CampaignMessage.Status.DRAFT


def test_a_second_click_on_send_sends_nothing_more(home_page, client, django_capture_on_commit_callbacks):
    campaign = campaign_create(home_page)
    people = [person() for _ in range(3)]
    message = message_create(campaign, segment_create())
    client.force_login(UserFactory(superuser=True))
    url = f"/admin/campaigns/messages/send/{message.pk}/"
    with django_capture_on_commit_callbacks() as callbacks:
        first = client.post(url, {"send": "1"})
        second = client.post(url, {"send": "1"}, follow=True)
    assert first.status_code == 302
    assert escape(_("This message has already been sent or scheduled.")) in second.content.decode()
    assert len(callbacks) == 1  # one planning task enqueued
    campaign_message_plan(message_id=message.pk)
    campaign_message_plan(message_id=message.pk)  # a task run twice
    assert deliveries(message).count() == 3
    assert {d.recipient_id for d in deliveries(message)} == {p.pk for p in people}


def test_a_task_run_again_while_sending_plans_nothing_twice(home_page):
    campaign = campaign_create(home_page)
    person()
    message = message_create(campaign, segment_create())
    campaign_message_send(message=message)
    CampaignMessage.objects.filter(pk=message.pk).update(status="sending")
    campaign_message_plan(message_id=message.pk)
    CampaignMessage.objects.filter(pk=message.pk).update(status="sending")
    campaign_message_plan(message_id=message.pk)
    assert deliveries(message).count() == 1


def test_scheduled_message_is_started_by_beat(home_page):
    campaign = campaign_create(home_page)
    person()
    later = timezone.now() + datetime.timedelta(hours=2)
    message = message_create(campaign, segment_create(), scheduled_at=later)
    assert campaign_message_send(message=message) == CampaignMessage.Status.SCHEDULED
    assert campaign_messages_due()["started"] == []
    assert campaign_messages_due(now=later + datetime.timedelta(minutes=1))["started"] == [message.pk]
    assert CampaignMessage.objects.get().status == CampaignMessage.Status.SENDING


def test_consent_withdrawn_after_planning_cancels_at_sending(home_page, no_quiet_hours):
    campaign = campaign_create(home_page)
    someone = person()
    message = message_create(campaign, segment_create())
    campaign_message_send(message=message)
    campaign_message_plan(message_id=message.pk)
    consenting(someone, granted=False)
    send_planned()
    row = deliveries(message).get()
    assert (row.status, row.reason) == ("cancelled", "opted_out")


def test_preview_and_test_send(home_page, client, no_quiet_hours):
    campaign = campaign_create(home_page)
    recipient = person(full_name="Trần Thị Xem")
    message = message_create(campaign, segment_create())
    admin = UserFactory(superuser=True, email="admin@example.vn")
    client.force_login(admin)
    url = f"/admin/campaigns/messages/preview/{message.pk}/"
    response = client.get(url, {"recipient": recipient.email})
    assert response.status_code == 200
    assert "Chào Trần Thị Xem" in response.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    test_rows = deliveries(message, sequence=1)
    assert [(d.recipient_id, d.context.get("test")) for d in test_rows] == [(admin.pk, True)]
    send_planned()
    assert test_rows.get().status == "sent"
    # A test send does not count; its links record nothing.
    token = link_token(message_id=message.pk, user_id=admin.pk, link="p", test=True)
    assert client.get(f"/r/{token}/").status_code == 302
    assert not CampaignClick.objects.exists()
    results = campaign_results(campaign=campaign)
    assert (results["recipients"], results["sent"], results["clicked"]) == (0, 0, 0)
    assert CampaignMessage.objects.get().status == CampaignMessage.Status.DRAFT


# Links: tracked, unsubscribe ----------------------------------------------------------------------


def test_tracked_link_records_the_click_and_redirects_only_to_the_campaign(home_page, client):
    course = course_create(home_page)
    campaign = campaign_create(home_page, course=course)
    someone = person()
    message = message_create(campaign, segment_create(), email_body="{link} {action}")
    page_link = f"/r/{link_token(message_id=message.pk, user_id=someone.pk, link='p')}/"
    response = client.get(page_link)
    assert response.status_code == 302
    assert response["Location"].endswith(campaign.url)
    client.get(page_link)
    action = client.get(f"/r/{link_token(message_id=message.pk, user_id=someone.pk, link='a')}/")
    assert action["Location"].endswith(course.url)
    clicks = {c.link: c.count for c in CampaignClick.objects.all()}
    assert clicks == {"p": 2, "a": 1}
    assert CampaignTouch.objects.get().user_id == someone.pk
    assert str(campaign.pk) in client.session[tracking.TOUCH_SESSION_KEY]


@pytest.mark.parametrize("mangle", ["tamper", "expired", "garbage"])
def test_tampered_or_expired_links_record_nothing(home_page, client, monkeypatch, mangle):
    campaign = campaign_create(home_page)
    someone = person()
    message = message_create(campaign, segment_create())
    link, unsubscribe = (
        link_token(message_id=message.pk, user_id=someone.pk, link="p"),
        unsubscribe_token(message_id=message.pk, user_id=someone.pk),
    )
    if mangle == "tamper":
        other = person()
        link = link.replace(f".{links._b36(someone.pk)}.", f".{links._b36(other.pk)}.")
        unsubscribe = unsubscribe.replace(f".{links._b36(someone.pk)}:", f".{links._b36(other.pk)}:")
    elif mangle == "expired":
        monkeypatch.setattr(links, "LINK_MAX_AGE", datetime.timedelta(seconds=-1))
    else:
        link = unsubscribe = "not-a-token"
    response = client.get(f"/r/{link}/")
    assert response.status_code == 400
    assert _("This link does not work") in response.content.decode()
    response = client.post(f"/unsubscribe/{unsubscribe}/")
    assert response.status_code == 400
    assert not CampaignClick.objects.exists()
    assert not CampaignTouch.objects.exists()
    assert Consent.objects.filter(purpose="campaigns", granted=False).count() == 0


def test_unsubscribe_confirms_then_records_and_no_more_messages(home_page, client, no_quiet_hours):
    campaign = campaign_create(home_page)
    someone = person()
    other = person()
    first = message_create(campaign, segment_create())
    campaign_message_send(message=first)
    campaign_message_plan(message_id=first.pk)
    url = f"/unsubscribe/{unsubscribe_token(message_id=first.pk, user_id=someone.pk, channel='email')}/"
    response = client.get(url)  # a mail scanner prefetching the link changes nothing
    assert response.status_code == 200
    assert Consent.objects.get(user=someone, purpose="campaigns").granted is True
    response = client.post(url)
    assert response.status_code == 200
    consent = Consent.objects.get(user=someone, purpose="campaigns")
    assert consent.granted is False
    assert consent.source == "unsubscribe"
    # Its unsent message is cancelled; the next message goes to the others only.
    assert deliveries(first, recipient=someone).get().status == "cancelled"
    second = message_create(campaign, segment_create(), name="Đợt 2")
    campaign_message_send(message=second)
    campaign_message_plan(message_id=second.pk)
    assert {d.recipient_id for d in deliveries(second)} == {other.pk}


def test_one_click_unsubscribe_post_from_a_mail_client(home_page, client):
    campaign = campaign_create(home_page)
    someone = person()
    message = message_create(campaign, segment_create())
    client.handler.enforce_csrf_checks = True
    response = client.post(
        f"/unsubscribe/{unsubscribe_token(message_id=message.pk, user_id=someone.pk, channel='email')}/",
        {"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 200
    assert Consent.objects.get(user=someone, purpose="campaigns").granted is False


# Page views, QR arrivals, attribution, results -----------------------------------------------------


def test_page_views_are_counted_for_cache_hits_and_qr_arrivals_kept_through_sign_up(home_page, client, settings):
    settings.PAGE_CACHE_SECONDS = 600
    settings.ACCOUNTS_SIGN_IN_HOOKS = ["outreach.campaigns.tracking.touches_claim"]
    course = course_create(home_page)
    campaign = campaign_create(home_page, course=course)
    url = campaign.url
    assert client.get(url)["X-Page-Cache"] == "miss"
    second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert "X-Campaign-Page" not in second
    qr = client.get(url + "?from=qr")
    assert qr.status_code == 200
    assert tracking.TOUCH_COOKIE in qr.cookies
    assert page_views_flush() == 3
    assert CampaignPageView.objects.get(campaign=campaign).views == 3
    assert page_views_flush() == 0
    client.get(url)
    assert campaign_results(campaign=campaign)["page_views"] == 4  # the counter not yet flushed included
    # The visitor signs up: the QR touch becomes theirs; then enrols and completes.
    response = client.post(
        "/account/sign-up/",
        {
            "full_name": "Lê Văn Quét",
            "identifier": "quet@example.vn",
            "password1": "a-long-new-password-123",
            "password2": "a-long-new-password-123",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="quet@example.vn")
    touch = CampaignTouch.objects.get(user=user)
    assert (touch.campaign_id, touch.source) == (campaign.pk, "qr")
    assert response.cookies[tracking.TOUCH_COOKIE].value == ""  # claimed: forgotten
    Enrolment.objects.create(user=user, course=course, completed_at=timezone.now() + datetime.timedelta(seconds=1))
    results = campaign_results(campaign=campaign)
    assert (results["enrolments"], results["completions"]) == (1, 1)


def test_attribution_window(home_page, settings):
    settings.CAMPAIGN_ATTRIBUTION_DAYS = 30
    course = course_create(home_page)
    campaign = campaign_create(home_page, course=course)
    now = timezone.now()
    inside, before, late = person(), person(), person()
    for someone in (inside, before, late):
        CampaignTouch.objects.create(
            user=someone, campaign=campaign, source="link", first_at=now - 40 * DAY, last_at=now - 40 * DAY
        )
    Enrolment.objects.create(user=inside, course=course, enrolled_at=now - 20 * DAY, completed_at=now - 5 * DAY)
    Enrolment.objects.create(user=before, course=course, enrolled_at=now - 50 * DAY)
    Enrolment.objects.create(user=late, course=course, enrolled_at=now - 5 * DAY)
    results = campaign_results(campaign=campaign)
    # Enrolled 20 days after the touch: attributed; completed 35 days after: outside the window.
    assert (results["enrolments"], results["completions"]) == (1, 0)


def test_results_page_funnel_svg_table_csv_and_bounded_queries(home_page, client, no_quiet_hours):
    course = course_create(home_page)
    campaign = campaign_create(home_page, course=course)
    admin = UserFactory(superuser=True)
    client.force_login(admin)
    url = f"/admin/campaigns/messages/results/{campaign.pk}/"

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    people = [person() for _ in range(2)]
    message = message_create(campaign, segment_create())
    campaign_message_send(message=message)
    campaign_message_plan(message_id=message.pk)
    send_planned()
    client.get(f"/r/{link_token(message_id=message.pk, user_id=people[0].pk, link='p')}/")
    few, _html = measure()
    more = [person() for _ in range(6)]
    second = message_create(campaign, segment_create(), name="Đợt 2")
    campaign_message_send(message=second)
    campaign_message_plan(message_id=second.pk)
    send_planned()
    for someone in more:
        client.get(f"/r/{link_token(message_id=second.pk, user_id=someone.pk, link='p')}/")
        Enrolment.objects.create(user=someone, course=course)
    client.force_login(admin)
    many, html = measure()
    assert many == few
    assert "<svg" in html and "<title" in html and "<desc" in html
    assert 'id="campaign-results"' in html
    results = campaign_results(campaign=campaign)
    assert results["recipients"] == 8 and results["sent"] == 8 + 2
    assert results["clicked"] == 7 and results["enrolments"] == 6
    response = client.get(url, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8-sig")
    assert campaign.title in body and ",7" in body


def test_campaign_deliveries_are_identifiable_in_the_log(home_page, client):
    campaign = campaign_create(home_page)
    person()
    message = message_create(campaign, segment_create())
    campaign_message_send(message=message)
    campaign_message_plan(message_id=message.pk)
    client.force_login(UserFactory(superuser=True))
    response = client.get("/admin/reminders/deliveries/", {"kind": CAMPAIGN_KIND})
    assert response.status_code == 200
    assert f"{_('Campaign message')} #{message.pk}" in response.content.decode()


def test_communications_staff_read_their_campaign_messages_delivery_log(home_page, client, no_quiet_hours):
    campaign = campaign_create(home_page)
    reader = person(full_name="Trần Thị Đọc", email="doc.tran@example.vn")
    person(full_name="Lê Văn Nhắn", email="", phone="0912345678")
    message = message_create(campaign, segment_create())
    campaign_message_send(message=message)
    campaign_message_plan(message_id=message.pk)
    send_planned()
    other = message_create(campaign, segment_create(), name="Đợt khác")
    campaign_message_send(message=other)
    campaign_message_plan(message_id=other.pk)
    reminder = Delivery.objects.create(
        recipient=reader, kind="training_due", channel="email", idempotency_key="k-reminder", address="x@example.vn"
    )
    url = f"/admin/campaigns/messages/deliveries/{message.pk}/"
    officer = UserFactory(officer=True)
    client.force_login(officer)
    assert url in client.get(f"/admin/campaigns/messages/results/{campaign.pk}/").content.decode()
    assert url in client.get(f"/admin/campaigns/messages/edit/{message.pk}/").content.decode()
    html = client.get(url).content.decode()
    rows = deliveries(message)
    assert 'id="campaign-delivery-log"' in html and html.count("<tr><td>") == rows.count()
    assert "Trần Thị Đọc" in html and "d•••@example.vn" in html and "•••678" in html
    assert "doc.tran@example.vn" not in html and "0912345678" not in html  # addresses only in part
    assert reminder.address not in html  # another kind's messages stay in the training office's log
    sent = rows.filter(status=Delivery.Status.SENT).count()
    assert re.search(rf'data-status-count="sent"><a href="\?status=sent"><strong>{sent}</strong>', html)
    only_sent = client.get(url, {"status": "sent"}).content.decode()
    assert only_sent.count("<tr><td>") == sent
    for bad in ({"status": "<script>"}, {"p": "-1"}, {"p": "9999"}, {"p": "x"}):
        assert client.get(url, bad).status_code == 200, bad
    assert client.get("/admin/campaigns/messages/deliveries/999999/").status_code == 404
    client.force_login(UserFactory(training_admin=True))
    assert client.get(url).status_code == 302


def test_signing_uses_django_signing():
    token = link_token(message_id=5, user_id=7, link="p")
    assert signing.TimestampSigner(salt=links.LINK_SALT).unsign(token) == "5.7.p"


def test_communications_staff_run_campaigns_and_training_administrators_do_not(home_page, client):

    campaign = campaign_create(home_page)
    person()
    message = message_create(campaign, segment_create())
    officer = UserFactory(officer=True)
    client.force_login(officer)
    for url in (
        "/admin/campaigns/segments/new/",
        "/admin/campaigns/messages/",
        f"/admin/campaigns/messages/edit/{message.pk}/",
        f"/admin/campaigns/messages/preview/{message.pk}/",
        f"/admin/campaigns/messages/send/{message.pk}/",
        f"/admin/campaigns/messages/results/{campaign.pk}/",
    ):
        assert client.get(url).status_code == 200, url
    menu = client.get("/admin/").content.decode()
    assert "/admin/campaigns/messages/campaign-results/" in menu and "/admin/campaigns/segments/" in menu
    index = client.get("/admin/campaigns/messages/campaign-results/")
    assert "outreach/campaigns/admin/campaign_results_index.html" in [t.name for t in index.templates]
    assert f'href="/admin/campaigns/messages/results/{campaign.pk}/"' in index.content.decode()
    assert client.post(f"/admin/campaigns/messages/send/{message.pk}/", {"send": "1"}).status_code == 302
    assert CampaignMessage.objects.get().status == CampaignMessage.Status.SENDING
    client.force_login(UserFactory(training_admin=True))
    assert "/admin/campaigns/messages/campaign-results/" not in client.get("/admin/").content.decode()
    assert client.get("/admin/campaigns/messages/").status_code == 302
    assert client.get(f"/admin/campaigns/messages/results/{campaign.pk}/").status_code == 302


def test_a_segment_in_use_cannot_be_deleted_and_bad_input_gets_no_500(home_page, client):
    campaign = campaign_create(home_page)
    segment = segment_create()
    message = message_create(campaign, segment)
    client.force_login(UserFactory(superuser=True))
    response = client.post(f"/admin/campaigns/segments/delete/{segment.pk}/", follow=True)
    assert response.status_code == 200
    assert AudienceSegment.objects.filter(pk=segment.pk).exists()
    expected = _("This segment cannot be deleted: campaign messages use it (%(names)s).") % {"names": message.name}
    assert escape(expected) in response.content.decode()
    response = client.get(f"/admin/campaigns/messages/preview/{message.pk}/", {"recipient": "nobody@example.vn"})
    assert response.status_code == 200
    assert escape(_("Nobody has this e-mail address or phone number.")) in response.content.decode()
    assert client.get(f"/admin/campaigns/messages/results/{campaign.pk + 999}/").status_code == 404
    # A link to a message deleted since: a translated page, not an error.
    token = link_token(message_id=message.pk + 999, user_id=1, link="p")
    assert client.get(f"/r/{token}/").status_code == 404
    # A sent message cannot be changed.
    person()
    campaign_message_send(message=message)
    data = {"campaign": campaign.pk, "name": "X", "segment": segment.pk}
    response = client.post(f"/admin/campaigns/messages/edit/{message.pk}/", data)
    assert response.status_code == 200
    assert CampaignMessage.objects.get().name == "Đợt 1"


def test_campaign_clicks_and_visits_are_exported_and_erased(home_page, client):
    from accounts.personal_data import personal_data_erase, personal_data_export

    campaign = campaign_create(home_page)
    someone = person()
    message = message_create(campaign, segment_create())
    client.get(f"/r/{link_token(message_id=message.pk, user_id=someone.pk, link='p')}/")
    exported = personal_data_export(someone)
    text = str(exported)
    assert "campaign_links_followed" in text and campaign.title in text
    personal_data_erase(someone)
    assert not CampaignClick.objects.filter(recipient=someone).exists()
    assert not CampaignTouch.objects.filter(user=someone).exists()


def test_an_sms_too_long_with_its_links_is_refused(home_page):
    from django.core.exceptions import ValidationError

    from outreach.delivery.texts import SMS_MAX_LENGTH

    campaign = campaign_create(home_page)
    message = CampaignMessage(
        campaign=campaign,
        segment=segment_create(),
        name="Dài",
        email_subject="{campaign}",
        email_body="{link}",
        in_app_body="{link}",
        sms_body="Xem {link} " * 3 + "x" * 150,
    )
    with pytest.raises(ValidationError) as error:
        message.full_clean()
    assert "sms_body" in error.value.message_dict
    message.sms_body = "{campaign}: {link}"
    message.full_clean()
    message.save()
    texts, _unsubscribe = messages.message_texts(
        message=message, person_id=123456, full_name="Nguyễn Văn Một Tên Rất Dài Để Thử", language="vi"
    )
    assert len(texts["sms"][1]) <= SMS_MAX_LENGTH


def test_email_carries_one_click_unsubscribe_headers_and_sms_waits_for_quiet_hours_to_end(home_page, settings):
    from django.core import mail

    from outreach.models import ReminderSetting

    settings.SMS_BACKEND = "outreach.delivery.channels.ConsoleSmsBackend"
    now_here = local_now()
    config = ReminderSetting.load()
    config.quiet_hours_start = (now_here - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    config.quiet_hours_end = (now_here + datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    config.save()
    campaign = campaign_create(home_page)
    person(phone="0912000444", channels=["email", "sms"])
    message = message_create(campaign, segment_create())
    campaign_message_send(message=message)
    campaign_message_plan(message_id=message.pk)
    sms = deliveries(message, channel="sms").get()
    assert sms.not_before is not None and sms.not_before > timezone.now()
    send_planned()
    assert deliveries(message, channel="email").get().status == "sent"
    assert Delivery.objects.get(pk=sms.pk).status == "planned"
    [email] = mail.outbox
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email.extra_headers["List-Unsubscribe"].startswith("<http") and "/unsubscribe/" in email.body


def test_an_admin_preview_of_a_campaign_page_is_not_a_view(home_page, client):
    campaign = campaign_create(home_page)
    client.force_login(UserFactory(superuser=True))
    response = client.get(f"/admin/pages/{campaign.pk}/view_draft/")
    assert response.status_code == 200
    assert "X-Campaign-Page" not in response
    assert page_views_flush() == 0
    client.get(campaign.url)
    assert page_views_flush() == 1


@pytest.mark.parametrize("headers", [{"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}, {"HTTP_ACCEPT_LANGUAGE": "vi"}, {}])
@pytest.mark.parametrize("path", ["/r/not-a-token/", "/unsubscribe/not-a-token/"])
def test_an_invalid_link_page_is_in_vietnamese_whatever_the_browser_asks(client, path, headers):
    # The site has one language (docs/languages.md): the browser's language and the old cookie change nothing.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(path, **headers)
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="vi">' in html and "Đường dẫn này không dùng được" in html


def test_the_results_pages_header_names_them_and_the_campaign_not_home(home_page, client):
    campaign = campaign_create(home_page, title="Chiến dịch có tên riêng")
    client.force_login(UserFactory(officer=True))
    html = client.get(f"/admin/campaigns/messages/results/{campaign.pk}/").content.decode()
    header = BeautifulSoup(html, "html.parser").select_one("header")
    assert campaign.title in header.get_text()
    assert header.select_one('a[href="/admin/campaigns/messages/campaign-results/"]') is not None
    index = BeautifulSoup(client.get("/admin/campaigns/messages/campaign-results/").content, "html.parser")
    assert _("Campaign results") in index.select_one("header").get_text()


def test_the_message_list_shows_no_recipient_count_before_the_message_is_planned(home_page, client):
    campaign = campaign_create(home_page)
    person()
    draft = message_create(campaign, segment_create(), name="Bản nháp")
    sent = message_create(campaign, segment_create(), name="Đã gửi")
    campaign_message_send(message=sent)
    campaign_message_plan(message_id=sent.pk)
    client.force_login(UserFactory(officer=True))
    soup = BeautifulSoup(client.get("/admin/campaigns/messages/").content, "html.parser")
    rows = {
        row.select_one("td").get_text(" ", strip=True): [td.get_text(strip=True) for td in row.select("td")]
        for row in soup.select("table.listing tbody tr")
    }
    draft_row, sent_row = (next(cells for name, cells in rows.items() if m.name in name) for m in (draft, sent))
    assert "—" in draft_row and "0" not in draft_row
    assert "1" in sent_row
