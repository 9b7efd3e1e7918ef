"""The benchmark harness at a tiny scale: the generator fills every app in every state (with the
transfer app's own tsvectors), the baseline view serves the rows, the report writer writes both files."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client, override_settings

from bench.generate import BENCH_USERS, Counts, generate
from bench.report import evaluate_targets, write_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated():
    return generate(0.0002, seed=7, verbose=False)


def test_generator_fills_every_app_state_and_province(generated):
    from cooperation.models import Application as CoopApplication
    from cooperation.models import ApplicationState as CoopState
    from ip_enforcement.models import Referral, ReferralState
    from talent.models import Certificate, Credential, RecognitionRequest, RequestState
    from transfer.models import Listing, ListingState
    from vouchers.models import Claim, ClaimState, Voucher

    counts = Counts(0.0002)
    assert Listing.objects.count() == counts.listings
    assert Voucher.objects.count() == counts.vouchers
    assert CoopApplication.objects.count() == counts.coop_applications
    assert Credential.objects.count() == counts.credentials
    assert Referral.objects.count() == counts.referrals + counts.referral_pool
    assert set(Listing.objects.values_list("state", flat=True)) == set(ListingState.values)
    assert set(Listing.objects.values_list("province_id", flat=True)) == {"110000", "120000", "130000"}
    assert set(Claim.objects.values_list("state", flat=True)) == set(ClaimState.values)
    assert set(CoopApplication.objects.values_list("state", flat=True)) == set(CoopState.values)
    assert set(Referral.objects.values_list("state", flat=True)) == set(ReferralState.values)
    assert set(RecognitionRequest.objects.values_list("state", flat=True)) == set(RequestState.values)
    assert Certificate.objects.filter(code__in=generated["fixtures"]["certificate_codes"]).exists()
    assert generated["rows_per_s"] > 0 and generated["total_rows"] > 1000


def test_listing_tsvector_is_the_apps_own(generated):
    from portal import search
    from transfer.models import Listing

    listing = Listing.objects.order_by("id").first()
    literal = search.tsvector_literal(
        (listing.title, "A"),
        (listing.summary, "B"),
        (listing.description, "D"),
        (" ".join(listing.ip_refs), "C"),
    )
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT search_vector = %s::tsvector FROM {Listing._meta.db_table} WHERE id = %s",
            [literal, listing.pk],
        )
        assert cur.fetchone()[0] is True
    assert listing.key_terms == search.key_terms(listing.title, f"{listing.summary}\n{listing.description}")
    word = listing.title[:2]
    matches = Listing.objects.filter(search_vector__matches=search.tsquery_for(word)).count()
    assert matches == Listing.objects.filter(title__contains=word).count() or matches >= 1


def test_organizations_name_vectors_are_the_ones_organization_save_writes(generated):
    from portal import search
    from portal.models import Organization

    assert not Organization.objects.filter(search_vector__isnull=True).exists()
    org = Organization.objects.exclude(kind="agency").order_by("id").first()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT search_vector = %s::tsvector FROM portal_organization WHERE id = %s",
            [search.name_vector(org.name), org.pk],
        )
        assert cur.fetchone()[0] is True


@override_settings(ROOT_URLCONF="bench.urls")
def test_baseline_view_serves_the_scoped_rows(generated):
    from portal.models import User

    client = Client()
    client.force_login(User.objects.get(username=BENCH_USERS["official"]))
    resp = client.get("/bench/baseline/ip_referrals/?page_size=10")
    assert resp.status_code == 200
    rows = resp.json()["results"]
    assert len(rows) == 10 and rows[0]["id"] > rows[-1]["id"]
    anonymous = Client().get("/bench/baseline/transfer_listings/?page_size=5").json()["results"]
    assert {r["state"] for r in anonymous} <= {"published", "negotiating", "concluded"}


def test_report_writer_writes_markdown_and_json(tmp_path):
    run = {
        "concurrency": 8,
        "rps": 100.0,
        "p50_ms": 20.0,
        "p95_ms": 40.0,
        "p99_ms": 60.0,
        "ok_share": 1.0,
        "statuses": {"200": 10},
    }
    report = {
        "started_at": "2026-11-26T05:00:00",
        "database": "bench_x",
        "scale": 0.01,
        "machine": {"nproc": 2, "ram_gib": 24, "postgresql": "15"},
        "settings": {"concurrency": [8]},
        "rows": {"transfer.Listing": 10_000},
        "endpoints": [
            {
                "name": "vouchers (API list)",
                "user": "official",
                "method": "GET",
                "target_p95_ms": 50.0,
                "runs": [run],
                "baseline_runs": [{**run, "rps": 150.0}],
                "queries": {"10": {"queries": 8, "status": 200}, "50": {"queries": 8, "status": 200}},
            }
        ],
        "search_exactness": [
            {
                "word": "电池",
                "tsquery": "('电池')",
                "tsquery_matches": 5,
                "like_matches": 5,
                "missing": 0,
                "extra": 0,
                "tsquery_count_ms": 1.0,
                "like_scan_ms": 2.0,
            }
        ],
        "celery": {"events": 10, "delivered_per_s": 350.0, "lag_p95_s": 0.5, "capacity": {}, "lag": {}},
    }
    targets = {t["target"]: t["met"] for t in evaluate_targets(report)}
    assert targets["vouchers (API list): p95 < 50 ms at c=8"] is True
    assert targets["vouchers (API list): ≥ 0.5× the .values() view's req/s at c=8"] is True
    assert targets["outbox ≥ 300 events/s with one worker"] is True
    md, js = write_report(report, tmp_path, stamp="test")
    text = md.read_text()
    assert "| vouchers (API list) | official | 8 | 100.0 |" in text and "0.67×" in text
    assert "## Targets" in text and "## Celery outbox" in text
    data = json.loads(js.read_text())
    assert data["targets"] and data["endpoints"][0]["name"] == "vouchers (API list)"


def test_list_ratio_target_is_held_to_the_alternating_slices_where_the_run_has_them(tmp_path):
    """Two whole runs one after the other see different background load; the alternating slices
    share it, so where a run has them the target and the table use their ratio."""
    run = {
        "concurrency": 8,
        "rps": 40.0,
        "p50_ms": 20.0,
        "p95_ms": 40.0,
        "p99_ms": 60.0,
        "ok_share": 1.0,
        "statuses": {"200": 10},
        "paired": {"slices": 6, "slice_s": 2, "rps": 60.0, "baseline_rps": 100.0, "ratio": 0.6},
    }
    report = {
        "started_at": "2026-11-26T05:00:00",
        "settings": {"concurrency": [8]},
        "endpoints": [
            {
                "name": "talent requests (API list)",
                "user": "official",
                "method": "GET",
                "runs": [run],
                "baseline_runs": [{**run, "rps": 100.0, "paired": None}],
            }
        ],
    }
    (target,) = [t for t in evaluate_targets(report) if "×" in t["target"]]
    assert target["met"] is True
    assert target["measured"] == "0.60× (alternating slices: 60.0 vs 100.0 req/s; whole runs 0.40×)"
    md, _ = write_report(report, tmp_path, stamp="paired")
    assert "**0.60×** paired (0.40× whole runs)" in md.read_text()
    run["paired"]["ratio"] = 0.45
    (target,) = [t for t in evaluate_targets(report) if "×" in t["target"]]
    assert target["met"] is False
