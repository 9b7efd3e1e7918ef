"""Each region's approvals stay within the budget it committed to the programme: checked under a row
lock by the joint-approval service, held by a check constraint in PostgreSQL, released on refusal and
withdrawal, and safe when officials approve at the same moment."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from cooperation import services
from cooperation.models import ApplicationState, ProgrammeRegion
from portal.exceptions import ValidationError
from portal.models import User
from tests.conftest import api_as
from tests.cooperation.factories import Cast, draft, open_programme, team

API = "/api/v1/cooperation"


def pending(cast: Cast, programme, topic, *, budget_bj="800000", budget_tj="700000"):
    """An application whose expert review is closed: Beijing and Tianjin decide."""
    app = draft(cast, programme, topic, participants=team(cast, budget_bj=budget_bj, budget_tj=budget_tj))
    services.submit_application(app, actor=cast.applicant)
    services.accept_application(app, actor=cast.tj_officer)
    review = services.assign_expert(app, actor=cast.tj_coord, expert=cast.expert1)
    services.submit_review(
        review,
        actor=cast.expert1,
        innovation=20,
        feasibility=18,
        team=22,
        collaboration=24,
        comments="路线清晰",
    )
    services.finish_review(app, actor=cast.tj_coord)
    app.refresh_from_db()
    assert app.state == ApplicationState.DECISION_PENDING
    return app


def share(programme, region="110000") -> ProgrammeRegion:
    return ProgrammeRegion.objects.get(programme=programme, region_id=region)


def commit(programme, region, budget):
    ProgrammeRegion.objects.filter(programme=programme, region_id=region).update(budget=Decimal(budget))


@pytest.mark.django_db
def test_a_region_cannot_approve_beyond_its_commitment_and_gets_it_back_on_refusal_or_withdrawal():
    cast = Cast()
    programme, topic = open_programme(cast)
    commit(programme, "110000", "1000000")
    first, second = pending(cast, programme, topic), pending(cast, programme, topic)

    r = api_as(cast.bj_officer).post(f"{API}/applications/{first.pk}/transition/approve/", {}, format="json")
    assert r.status_code == 200, r.content
    assert share(programme).allocated == Decimal("800000")
    # Beijing has 200,000 left and the second team asks 800,000 of it: refused, naming the budget
    r = api_as(cast.bj_officer).post(
        f"{API}/applications/{second.pk}/transition/approve/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert r.status_code == 400
    message = r.json()["error"]["fields"]["budget"][0]
    assert "Beijing" in message or "北京" in message
    assert "200000.00" in message and "800000" in message
    assert share(programme).allocated == Decimal("800000")
    assert not second.region_decisions.exists()
    # the officials see it on the programme page
    page = api_as(cast.bj_officer).get(f"{API}/programmes/{programme.pk}/").json()
    bj = next(x for x in page["regions"] if x["region"] == "110000")
    assert (bj["allocated"], bj["remaining"]) == ("800000.00", "200000.00")
    # applicants see the commitments, not the approvals still pending elsewhere
    seen = api_as(cast.applicant).get(f"{API}/programmes/{programme.pk}/").json()["regions"]
    assert {x["allocated"] for x in seen} == {None} and bj["budget"] == "1000000.00"

    # Tianjin refuses the first: Beijing's approval of it no longer binds Beijing's money
    services.refuse_application(first, actor=cast.tj_officer, reason="路线重复")
    assert share(programme).allocated == Decimal("0")
    assert share(programme, "120000").allocated == Decimal("0")
    services.approve_application(second, actor=cast.bj_officer)
    assert share(programme).allocated == Decimal("800000")
    # the applicant withdraws before Tianjin decides: Beijing's money is free again
    services.withdraw_application(second, actor=cast.applicant)
    assert share(programme).allocated == Decimal("0")

    # a fully approved application holds each region's share
    third = pending(cast, programme, topic, budget_bj="300000", budget_tj="400000")
    services.approve_application(third, actor=cast.tj_officer)
    services.approve_application(third, actor=cast.bj_officer)
    third.refresh_from_db()
    assert third.state == ApplicationState.APPROVED
    assert (share(programme).allocated, share(programme, "120000").allocated) == (
        Decimal("300000"),
        Decimal("400000"),
    )


@pytest.mark.django_db
def test_the_database_refuses_an_allocation_beyond_the_budget():
    cast = Cast()
    programme, _topic = open_programme(cast)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeRegion.objects.filter(programme=programme, region_id="110000").update(
            allocated=Decimal("10000000.01")
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeRegion.objects.filter(programme=programme, region_id="110000").update(
            allocated=Decimal("-1")
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_approvals_never_overspend_a_region():
    cast = Cast()
    programme, topic = open_programme(cast)
    commit(programme, "110000", "2000000")
    apps = [pending(cast, programme, topic) for _ in range(4)]  # 4 × 800,000 asked of Beijing
    officials = [cast.bj_officer, cast.bj_coord, cast.bj_officer, cast.bj_coord]
    barrier = threading.Barrier(len(apps))
    done, refused, failed = [], [], []

    def work(app, official):
        try:
            actor = User.objects.get(pk=official.pk)  # one instance per thread
            barrier.wait(10)
            services.approve_application(app, actor=actor)
            done.append(app.pk)
        except ValidationError as exc:
            refused.append(exc)
        except Exception as exc:  # noqa: BLE001 - any other error fails the test below
            failed.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=pair) for pair in zip(apps, officials, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not failed, failed
    assert len(done) == 2 and len(refused) == 2
    assert all("budget" in exc.message_dict for exc in refused)
    assert share(programme).allocated == Decimal("1600000")
    assert sum(a.region_decisions.filter(approved=True).count() for a in apps) == 2
