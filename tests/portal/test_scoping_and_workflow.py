"""Row-level scoping through the UI and the API, and the declarative workflow through the API."""

import pytest

from portal.models import AuditAction, AuditEntry, Deadline, Event, StateChange
from tests.conftest import api_as
from tests.testapp.models import Ticket

URL = "/api/v1/testapp/tickets/"


def _transition(user, ticket, name, **data):
    return api_as(user).post(f"{URL}{ticket.pk}/transition/{name}/", data, format="json")


@pytest.mark.django_db
def test_official_of_another_region_cannot_read_restricted_rows(ticket, bj_officer, tj_officer, client):
    # the province's own official sees it
    assert api_as(bj_officer).get(f"{URL}{ticket.pk}/").status_code == 200
    assert [r["id"] for r in api_as(bj_officer).get(URL).json()["results"]] == [ticket.pk]
    # Tianjin's official: absent from the list, 404 on the row, in the API and in the UI
    assert api_as(tj_officer).get(URL).json()["results"] == []
    assert api_as(tj_officer).get(f"{URL}{ticket.pk}/").status_code == 404
    client.force_login(tj_officer)
    assert client.get(f"/testapp/tickets/{ticket.pk}/").status_code == 404
    assert ticket.title not in client.get("/testapp/tickets/").content.decode()
    client.force_login(bj_officer)
    assert client.get(f"/testapp/tickets/{ticket.pk}/").status_code == 200
    # an unrestricted row is shared with every region's officials
    Ticket.objects.filter(pk=ticket.pk).update(restricted=False)
    assert api_as(tj_officer).get(f"{URL}{ticket.pk}/").status_code == 200


@pytest.mark.django_db
def test_transition_refused_for_the_wrong_role_is_403_and_audited(ticket, bj_officer):
    resp = _transition(bj_officer, ticket, "submit")  # only the applicant submits
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "permission_denied"
    entry = AuditEntry.objects.get(action=AuditAction.PERMISSION_DENIED, object_id=str(ticket.pk))
    assert entry.actor_id == bj_officer.pk and entry.message.startswith("submit")
    ticket.refresh_from_db()
    assert ticket.state == "draft"


@pytest.mark.django_db
def test_transition_refused_for_the_wrong_state_is_409(ticket, bj_officer):
    resp = _transition(bj_officer, ticket, "accept")
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "invalid_state"


@pytest.mark.django_db
def test_required_input_missing_is_400_naming_the_field(ticket, applicant, bj_officer):
    assert _transition(applicant, ticket, "submit").status_code == 200
    resp = _transition(bj_officer, ticket, "reject", reason="  ")
    assert resp.status_code == 400
    assert list(resp.json()["error"]["fields"]) == ["reason"]
    ticket.refresh_from_db()
    assert ticket.state == "submitted"  # nothing half-saved


@pytest.mark.django_db
def test_a_transition_does_everything_in_one_go(ticket, applicant, bj_officer):
    resp = _transition(applicant, ticket, "submit")
    assert resp.status_code == 200 and resp.json()["state"] == "submitted"
    change = StateChange.objects.get(object_id=str(ticket.pk))
    assert (change.from_state, change.to_state, change.actor_id) == ("draft", "submitted", applicant.pk)
    entry = AuditEntry.objects.get(action=AuditAction.TRANSITION, object_id=str(ticket.pk))
    assert entry.changes == {"state": ["draft", "submitted"]}
    event = Event.objects.get(type="ticket.submit")
    assert event.recipient_ids == [bj_officer.pk]
    deadline = Deadline.objects.get(object_id=str(ticket.pk), kind="review")
    assert deadline.status == "open" and deadline.responsible_organization_id == ticket.agency_id

    assert _transition(bj_officer, ticket, "accept").status_code == 200
    deadline.refresh_from_db()
    assert deadline.status == "met"
    assert Event.objects.filter(type="ticket.accept", recipient_ids=[applicant.pk]).exists()


@pytest.mark.django_db
def test_create_names_the_missing_field(applicant):
    resp = api_as(applicant).post(URL, {"title": ""}, format="json")
    assert resp.status_code == 400
    assert list(resp.json()["error"]["fields"]) == ["title"]
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_page_transitions_buttons_and_audited_denial(client, ticket, applicant, bj_officer):
    client.force_login(applicant)
    html = client.get(f"/testapp/tickets/{ticket.pk}/").content.decode()
    assert 'value="submit"' in html and 'value="accept"' not in html  # buttons follow role and state
    assert client.post(f"/testapp/tickets/{ticket.pk}/transition/", {"do": "submit"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "submitted"
    # the applicant may not accept: 403 page, and the denial stays in the audit log after the rollback
    assert client.post(f"/testapp/tickets/{ticket.pk}/transition/", {"do": "accept"}).status_code == 403
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, actor=applicant, object_id=str(ticket.pk)
    ).exists()
    client.force_login(bj_officer)
    html = client.get(f"/testapp/tickets/{ticket.pk}/").content.decode()
    assert 'value="accept"' in html and 'value="reject"' in html
    resp = client.post(
        f"/testapp/tickets/{ticket.pk}/transition/", {"do": "reject", "reason": ""}, follow=True
    )
    assert "此项为必填项" in resp.content.decode()  # the required reason, named, in Chinese
    ticket.refresh_from_db()
    assert ticket.state == "submitted"
