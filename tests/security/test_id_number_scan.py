"""The suite-wide scan of API answers (tests/idscan.py) catches a stored ID number shown in full to
someone without the right, and lets through the official who has it."""

import pytest
from django.http import JsonResponse
from django.test import RequestFactory

from tests import idscan
from tests.factories import member
from tests.ip_enforcement.factories import ip_officer, make_case

pytestmark = pytest.mark.django_db

ID = "11010519491231002X"


def _answer(user, body: dict, path: str = "/api/v1/ip/cases/1/"):
    request = RequestFactory().get(path)
    request.user = user
    return idscan.IdNumberScanMiddleware(lambda r: JsonResponse(body))(request)


def test_a_stored_number_in_full_to_someone_without_the_right_is_caught():
    officer = ip_officer("110000")
    case = make_case(officer)
    case.set_infringer_id_number(ID)
    case.save()
    outsider = member("130000")
    _answer(outsider, {"infringer": {"id_number": ID}})
    caught = list(idscan.PROBLEMS)
    idscan.PROBLEMS.clear()  # this test made the leak on purpose
    assert len(caught) == 1 and "110105…002X" in caught[0] and outsider.username in caught[0]

    _answer(officer, {"infringer": {"id_number": ID}})  # the case's own agency may see it
    _answer(outsider, {"infringer": {"id_number": "110105********002X"}})  # masked
    _answer(outsider, {"id_number": ID}, path="/transfer/")  # not an API answer
    assert idscan.PROBLEMS == []
