"""The generic transition endpoint passes on only what a service takes and answers bad bodies with 4xx."""

from tests.conftest import api_as


def _url(ticket, name):
    return f"/api/v1/testapp/tickets/{ticket.pk}/transition/{name}/"


def test_a_body_field_named_actor_cannot_impersonate_or_crash(ticket, applicant):
    response = api_as(applicant).post(_url(ticket, "submit"), {"actor": 1, "ticket": 2}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "submitted"


def test_a_structured_value_is_a_400_naming_the_field(ticket, applicant):
    response = api_as(applicant).post(_url(ticket, "submit"), {"note": {"a": 1}}, format="json")
    assert response.status_code == 400
    assert "note" in response.json()["error"]["fields"]


def test_a_non_text_reason_is_a_400_naming_reason(ticket, applicant):
    response = api_as(applicant).post(_url(ticket, "submit"), {"reason": ["x", "y"]}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]
