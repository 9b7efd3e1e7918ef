"""The recognition process through its services: the whole path, refusals, registry look-up,
deadlines with reminders and escalation, tacit recognition, and the personal data rules."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import deadlines
from portal.exceptions import PermissionDenied, TransitionNotAllowed, ValidationError
from portal.models import Deadline, DeadlineRule, Event, StateChange
from talent import services
from talent.models import Certificate, Credential, Person, RecognitionRequest, RequestState
from talent.permissions import may_see_id_number

from .factories import file_request, make_id_number, pdf, registry_entry, request_data

pytestmark = pytest.mark.django_db


def _deadline(req, kind):
    return Deadline.objects.get(object_id=str(req.pk), kind=kind, content_type__model="recognitionrequest")


def test_id_number_check_digit_is_enforced(agencies):
    with pytest.raises(ValidationError) as exc:
        file_request(agencies.employer, id_number="110105194912310021")
    assert "id_number" in exc.value.message_dict
    req = file_request(agencies.employer, id_number="11010519491231002X")
    assert req.person.id_number_masked == "110105********002X"


def test_id_number_is_stored_encrypted_never_in_clear(agencies):
    number = make_id_number()
    req = file_request(agencies.employer, id_number=number)
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM talent_person WHERE id = %s", [req.person_id])
        row = cur.fetchone()
    assert number not in " ".join(str(v) for v in row)
    assert Person.objects.get(pk=req.person_id).reveal_id_number() == number


def test_whole_path_submitted_to_recognized_issues_a_certificate(agencies):
    host, issuer = agencies.officer["120000"], agencies.officer["110000"]
    req = file_request(agencies.employer)
    assert req.state == RequestState.SUBMITTED
    assert Event.objects.filter(type="talent.request.submitted", recipient_ids__contains=[host.pk]).exists()

    services.request_forward(req, actor=host)
    req.refresh_from_db()
    assert req.state == RequestState.VERIFICATION_REQUESTED
    ack, ver = _deadline(req, "talent_acknowledge"), _deadline(req, "talent_verify")
    assert (ack.days, ver.days) == (5, 20)
    assert ack.responsible_organization == agencies.org["110000"]
    assert Event.objects.filter(
        type="talent.request.request_verification", recipient_ids__contains=[issuer.pk]
    ).exists()

    services.request_acknowledge(req, actor=issuer)
    ack.refresh_from_db()
    assert ack.status == Deadline.Status.MET
    services.request_verify(req, actor=issuer, reason="与本局档案一致")
    req.refresh_from_db()
    assert req.state == RequestState.VERIFIED
    decide = _deadline(req, "talent_decide")
    assert decide.responsible_organization == agencies.org["120000"] and decide.days == 20

    services.request_recognize(req, actor=host)
    req.refresh_from_db()
    assert req.state == RequestState.RECOGNIZED
    assert Certificate.objects.get(request=req).is_valid
    decide.refresh_from_db()
    assert decide.status == Deadline.Status.MET
    assert list(StateChange.objects.filter(object_id=str(req.pk)).values_list("to_state", flat=True)) == [
        "verification_requested",
        "acknowledged",
        "verified",
        "recognized",
    ]
    assert Event.objects.filter(
        type="talent.request.recognize", recipient_ids__contains=[agencies.employer.pk]
    ).exists()


def test_issuing_region_not_verifying_needs_a_reason_and_host_refuses_with_one(agencies):
    host, issuer = agencies.officer["120000"], agencies.officer["110000"]
    req = file_request(agencies.employer)
    services.request_forward(req, actor=host)
    with pytest.raises(ValidationError) as exc:
        services.request_not_verify(req, actor=issuer, reason="  ")
    assert "reason" in exc.value.message_dict
    services.request_not_verify(req, actor=issuer, reason="查无此证")
    req.refresh_from_db()
    assert req.state == RequestState.NOT_VERIFIED and req.verification_note == "查无此证"
    with pytest.raises(TransitionNotAllowed):
        services.request_recognize(req, actor=host)
    with pytest.raises(ValidationError):
        services.request_refuse(req, actor=host, reason="")
    services.request_refuse(req, actor=host, reason="发证地区未能核实")
    req.refresh_from_db()
    assert req.state == RequestState.REFUSED


def test_a_verified_credential_is_refused_only_with_a_reason(agencies):
    host, issuer = agencies.officer["120000"], agencies.officer["110000"]
    req = file_request(agencies.employer)
    services.request_forward(req, actor=host)
    services.request_verify(req, actor=issuer)
    with pytest.raises(ValidationError) as exc:
        services.request_refuse(req, actor=host, reason="")
    assert "reason" in exc.value.message_dict
    assert RecognitionRequest.objects.get(pk=req.pk).state == RequestState.VERIFIED


def test_wrong_party_is_refused_and_nothing_changes(agencies):
    host, issuer = agencies.officer["120000"], agencies.officer["110000"]
    hebei = agencies.officer["130000"]
    req = file_request(agencies.employer)
    with pytest.raises(PermissionDenied):
        services.request_forward(req, actor=issuer)  # only the host agency forwards
    services.request_forward(req, actor=host)
    for actor in (host, hebei, agencies.employer):
        with pytest.raises(PermissionDenied):
            services.request_verify(req, actor=actor)
    assert RecognitionRequest.objects.get(pk=req.pk).state == RequestState.VERIFICATION_REQUESTED
    with pytest.raises(PermissionDenied):
        services.request_file(actor=issuer, **request_data())


def test_filing_in_the_issuing_region_itself_is_refused(agencies):
    with pytest.raises(ValidationError) as exc:
        file_request(agencies.employer, issuing_region="120000", host_region="120000")
    assert "host_region" in exc.value.message_dict
    assert not RecognitionRequest.objects.exists() and not Credential.objects.exists()


def test_registry_look_up_verifies_at_once_without_evidence(agencies):
    number = make_id_number()
    registry_entry(certificate_number="BJ-REG-1", holder_name="李娜", id_number=number)
    req = file_request(
        agencies.employer, evidence=False, person_name="李娜", id_number=number, certificate_number="BJ-REG-1"
    )
    req.refresh_from_db()
    assert req.state == RequestState.VERIFIED and req.registry_entry is not None
    assert _deadline(req, "talent_decide").responsible_organization == agencies.org["120000"]
    assert not Deadline.objects.filter(object_id=str(req.pk), kind="talent_verify").exists()


def test_revoked_or_mismatched_registry_entry_does_not_verify(agencies):
    number = make_id_number()
    registry_entry(certificate_number="BJ-REG-2", holder_name="李娜", id_number=number, revoked=True)
    with pytest.raises(ValidationError) as exc:
        file_request(
            agencies.employer,
            evidence=False,
            person_name="李娜",
            id_number=number,
            certificate_number="BJ-REG-2",
        )
    assert "evidence" in exc.value.message_dict
    req = file_request(agencies.employer, person_name="李娜", id_number=number, certificate_number="BJ-REG-2")
    assert req.state == RequestState.SUBMITTED


def test_forwarding_uses_a_registry_imported_after_filing(agencies):
    number = make_id_number()
    req = file_request(agencies.employer, person_name="赵敏", id_number=number, certificate_number="BJ-REG-3")
    registry_entry(certificate_number="BJ-REG-3", holder_name="赵敏", id_number=number)
    services.request_forward(req, actor=agencies.officer["120000"])
    req.refresh_from_db()
    assert req.state == RequestState.VERIFIED and req.registry_entry_id


def test_documents_on_file_are_not_asked_for_again(agencies):
    number = make_id_number()
    first = file_request(agencies.employer, id_number=number, certificate_number="BJ-DOC-1")
    services.request_withdraw(first, actor=agencies.employer)
    second = services.request_file(
        actor=agencies.employer,
        **request_data(id_number=number, certificate_number="BJ-DOC-1", host_region="130000"),
    )
    assert second.credential_id == first.credential_id
    assert second.person_id == first.person_id


def test_one_open_request_per_credential_and_host_region(agencies):
    number = make_id_number()
    file_request(agencies.employer, id_number=number, certificate_number="BJ-DUP-1")
    with pytest.raises(ValidationError) as exc:
        file_request(agencies.employer, id_number=number, certificate_number="BJ-DUP-1")
    assert "certificate_number" in exc.value.message_dict


def test_database_refuses_a_same_region_request(agencies):
    req = file_request(agencies.employer)
    with pytest.raises(IntegrityError), transaction.atomic():
        RecognitionRequest.objects.filter(pk=req.pk).update(host_region_id="110000")


def test_deadline_reminder_then_escalation_to_the_issuing_regions_coordinator(agencies):
    host = agencies.officer["120000"]
    issuer, coordinator = agencies.officer["110000"], agencies.coordinator["110000"]
    req = file_request(agencies.employer)
    services.request_forward(req, actor=host)
    ack = _deadline(req, "talent_acknowledge")
    before = ack.due_at - datetime.timedelta(days=1)
    assert deadlines.send_reminders(now=before) >= 1
    reminder = Event.objects.get(
        type="deadline.reminder", object_id=str(req.pk), payload__kind="talent_acknowledge"
    )
    assert issuer.pk in reminder.recipient_ids and coordinator.pk not in reminder.recipient_ids
    after = ack.due_at + datetime.timedelta(hours=1)
    assert deadlines.escalate_overdue(now=after) >= 1
    escalation = Event.objects.get(
        type="deadline.escalated", object_id=str(req.pk), payload__kind="talent_acknowledge"
    )
    assert coordinator.pk in escalation.recipient_ids
    assert agencies.coordinator["120000"].pk not in escalation.recipient_ids
    assert deadlines.escalate_overdue(now=after) == 0  # once each


def test_region_rule_sets_other_days(agencies):
    DeadlineRule.objects.create(kind="talent_verify", region_id="110000", days=10)
    req = file_request(agencies.employer)
    services.request_forward(req, actor=agencies.officer["120000"])
    assert _deadline(req, "talent_verify").days == 10


def _verified(agencies):
    req = file_request(agencies.employer)
    services.request_forward(req, actor=agencies.officer["120000"])
    services.request_verify(req, actor=agencies.officer["110000"])
    return RecognitionRequest.objects.get(pk=req.pk)


def test_missed_host_deadline_means_recognition_only_where_the_region_says_so(agencies):
    req = _verified(agencies)
    late = _deadline(req, "talent_decide").due_at + datetime.timedelta(days=1)
    assert services.requests_tacitly_recognize(now=late) == 0
    assert RecognitionRequest.objects.get(pk=req.pk).state == RequestState.VERIFIED
    DeadlineRule.objects.create(kind="talent_decide", region_id="120000", days=20, tacit_approval=True)
    assert services.requests_tacitly_recognize(now=late) == 1
    req.refresh_from_db()
    assert req.state == RequestState.RECOGNIZED and req.tacit
    assert Certificate.objects.filter(request=req).exists()


def test_revocation_shows_on_verification(agencies):
    req = _verified(agencies)
    services.request_recognize(req, actor=agencies.officer["120000"])
    code = req.certificate.code
    assert services.certificate_verify(code=code)["status"] == "valid"
    with pytest.raises(PermissionDenied):
        services.request_revoke(req, actor=agencies.officer["110000"], reason="x")
    services.request_revoke(req, actor=agencies.officer["120000"], reason="证书系伪造")
    answer = services.certificate_verify(code=code)
    assert answer["status"] == "revoked" and not answer["valid"] and answer["revoked_on"]


def test_verification_confirms_an_id_number_without_revealing_it(agencies):
    number = make_id_number()
    req = file_request(agencies.employer, person_name="王建国", id_number=number)
    services.request_forward(req, actor=agencies.officer["120000"])
    services.request_verify(req, actor=agencies.officer["110000"])
    services.request_recognize(req, actor=agencies.officer["120000"])
    code = Certificate.objects.get(request=req).code
    answer = services.certificate_verify(code=code, id_number=number)
    assert answer["id_number_matches"] is True and answer["holder"] == "王**"
    assert number not in str(answer)
    assert services.certificate_verify(code=code, id_number=make_id_number())["id_number_matches"] is False
    assert services.certificate_verify(code="JJJ-UNKNOWN") is None


def test_only_the_two_agencies_involved_may_see_the_full_id_number(agencies):
    req = file_request(agencies.employer)
    assert may_see_id_number(agencies.officer["120000"], req)
    assert may_see_id_number(agencies.officer["110000"], req)
    for user in (agencies.officer["130000"], agencies.coordinator["120000"], agencies.employer):
        assert not may_see_id_number(user, req)


def test_appointment_across_regions_is_visible_to_both_regions(agencies):
    from talent.selectors import appointment_list
    from tests.factories import member

    beijing_lab = member("110000").organization
    appointment = services.appointment_create(
        actor=agencies.employer,
        person_name="陈思",
        id_number=make_id_number(),
        home_organization=beijing_lab,
        host_organization=agencies.employer.organization,
        role="特聘研究员",
        start_date="2026-01-01",
        end_date="2027-12-31",
    )
    for province in ("110000", "120000"):
        assert appointment_list(user=agencies.officer[province]).filter(pk=appointment.pk).exists()
    assert not appointment_list(user=agencies.officer["130000"]).filter(pk=appointment.pk).exists()
    with pytest.raises(ValidationError) as exc:
        services.appointment_create(
            actor=agencies.employer,
            person_name="陈思",
            id_number=make_id_number(),
            home_organization=beijing_lab,
            host_organization=agencies.employer.organization,
            role="顾问",
            start_date="2026-01-01",
            end_date="2025-12-31",
        )
    assert "end_date" in exc.value.message_dict


def test_evidence_is_needed_when_nothing_confirms_the_credential(agencies):
    with pytest.raises(ValidationError) as exc:
        file_request(agencies.employer, evidence=False)
    assert "evidence" in exc.value.message_dict
    assert not Person.objects.exists()
    assert pdf().name == "certificate.pdf"


def test_audit_log_and_events_never_hold_the_full_id_number(agencies):
    from portal.models import AuditEntry

    number = make_id_number()
    req = file_request(agencies.employer, id_number=number)
    services.request_forward(req, actor=agencies.officer["120000"])
    services.request_verify(req, actor=agencies.officer["110000"])
    services.request_recognize(req, actor=agencies.officer["120000"])
    for entry in AuditEntry.objects.all():
        assert number not in f"{entry.changes} {entry.message} {entry.object_repr}"
    for event in Event.objects.all():
        assert number not in f"{event.title} {event.body} {event.payload}"


def test_tacit_recognition_sweep_is_scheduled():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["talent-tacit-recognition"]
    assert entry["task"] == "talent.tasks.tacit_recognition_task"


def test_a_refused_step_is_audited_and_stays_on_record(agencies):
    from portal.models import AuditEntry

    req = file_request(agencies.employer)
    with pytest.raises(PermissionDenied):
        services.request_forward(req, actor=agencies.officer["130000"])
    assert AuditEntry.objects.filter(action="permission_denied", object_id=str(req.pk)).exists()
    with pytest.raises(TransitionNotAllowed):
        services.request_not_verify(req, actor=agencies.officer["110000"], reason="")  # state before input


@given(seed=st.integers(min_value=0, max_value=10**9), wrong=st.sampled_from("0123456789X"))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_check_digit_property_any_other_check_character_is_refused(seed, wrong):
    number = make_id_number(seed)
    assert services._clean_id_number(number) == number
    if wrong != number[-1]:
        with pytest.raises(ValidationError) as exc:
            services._clean_id_number(number[:-1] + wrong)
        assert "id_number" in exc.value.message_dict
