"""A certificate issued again after its holder's name was corrected: a new code, the same dates, the old code
superseded (still verifiable), once per change; reminders, insights and compliance count the one in force."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from courses.certificates.services import ReissueRefused, certificate_issue, certificate_reissue, certificate_revoke
from courses.learning.selectors import completions_latest
from courses.models import Assignment, Certificate, Enrolment
from outreach.models import Delivery, MessageKind
from tests.accounts.factories import UserFactory
from tests.courses.certificates.test_certificates import enrolment_completed, user_with_perms
from tests.courses.factories import course_create
from tests.courses.learning.test_concurrency import run_in_threads

pytestmark = pytest.mark.django_db

OLD_NAME = "Nguyen Thi Hang"
# The site speaks Vietnamese: what the pages say, as their readers see it.
OFFER = "Cấp lại với tên hiện tại của tôi"  # "Issue it again with my current name"
SUPERSEDED_BY = "Được thay thế bởi"  # "Superseded by"
NEW_NAME = "Nguyễn Thị Hằng"


@pytest.fixture
def course(home_page):
    return course_create(home_page, title="Dịch vụ công", slug="dich-vu-cong")


@pytest.fixture
def learner(db):
    return UserFactory(full_name=OLD_NAME, email="hang@example.vn")


@pytest.fixture
def certificate(course, learner):
    return certificate_issue(enrolment=enrolment_completed(learner, course))


def rename(user, name=NEW_NAME):
    user.full_name = name
    user.save(update_fields=["full_name"])


class TestService:
    def test_new_code_same_dates_old_superseded(self, certificate, learner):
        rename(learner)
        new, created = certificate_reissue(certificate=certificate, by=learner)
        assert created
        certificate.refresh_from_db()
        assert new.code != certificate.code and new.learner_name == NEW_NAME
        assert (new.issued_at, new.expires_at, new.course_id, new.course_title) == (
            certificate.issued_at,
            certificate.expires_at,
            certificate.course_id,
            certificate.course_title,
        )
        assert certificate.learner_name == OLD_NAME  # what was printed stays on record
        assert certificate.superseded_by == new and certificate.superseded_at is not None
        assert certificate.superseded_reason == Certificate.SupersededReason.NAME_CORRECTED
        assert certificate.superseded_requested_by == learner
        assert certificate.status == Certificate.Status.SUPERSEDED and new.status == Certificate.Status.VALID
        # The enrolment's certificate is the new one; issuing again returns it, not a third.
        enrolment = Enrolment.objects.get(user=learner)
        assert enrolment.certificate == new and certificate.enrolment_id is None
        assert certificate_issue(enrolment=enrolment) == new
        assert Certificate.objects.count() == 2

    def test_twice_makes_one_new_certificate(self, certificate, learner):
        rename(learner)
        first, created = certificate_reissue(certificate=certificate, by=learner)
        second, created_again = certificate_reissue(certificate=Certificate.objects.get(pk=certificate.pk), by=learner)
        assert created and not created_again and first == second
        assert Certificate.objects.count() == 2

    def test_a_second_correction_chains_and_keeps_the_first_as_original(self, certificate, learner):
        rename(learner)
        second, _ = certificate_reissue(certificate=certificate, by=learner)
        rename(learner, "Nguyễn Thị Thu Hằng")
        third, _ = certificate_reissue(certificate=second, by=learner)
        assert second.pk != third.pk and third.original_id == certificate.pk == second.original_id
        assert certificate_reissue(certificate=certificate, by=learner) == (third, False)

    def test_refused_when_nothing_to_correct_or_revoked(self, certificate, learner):
        with pytest.raises(ReissueRefused):
            certificate_reissue(certificate=certificate, by=learner)
        rename(learner, f"  {OLD_NAME}  ")  # spaces only: the printed name is the same
        with pytest.raises(ReissueRefused):
            certificate_reissue(certificate=certificate, by=learner)
        rename(learner)
        certificate_revoke(certificate=certificate, by=None, reason="Sai sót")
        with pytest.raises(ReissueRefused):
            certificate_reissue(certificate=certificate, by=learner)
        assert Certificate.objects.count() == 1


class TestLearnerPage:
    def test_offer_appears_after_a_name_fix_and_a_double_post_makes_one(self, client, certificate, learner):
        client.force_login(learner)
        assert OFFER not in client.get(reverse("courses:my_learning")).content.decode()
        rename(learner)
        text = client.get(reverse("courses:my_learning")).content.decode()
        assert OFFER in text and OLD_NAME in text
        url = reverse("certificates:reissue", args=[certificate.code])
        assert client.post(url).status_code == 302
        assert client.post(url).status_code == 302  # the double click
        assert Certificate.objects.filter(user=learner).count() == 2
        new = Certificate.objects.get(user=learner, superseded_at__isnull=True)
        text = client.get(reverse("courses:my_learning")).content.decode()
        assert new.code in text and OFFER not in text

    def test_nobody_reissues_another_persons_certificate(self, client, certificate, learner):
        rename(learner)
        other = UserFactory()
        client.force_login(other)
        response = client.post(reverse("certificates:reissue", args=[certificate.code]))
        assert response.status_code == 404
        assert Certificate.objects.count() == 1
        certificate.refresh_from_db()
        assert certificate.superseded_at is None

    def test_get_and_visitors_change_nothing(self, client, certificate, learner):
        rename(learner)
        url = reverse("certificates:reissue", args=[certificate.code])
        assert client.post(url).status_code == 302 and "/sign-in/" in client.post(url)["Location"]
        client.force_login(learner)
        assert client.get(url).status_code == 405
        assert Certificate.objects.count() == 1

    def test_old_pdf_is_no_longer_the_holders_to_download(self, client, certificate, learner):
        rename(learner)
        new, _ = certificate_reissue(certificate=certificate, by=learner)
        client.force_login(learner)
        assert client.get(reverse("certificates:pdf", args=[certificate.code])).status_code == 404
        response = client.get(reverse("certificates:pdf", args=[new.code]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


@pytest.mark.usefixtures("english_interface")
def test_verification_page_of_the_old_code_says_superseded(client, certificate, learner, settings, monkeypatch):
    rename(learner)
    new, _ = certificate_reissue(certificate=certificate, by=learner)
    response = client.get(reverse("certificates:verify", args=[certificate.code]))  # english_interface: the msgids
    assert response.status_code == 200
    text = response.content.decode()
    assert "Superseded" in text and "issued again with a corrected name" in text and "Revoked" not in text
    display = "-".join(new.code[i : i + 4] for i in range(0, 12, 4))
    assert display in text and reverse("certificates:verify", args=[new.code]) in text
    monkeypatch.undo()  # then the site's own language
    settings.LANGUAGE_CODE, settings.LANGUAGES = "vi", [("vi", "Vietnamese")]
    with translation.override("vi"):
        vietnamese = client.get(reverse("certificates:verify", args=[certificate.code])).content.decode()
    assert display in vietnamese
    new_page = client.get(reverse("certificates:verify", args=[new.code])).content.decode()
    assert NEW_NAME in new_page and "certificate-status" in new_page


class TestAdmin:
    def test_training_office_reissues_from_the_listing(self, client, certificate, learner):
        rename(learner)
        office = user_with_perms("courses.view_certificate", "courses.change_certificate")
        client.force_login(office)
        url = reverse("certificates_admin:reissue", args=[certificate.pk])
        assert url in client.get(reverse("certificates_admin:index")).content.decode()
        assert client.get(url).status_code == 200
        assert client.post(url).status_code == 302
        certificate.refresh_from_db()
        assert certificate.superseded_requested_by == office
        assert SUPERSEDED_BY in client.get(reverse("certificates_admin:index")).content.decode()

    def test_viewer_without_change_cannot(self, client, certificate, learner):
        rename(learner)
        client.force_login(user_with_perms("courses.view_certificate"))
        response = client.post(reverse("certificates_admin:reissue", args=[certificate.pk]))
        assert response.status_code in (302, 403)
        assert Certificate.objects.count() == 1


def test_personal_data_export_and_erasure(certificate, learner):
    from accounts.personal_data import personal_data_erase, personal_data_export

    rename(learner)
    new, _ = certificate_reissue(certificate=certificate, by=learner)
    exported = personal_data_export(learner)["certificates"]
    assert [row["superseded_by"] for row in exported] == [new.code, None]
    personal_data_erase(learner)
    assert not Certificate.objects.exists()


def test_reminders_treat_the_superseded_one_as_replaced(home_page, learner):
    from tests.outreach.reminders.test_reminders import DAY, plan, send_due
    from tests.outreach.support import local, today_local

    now = local(today_local(), 10)
    course = course_create(home_page, title="Chữ ký số", slug="chu-ky-so", certificate_validity_months=12)
    old = certificate_issue(enrolment=enrolment_completed(learner, course, completed_at=now - 340 * DAY))
    Certificate.objects.filter(pk=old.pk).update(expires_at=now + 20 * DAY)
    plan(now)
    assert [d.subject_id for d in Delivery.objects.filter(kind=MessageKind.CERTIFICATE_EXPIRING)] == [old.pk]
    rename(learner)
    new, _ = certificate_reissue(certificate=Certificate.objects.get(pk=old.pk), by=learner)
    assert new.expires_at == now + 20 * DAY  # not a new expiry
    plan(now)
    plan(now + DAY)
    # One notice for the award, not one per code, and it still goes (the award did not end).
    expiring = list(Delivery.objects.filter(kind=MessageKind.CERTIFICATE_EXPIRING))
    assert len(expiring) == 1
    send_due(now)
    assert Delivery.objects.get(kind=MessageKind.CERTIFICATE_EXPIRING).status == "sent"


def test_reminder_for_the_old_code_is_cancelled_when_the_new_one_is_revoked(home_page, learner):
    from tests.outreach.reminders.test_reminders import DAY, plan, send_due
    from tests.outreach.support import local, today_local

    now = local(today_local(), 10)
    course = course_create(home_page, title="Chữ ký số", slug="chu-ky-so", certificate_validity_months=12)
    old = certificate_issue(enrolment=enrolment_completed(learner, course, completed_at=now - 340 * DAY))
    Certificate.objects.filter(pk=old.pk).update(expires_at=now + 20 * DAY)
    plan(now)
    rename(learner)
    new, _ = certificate_reissue(certificate=Certificate.objects.get(pk=old.pk), by=learner)
    certificate_revoke(certificate=new, by=None, reason="Sai sót")
    send_due(now)
    assert Delivery.objects.get(kind=MessageKind.CERTIFICATE_EXPIRING).status == "cancelled"


def test_insights_count_one_certificate_per_award(certificate, learner):
    from insights.models import UnitDayFigure
    from insights.services import figures_rebuild

    rename(learner)
    certificate_reissue(certificate=certificate, by=learner)
    day = certificate.issued_at.date()
    figures_rebuild(start=day - datetime.timedelta(days=1), end=day + datetime.timedelta(days=1))
    assert sum(UnitDayFigure.objects.values_list("certificates", flat=True)) == 1


def test_training_compliance_is_unaffected(home_page):
    from tests.outreach.support import assign, servant, training_course, tree

    units = tree()
    course = training_course(home_page, slug="an-toan", certificate_validity_months=12)
    person = servant(units["commune"], full_name=OLD_NAME)
    assign(course, [units["province"]])
    from courses.learning import services

    for lesson in course.lessons():
        services.lesson_complete(user=person, lesson=lesson, course=course)
    assignment = Assignment.objects.get(user=person, is_current=True)
    before = (assignment.status, assignment.completed_at, assignment.expires_on)
    latest = completions_latest(course_id=course.pk, user_ids=[person.pk])
    rename(person)
    certificate_reissue(certificate=Certificate.objects.get(user=person), by=person)
    assignment.refresh_from_db()
    assert (assignment.status, assignment.completed_at, assignment.expires_on) == before
    assert completions_latest(course_id=course.pk, user_ids=[person.pk]) == latest
    assert Assignment.objects.filter(user=person).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel writers (PostgreSQL)")
def test_concurrent_requests_make_one_new_certificate(home_page):
    course = course_create(home_page, title="Song song", slug="song-song")
    learner = UserFactory(full_name=OLD_NAME)
    old = certificate_issue(enrolment=enrolment_completed(learner, course))
    rename(learner)
    results = []
    errors = run_in_threads(
        8, lambda: results.append(certificate_reissue(certificate=Certificate.objects.get(pk=old.pk), by=learner))
    )
    assert errors == []
    assert Certificate.objects.filter(user=learner).count() == 2
    assert sum(1 for _new, created in results if created) == 1
    assert len({new.pk for new, _created in results}) == 1
