"""Every API response of the test suite is scanned for ID numbers in full (PIPL; issue 11).

``IdNumberScanMiddleware`` (test settings only) looks at every JSON answer under /api/ for an 18-digit
ID number with a valid GB 11643 check digit. For each one that a stored record holds (a person of the
talent app, a suspected infringer of a case), it asks the same policy the apps use whether the
signed-in user may see that number in full, and records a problem if not. ``tests/conftest.py``
fails the test that produced such a response. A number nobody stored (e.g. echoed back to its sender
in an input error) is not personal data we hold, and is ignored."""

from __future__ import annotations

import re
from collections import defaultdict

from django.core.exceptions import ValidationError

from portal.validators import validate_id_number

__all__ = ["ID_RE", "IdNumberScanMiddleware", "PROBLEMS", "known_id_numbers", "may_see_in_full"]

ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")
PROBLEMS: list[str] = []


def known_id_numbers() -> dict[str, list]:
    """Every ID number stored (decrypted), with the records holding it."""
    from ip_enforcement.models import Case
    from talent.models import Person

    numbers = defaultdict(list)
    for person in Person.objects.all():
        numbers[person.reveal_id_number()].append(person)
    for case in Case.objects.exclude(infringer_id_number_encrypted=None):
        numbers[case.infringer_id_number()].append(case)
    return numbers


def may_see_in_full(user, record) -> bool:
    from ip_enforcement.models import Case
    from talent.models import RecognitionRequest
    from talent.permissions import may_see_id_number

    if isinstance(record, Case):
        return record.may_see_id_number(user)
    return any(may_see_id_number(user, r) for r in RecognitionRequest.objects.filter(person=record))


def _valid(number: str) -> bool:
    try:
        validate_id_number(number)
    except ValidationError:
        return False
    return True


class IdNumberScanMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and not getattr(response, "streaming", False)
            and "json" in response.get("Content-Type", "")
        ):
            found = {n for n in ID_RE.findall(response.content.decode("utf-8", "replace")) if _valid(n)}
            if found:
                self._check(request, found)
        return response

    @staticmethod
    def _check(request, found: set[str]) -> None:
        from django.contrib.auth.models import AnonymousUser

        user = getattr(request, "user", None) or AnonymousUser()
        numbers = known_id_numbers()
        for number in found:
            records = numbers.get(number)
            if records and not any(may_see_in_full(user, r) for r in records):
                who = getattr(user, "username", "") or "anonymous"
                PROBLEMS.append(
                    f"{request.method} {request.path} showed {number[:6]}…{number[-4:]} in full to {who}"
                )
