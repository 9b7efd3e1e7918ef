"""Generate a realistic portal database at a chosen scale, with COPY.

    python -m bench.generate --scale 0.05 --database bench_portal

Scale 1.0 is 1,000,000 transfer listings, 200,000 vouchers with their claims, 50,000 joint-research
applications (and as many voucher applications), 50,000 IP referrals and 100,000 talent
credentials, with the organizations, users, programmes, cases, registry entries, certificates,
deadlines and notifications around them, in all three provinces and every workflow state. The
database is dropped and created anew, migrated with ``manage.py migrate``, then loaded; the indexes
of the large tables are built after the load. Listing tsvectors and key terms are computed by the
portal's own functions (``portal.search``), exactly as ``services.refresh_search`` does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from bench import env

__all__ = ["main", "generate", "Counts", "BENCH_PASSWORD", "BENCH_USERS", "recreate_database", "migrate"]

ROOT = Path(__file__).resolve().parent.parent
BENCH_PASSWORD = "Bench-Portal-2026!x"
BENCH_USERS = {
    # Tianjin market-regulation agency: agency officer and region coordinator (lists, dashboard, referrals).
    "official": "bench_official",
    # A Tianjin enterprise holding vouchers (voucher claim).
    "enterprise": "bench_enterprise",
}
PROVINCES = ("110000", "120000", "130000")
PROVINCE_NAMES = {"110000": "北京市", "120000": "天津市", "130000": "河北省"}
PROVINCE_WEIGHTS = (0.45, 0.25, 0.30)
HEBEI_CITIES = [
    "130100",
    "130200",
    "130300",
    "130400",
    "130500",
    "130600",
    "130700",
    "130800",
    "130900",
    "131000",
    "131100",
]
CENT = Decimal("0.01")


class Counts:
    """Row counts at a scale (with floors so a tiny scale still has every kind of row)."""

    def __init__(self, scale: float):
        def n(full: int, floor: int) -> int:
            return max(floor, round(full * scale))

        self.scale = scale
        self.listings = n(1_000_000, 300)
        self.vouchers = n(200_000, 200)
        self.coop_applications = n(50_000, 100)
        self.voucher_applications = n(50_000, 100)
        self.referrals = n(50_000, 100)
        self.credentials = n(100_000, 150)
        self.enterprises = n(40_000, 150)
        self.institutions = n(4_000, 30)
        self.providers = n(1_000, 20)
        self.cases = n(40_000, 80)
        self.assistance = n(10_000, 30)
        self.recognition = n(20_000, 150)
        self.appointments = n(5_000, 20)
        self.deals = n(20_000, 50)
        self.pairs = n(5_000, 30)
        self.valuations = n(10_000, 30)
        self.events = n(50_000, 100)
        self.experts = n(300, 10)
        # Sent referrals to the benchmark agency: what the referral-transition load consumes.
        self.referral_pool = max(200, min(6000, round(6000 * max(scale, 0.05))))

    def as_dict(self) -> dict:
        return dict(vars(self).items())


# --------------------------------------------------------------------------- database


def _admin_conn():
    import psycopg

    return psycopg.connect(
        host=env.PG_HOST, port=env.PG_PORT, user=env.PG_USER, dbname="postgres", autocommit=True
    )


def recreate_database(name: str) -> None:
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing database name {name!r}")
    with _admin_conn() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def migrate(verbose: bool = True) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "1" if verbose else "0"],
        check=True,
        cwd=ROOT,
        env=os.environ.copy(),
        stdout=None if verbose else subprocess.DEVNULL,
    )
    return time.perf_counter() - started


# --------------------------------------------------------------------------- identifiers


def _uscc(region_code: str, i: int, kind_char: str = "9", type_char: str = "1") -> str:
    from portal.validators import USCC_CHARSET, uscc_check_character

    digits = []
    x = i
    for _ in range(9):
        digits.append(USCC_CHARSET[x % 31])
        x //= 31
    first17 = f"{kind_char}{type_char}{region_code[:6]}" + "".join(reversed(digits))
    return first17 + uscc_check_character(first17)


def _id_number(rnd: random.Random, province: str) -> str:
    from portal.validators import id_number_check_character

    area = {"110000": "110105", "120000": "120101", "130000": "130102"}[province]
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rnd.randint(0, 40 * 365))
    first17 = f"{area}{birth:%Y%m%d}{rnd.randint(0, 999):03d}"
    return first17 + id_number_check_character(first17)


def _patent(rnd: random.Random) -> str:
    from transfer.validators import patent_check_character

    digits = f"{rnd.randint(2015, 2025)}{rnd.choice('12389')}{rnd.randint(0, 9_999_999):07d}"
    return f"ZL{digits}.{patent_check_character(digits)}"


def _money(lo: int, hi: int, rnd: random.Random, step: int = 100) -> Decimal:
    return Decimal(rnd.randrange(lo, hi, step)).quantize(CENT)


def _has_field(model, name: str) -> bool:
    return any(f.name == name for f in model._meta.concrete_fields)


def _model(label: str):
    """A model that may not exist yet in every version of the apps (None then)."""
    from django.apps import apps

    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _pick_state(rnd: random.Random, weights: dict[str, float]) -> str:
    return rnd.choices(list(weights), weights=list(weights.values()), k=1)[0]


# --------------------------------------------------------------------------- the generator


class Generator:
    def __init__(self, counts: Counts, *, seed: int = 20260101, distinct: int = 0, verbose: bool = True):
        from bench.copyload import Loader, LoadStats
        from bench.vocab import TextMaker

        self.c = counts
        self.rnd = random.Random(seed)
        self.text = TextMaker(seed)
        self.stats = LoadStats()
        self.loader = Loader(self.stats, verbose=verbose)
        self.distinct = distinct
        self.verbose = verbose
        self.now = self.loader.now
        self.today = self.now.date()
        self.ids: dict[str, int] = defaultdict(int)
        self.fixtures: dict = {}

    def next_id(self, key: str) -> int:
        self.ids[key] += 1
        return self.ids[key]

    def past(self, max_days: int = 3 * 365, min_days: int = 0) -> dt.datetime:
        return self.now - dt.timedelta(
            days=self.rnd.randint(min_days, max_days), seconds=self.rnd.randint(0, 86399)
        )

    def log(self, msg: str) -> None:
        if self.verbose:
            print(msg, flush=True)

    # ------------------------------------------------------------------ run

    def run(self) -> dict:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
        started = time.perf_counter()
        self.organizations()
        self.users()
        self.transfer()
        self.vouchers()
        self.cooperation()
        self.talent()
        self.ip()
        self.portal_records()
        self.finish()
        elapsed = time.perf_counter() - started
        total = self.stats.total_rows
        self.log(f"generated {total:,} rows in {elapsed:.1f} s: {total / elapsed:,.0f} rows/s overall")
        return {
            "rows": dict(self.stats.rows),
            "seconds": {k: round(v, 2) for k, v in self.stats.seconds.items()},
            "total_rows": total,
            "elapsed_s": round(elapsed, 1),
            "rows_per_s": round(total / elapsed),
            "fixtures": self.fixtures,
            "counts": self.c.as_dict(),
        }

    # ------------------------------------------------------------------ organizations and users

    def province(self) -> str:
        return self.rnd.choices(PROVINCES, weights=PROVINCE_WEIGHTS, k=1)[0]

    def region_in(self, province: str) -> str:
        if province == "130000":
            return self.rnd.choice(HEBEI_CITIES) if self.rnd.random() < 0.9 else "130000"
        return province

    def organizations(self) -> None:
        from portal import search
        from portal.models import AgencyDomain, Organization, OrganizationKind

        self.log("organizations")
        rows = []
        self.agencies: dict[tuple[str, str], int] = {}
        self.orgs_by_kind: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.org_province: dict[int, str] = {}
        self.org_region: dict[int, str] = {}
        self.org_uscc: dict[int, str] = {}
        self.org_name: dict[int, str] = {}
        domain_names = {
            AgencyDomain.SCIENCE: "科学技术局",
            AgencyDomain.HUMAN_RESOURCES: "人力资源和社会保障局",
            AgencyDomain.INTELLECTUAL_PROPERTY: "知识产权局",
            AgencyDomain.MARKET_REGULATION: "市场监督管理局",
            AgencyDomain.DEVELOPMENT: "发展和改革委员会",
            AgencyDomain.EDUCATION: "教育委员会",
            AgencyDomain.INDUSTRY: "工业和信息化局",
            AgencyDomain.GOVERNMENT_SERVICES: "政务服务管理局",
        }

        def add(kind: str, province: str, name: str, domain: str = "", region: str | None = None) -> int:
            oid = self.next_id("org")
            region = region or self.region_in(province)
            uscc = _uscc(region, oid, "1" if kind == "agency" else "9", "1")
            row = {
                "id": oid,
                "kind": kind,
                "name": name[:200],
                "uscc": uscc,
                "region_id": region,
                "province_id": province,
                "agency_domain": domain,
                "verified": True,
                "created_at": self.past(),
                # as Organization.save writes it
                "search_vector": search.name_vector(name[:200]),
            }
            if kind == OrganizationKind.ENTERPRISE:
                row["staff_count"] = self.rnd.randint(5, 3000)
                row["annual_revenue"] = _money(1_000_000, 900_000_000, self.rnd, 10_000)
                row["rd_ratio"] = Decimal(self.rnd.randint(50, 1500)) / 100
            rows.append(row)
            self.orgs_by_kind[kind][province].append(oid)
            self.org_province[oid] = province
            self.org_region[oid] = region
            self.org_uscc[oid] = uscc
            self.org_name[oid] = name
            return oid

        for p in PROVINCES:
            for domain, label in domain_names.items():
                self.agencies[(p, domain)] = add("agency", p, PROVINCE_NAMES[p] + label, domain, region=p)
        for kind, count in (
            (OrganizationKind.ENTERPRISE, self.c.enterprises),
            (OrganizationKind.UNIVERSITY, self.c.institutions // 3),
            (OrganizationKind.INSTITUTE, self.c.institutions - self.c.institutions // 3),
            (OrganizationKind.PROVIDER, self.c.providers),
        ):
            for i in range(count):
                add(kind, self.province(), self.text.org_name(kind, i))
        # The benchmark enterprise: Tianjin, first of its kind.
        self.bench_enterprise = add(
            OrganizationKind.ENTERPRISE, "120000", "津门动力电池科技有限公司(基准)", region="120000"
        )
        self.loader.load(Organization, rows)
        self.publishers = {
            p: self.orgs_by_kind["enterprise"][p]
            + self.orgs_by_kind["university"][p]
            + self.orgs_by_kind["institute"][p]
            for p in PROVINCES
        }

    def users(self) -> None:
        from portal.models import Membership, OrganizationKind, Role, User

        self.log("users")
        users, memberships = [], []
        self.org_user: dict[int, int] = {}
        self.agency_users: dict[int, list[int]] = defaultdict(list)

        def add(org_id: int | None, roles: list[str], name: str) -> int:
            uid = self.next_id("user")
            users.append(
                {
                    "id": uid,
                    "password": "!bench-unusable",
                    "username": f"u{uid}",
                    "email": f"u{uid}@bench.invalid",
                    "organization_id": org_id,
                    "display_name": name,
                    "date_joined": self.past(),
                }
            )
            for role in roles:
                memberships.append(
                    {"id": self.next_id("membership"), "user_id": uid, "role": role, "region_id": None}
                )
            return uid

        for (_p, _domain), org in self.agencies.items():
            self.agency_users[org].append(add(org, [Role.AGENCY_OFFICER], self.text.person_name()))
            self.agency_users[org].append(add(org, [Role.REGION_COORDINATOR], self.text.person_name()))
        for kind in (
            OrganizationKind.ENTERPRISE,
            OrganizationKind.UNIVERSITY,
            OrganizationKind.INSTITUTE,
            OrganizationKind.PROVIDER,
        ):
            role = Role.PROVIDER_MEMBER if kind == OrganizationKind.PROVIDER else Role.ENTERPRISE_MEMBER
            for p in PROVINCES:
                for org in self.orgs_by_kind[kind][p]:
                    self.org_user[org] = add(org, [role], self.text.person_name())
        unis = [
            o
            for p in PROVINCES
            for o in self.orgs_by_kind["university"][p] + self.orgs_by_kind["institute"][p]
        ]
        self.experts = [
            add(self.rnd.choice(unis), [Role.EXPERT_REVIEWER], self.text.person_name())
            for _ in range(self.c.experts)
        ]
        self.loader.load(User, users)
        self.loader.load(Membership, memberships)

    def bench_users(self) -> None:
        """The signed-in benchmark identities (real passwords), created through the ORM."""
        from bench.copyload import reset_sequences
        from portal.models import AgencyDomain, Membership, Role, User

        reset_sequences([User, Membership])
        official_org = self.agencies[("120000", AgencyDomain.MARKET_REGULATION)]
        spec = [
            (BENCH_USERS["official"], official_org, [Role.AGENCY_OFFICER, Role.REGION_COORDINATOR]),
            (BENCH_USERS["enterprise"], self.bench_enterprise, [Role.ENTERPRISE_MEMBER]),
        ]
        out = {}
        for username, org, roles in spec:
            user = User(
                username=username,
                email=f"{username}@bench.invalid",
                organization_id=org,
                display_name=username,
            )
            user.set_password(BENCH_PASSWORD)
            user.save()
            for role in roles:
                Membership.objects.create(user=user, role=role)
            out[username] = user.pk
        self.bench_user_ids = out
        self.fixtures["users"] = out
        self.fixtures["official_org"] = official_org
        self.fixtures["enterprise_org"] = self.bench_enterprise

    # ------------------------------------------------------------------ transfer

    def transfer(self) -> None:
        from bench.copyload import create_indexes, drop_indexes
        from portal import search
        from transfer.models import (
            Base,
            BaseKind,
            Deal,
            Listing,
            ListingState,
            MatchingList,
            MatchPair,
            PairState,
            ResultType,
            TechField,
            TransferMode,
            ValuationRequest,
            ValuationState,
        )

        self.log("transfer")
        rnd = self.rnd
        fields = list(TechField.values)
        bases, self.bases_by_province = [], defaultdict(list)
        for i in range(max(12, round(200 * max(self.c.scale, 0.06)))):
            p = PROVINCES[i % 3]
            bid = self.next_id("base")
            bases.append(
                {
                    "id": bid,
                    "kind": rnd.choice(BaseKind.values),
                    "name": f"{PROVINCE_NAMES[p]}{self.text.word()}概念验证与中试基地{i}",
                    "region_id": self.region_in(p),
                    "province_id": p,
                    "fields": rnd.sample(fields, 2),
                    "description": self.text.text(60, 120),
                    "operator_id": rnd.choice(self.publishers[p]),
                    "website": "",
                }
            )
            self.bases_by_province[p].append(bid)
        self.loader.load(Base, bases)

        states = {
            ListingState.PUBLISHED: 0.55,
            ListingState.NEGOTIATING: 0.08,
            ListingState.CONCLUDED: 0.07,
            ListingState.DRAFT: 0.10,
            ListingState.SUBMITTED: 0.08,
            ListingState.WITHDRAWN: 0.05,
            ListingState.EXPIRED: 0.07,
        }
        result_types = [v for v in ResultType.values if v]
        modes = list(TransferMode.values)
        self.public_supply: list[int] = []
        self.public_demand: list[int] = []
        indexes = drop_indexes(Listing)
        cache: list[tuple] = []
        distinct = self.distinct

        def texts(i: int) -> tuple[str, str, str, list[str], str, list[str]]:
            if distinct and i >= distinct:
                return cache[i % distinct]
            title = self.text.title()
            description = self.text.text()
            summary = description[: rnd.randint(60, 140)]
            ip_refs = [_patent(rnd)] if rnd.random() < 0.3 else []
            vector = search.tsvector_literal(
                (title, "A"), (summary, "B"), (description, "D"), (" ".join(ip_refs), "C")
            )
            terms = search.key_terms(title, f"{summary}\n{description}")
            out = (title, summary, description, ip_refs, vector, terms)
            if distinct:
                cache.append(out)
            return out

        def rows():
            for i in range(self.c.listings):
                lid = self.next_id("listing")
                p = self.province()
                owner = rnd.choice(self.publishers[p])
                kind = "supply" if rnd.random() < 0.6 else "demand"
                state = _pick_state(rnd, states)
                title, summary, description, ip_refs, vector, terms = texts(i)
                created = self.past()
                negotiable = rnd.random() < 0.3
                if state == ListingState.EXPIRED:
                    expires = self.today - dt.timedelta(days=rnd.randint(1, 400))
                else:
                    expires = self.today + dt.timedelta(days=rnd.randint(30, 700))
                if state in (ListingState.PUBLISHED, ListingState.NEGOTIATING):
                    (self.public_supply if kind == "supply" else self.public_demand).append(lid)
                yield {
                    "id": lid,
                    "kind": kind,
                    "result_type": rnd.choice(result_types) if kind == "supply" else "",
                    "title": title,
                    "summary": summary,
                    "description": description,
                    "field": rnd.choice(fields),
                    "trl": rnd.randint(1, 9) if rnd.random() < 0.9 else None,
                    "ip_refs": ip_refs if kind == "supply" else [],
                    "transfer_mode": rnd.choice(modes),
                    "price": None if negotiable else _money(10_000, 50_000_000, rnd, 1000),
                    "negotiable": negotiable,
                    "owner_id": owner,
                    "region_id": self.org_region[owner],
                    "province_id": p,
                    "base_id": rnd.choice(self.bases_by_province[p]) if rnd.random() < 0.1 else None,
                    "contact_name": self.text.person_name(),
                    "contact_phone": f"13{rnd.randint(0, 999_999_999):09d}",
                    "contact_email": "",
                    "expires_on": expires,
                    "state": state,
                    "created_by_id": self.org_user[owner],
                    "published_at": created + dt.timedelta(days=2)
                    if state in (ListingState.PUBLISHED, ListingState.NEGOTIATING, ListingState.CONCLUDED)
                    else None,
                    "search_vector": vector,
                    "key_terms": terms,
                    "created_at": created,
                    "updated_at": created,
                }

        self.loader.load(Listing, rows())
        create_indexes(Listing, indexes, self.stats)

        mlists = []
        mlist_ids = []
        for p in PROVINCES:
            for _q, period in enumerate(["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]):
                mid = self.next_id("mlist")
                mlist_ids.append(mid)
                mlists.append(
                    {
                        "id": mid,
                        "province_id": p,
                        "period": period,
                        "title": f"{PROVINCE_NAMES[p]}{period}供需对接清单",
                        "created_by_id": self.agency_users[self.agencies[(p, "science")]][1],
                    }
                )
        self.loader.load(MatchingList, mlists)

        def pairs():
            seen = set()
            for _ in range(self.c.pairs):
                if not self.public_demand or not self.public_supply:
                    return
                key = (rnd.choice(mlist_ids), rnd.choice(self.public_demand), rnd.choice(self.public_supply))
                if key in seen:
                    continue
                seen.add(key)
                yield {
                    "id": self.next_id("pair"),
                    "matching_list_id": key[0],
                    "demand_id": key[1],
                    "supply_id": key[2],
                    "score": round(rnd.uniform(1, 20), 3),
                    "reasons": "同领域, 3 个共同关键词",
                    "state": rnd.choice(PairState.values),
                }

        self.loader.load(MatchPair, pairs())
        providers = [o for p in PROVINCES for o in self.orgs_by_kind["provider"][p]]

        def valuations():
            for _ in range(self.c.valuations):
                state = rnd.choice(ValuationState.values)
                yield {
                    "id": self.next_id("valuation"),
                    "listing_id": rnd.choice(self.public_supply),
                    "institution_id": rnd.choice(providers),
                    "requested_by_id": None,
                    "note": "请评估该成果的市场价值",
                    "state": state,
                    "result_value": _money(100_000, 9_000_000, rnd, 1000) if state == "completed" else None,
                    "result_note": "收益法评估" if state == "completed" else "",
                }

        self.loader.load(ValuationRequest, valuations())

        def deals():
            for i in range(self.c.deals):
                p = self.province()
                seller = rnd.choice(self.publishers[p])
                if rnd.random() < 0.7:
                    bp = self.province()
                    buyer = rnd.choice(self.publishers[bp])
                    buyer_region, buyer_province = self.org_region[buyer], bp
                else:
                    buyer, buyer_region, buyer_province = None, None, None
                signed = self.today - dt.timedelta(days=rnd.randint(0, 4 * 365))
                yield {
                    "id": self.next_id("deal"),
                    "listing_id": None,
                    "title": self.text.title(8, 20),
                    "field": rnd.choice(fields),
                    "contract_amount": _money(50_000, 80_000_000, rnd, 1000),
                    "registration_number": f"{signed.year}{p[:2]}{i:08d}",
                    "seller_id": seller,
                    "seller_region_id": self.org_region[seller],
                    "seller_province_id": p,
                    "buyer_id": buyer,
                    "buyer_name": self.org_name[buyer] if buyer else f"广东{self.text.word()}科技有限公司",
                    "buyer_region_id": buyer_region,
                    "buyer_province_id": buyer_province,
                    "within_region": buyer_province is not None,
                    "signed_on": signed,
                    "base_id": None,
                }

        self.loader.load(Deal, deals())
        Showcase, ShowcaseItem = _model("transfer.Showcase"), _model("transfer.ShowcaseItem")
        if Showcase is not None and ShowcaseItem is not None and self.public_supply:
            showcases, items = [], []
            for p in PROVINCES:
                for k in range(4):
                    sid = self.next_id("showcase")
                    start = self.today - dt.timedelta(days=90 * k)
                    showcases.append(
                        {
                            "id": sid,
                            "province_id": p,
                            "title": f"{PROVINCE_NAMES[p]}科技成果路演第{k + 1}期",
                            "description": self.text.text(60, 120),
                            "venue": "成果转化中心",
                            "starts_on": start,
                            "ends_on": start + dt.timedelta(days=2),
                            "created_by_id": self.agency_users[self.agencies[(p, "science")]][1],
                        }
                    )
                    for listing in rnd.sample(self.public_supply, min(20, len(self.public_supply))):
                        items.append(
                            {
                                "id": self.next_id("showcaseitem"),
                                "showcase_id": sid,
                                "listing_id": listing,
                                "note": "推荐",
                            }
                        )
            self.loader.load(Showcase, showcases)
            self.loader.load(ShowcaseItem, items)
        # Demands to ask matches for: public demands with key terms.
        self.fixtures["demand_ids"] = self.public_demand[:: max(1, len(self.public_demand) // 50)][:50]
        self.fixtures["listing_ids"] = (self.public_supply + self.public_demand)[
            :: max(1, self.c.listings // 500)
        ][:500]

    # ------------------------------------------------------------------ vouchers

    def vouchers(self) -> None:
        from vouchers.models import (
            Allowance,
            Application,
            ApplicationState,
            BatchState,
            Claim,
            ClaimState,
            LedgerEntry,
            LedgerKind,
            Programme,
            Provider,
            ProviderState,
            Service,
            ServiceCategory,
            SettlementBatch,
            Voucher,
            VoucherState,
        )

        self.log("vouchers")
        rnd = self.rnd
        programmes = []
        self.programmes: dict[tuple[str, int], dict] = {}
        for p in PROVINCES:
            for year in (2024, 2025, 2026):
                pid = self.next_id("vprogramme")
                row = {
                    "id": pid,
                    "name": f"{PROVINCE_NAMES[p]}{year}年度创新券",
                    "region_id": p,
                    "agency_id": self.agencies[(p, "science")],
                    "year": year,
                    "total_budget": Decimal("500000000000.00"),
                    "issued_total": Decimal("0.00"),
                    "cap_per_enterprise": Decimal("5000000.00"),
                    "subsidy_ratio": Decimal("0.500"),
                    "max_staff": 1000,
                    "max_revenue": Decimal("400000000.00"),
                    "min_rd_ratio": Decimal("2.00"),
                    "valid_from": dt.date(year, 1, 1),
                    "valid_until": dt.date(year + 1, 12, 31),
                    "open": year >= 2025,
                }
                if year < 2025 and _has_field(Programme, "closed_at"):
                    row["closed_at"] = dt.datetime(year + 1, 12, 31, 16, tzinfo=dt.UTC)
                    row["close_reason"] = "年度结束"
                programmes.append(row)
                self.programmes[(p, year)] = row
        self.loader.load(Programme, programmes)

        providers, services = [], []
        self.approved_providers: list[int] = []
        self.provider_services: dict[int, list[tuple[int, str, Decimal]]] = defaultdict(list)
        provider_province = {}
        provider_org = {}
        categories = list(ServiceCategory.values)
        for p in PROVINCES:
            for org in self.orgs_by_kind["provider"][p]:
                prid = self.next_id("provider")
                state = _pick_state(
                    rnd,
                    {
                        ProviderState.APPROVED: 0.85,
                        ProviderState.PENDING: 0.07,
                        ProviderState.REFUSED: 0.04,
                        ProviderState.SUSPENDED: 0.04,
                    },
                )
                providers.append(
                    {
                        "id": prid,
                        "organization_id": org,
                        "province_id": p,
                        "description": self.text.text(40, 100),
                        "contact": "010-12345678",
                        "state": state,
                    }
                )
                provider_province[prid] = p
                provider_org[prid] = org
                if state == ProviderState.APPROVED:
                    self.approved_providers.append(prid)
                for k in range(5):
                    sid = self.next_id("service")
                    cat = categories[k % len(categories)]
                    price = _money(500, 200_000, rnd, 100)
                    services.append(
                        {
                            "id": sid,
                            "provider_id": prid,
                            "name": f"{self.text.word()}{['检测', '分析', '研发', '设计', '机时'][k]}服务",
                            "model_number": f"M-{sid}",
                            "category": cat,
                            "unit_price": price,
                            "unit": "次",
                            "active": True,
                        }
                    )
                    self.provider_services[prid].append((sid, cat, price))
        self.loader.load(Provider, providers)
        self.loader.load(Service, services)

        # Vouchers and their claims, planned in Python so every money invariant holds.
        enterprises = {p: self.orgs_by_kind["enterprise"][p] for p in PROVINCES}
        vouchers, claims, ledger, batches = [], [], [], []
        voucher_apps: list[dict] = []
        paid_groups: dict[tuple[str, int], list[dict]] = defaultdict(list)
        bench_vouchers = []
        n_apps_linked = min(self.c.voucher_applications * 7 // 10, self.c.vouchers)
        claim_states = {
            ClaimState.BOOKED: 0.15,
            ClaimState.FILED: 0.12,
            ClaimState.CONFIRMED: 0.10,
            ClaimState.APPROVED: 0.18,
            ClaimState.PAID: 0.30,
            ClaimState.REJECTED: 0.08,
            ClaimState.CANCELLED: 0.07,
        }
        for i in range(self.c.vouchers):
            bench = i < 30
            p = "120000" if bench else self.province()
            year = 2026 if bench else rnd.choice((2024, 2025, 2025, 2026, 2026))
            prog = self.programmes[(p, year)]
            holder = self.bench_enterprise if bench else rnd.choice(enterprises[p])
            vid = self.next_id("voucher")
            amount = _money(10_000, 100_000, rnd, 1000)
            state = VoucherState.ACTIVE
            if year == 2024:
                state = VoucherState.EXPIRED
            elif not bench and rnd.random() < 0.03:
                state = VoucherState.REVOKED
            reserved = redeemed = Decimal("0.00")
            balance = amount
            created = self.now - dt.timedelta(days=rnd.randint(40, 300))
            for _ in range(0 if bench else rnd.choice((0, 1, 1, 2, 2, 3))):
                prid = rnd.choice(self.approved_providers)
                sid, _cat, unit_price = rnd.choice(self.provider_services[prid])
                qty = Decimal(rnd.randint(1, 4))
                price = (unit_price * qty).quantize(CENT)
                cstate = _pick_state(rnd, claim_states)
                claim_amount = Decimal("0.00")
                if cstate in (ClaimState.FILED, ClaimState.CONFIRMED, ClaimState.APPROVED, ClaimState.PAID):
                    claim_amount = min((price * Decimal("0.5")).quantize(CENT), balance)
                    if claim_amount <= 0:
                        cstate = ClaimState.CANCELLED
                        claim_amount = Decimal("0.00")
                    balance -= claim_amount
                    if cstate in (ClaimState.FILED, ClaimState.CONFIRMED):
                        reserved += claim_amount
                    elif claim_amount > 0:
                        redeemed += claim_amount
                cid = self.next_id("claim")
                claim = {
                    "id": cid,
                    "voucher_id": vid,
                    "provider_id": prid,
                    "service_id": sid,
                    "issuing_region_id": p,
                    "provider_region_id": provider_province[prid],
                    "booked_by_id": self.org_user[holder],
                    "quantity": qty,
                    "price": price,
                    "subsidy_ratio": Decimal("0.500"),
                    "amount": claim_amount,
                    "state": cstate,
                    "rating": rnd.randint(3, 5) if cstate in (ClaimState.APPROVED, ClaimState.PAID) else None,
                    "comment": "",
                    "batch_id": None,
                    "filed_at": created + dt.timedelta(days=20) if cstate != ClaimState.BOOKED else None,
                    "decided_at": created + dt.timedelta(days=30)
                    if cstate in (ClaimState.APPROVED, ClaimState.PAID, ClaimState.REJECTED)
                    else None,
                    "created_at": created + dt.timedelta(days=5),
                }
                claims.append(claim)
                if cstate == ClaimState.PAID and claim_amount > 0:
                    paid_groups[(p, prid)].append(claim)
                if cstate in (ClaimState.APPROVED, ClaimState.PAID) and claim_amount > 0:
                    ledger.append(
                        {
                            "kind": LedgerKind.REDEMPTION,
                            "programme_id": prog["id"],
                            "voucher_id": vid,
                            "claim_id": cid,
                            "amount": claim_amount,
                        }
                    )
            app_id = None
            if i < n_apps_linked:
                app_id = self.next_id("vapplication")
                voucher_apps.append(
                    {
                        "id": app_id,
                        "programme_id": prog["id"],
                        "applicant_id": holder,
                        "submitted_by_id": self.org_user[holder],
                        "amount": amount,
                        "purpose": "委托检测与联合研发",
                        "state": ApplicationState.APPROVED,
                        "decision_reason": "符合条件",
                        "created_at": created - dt.timedelta(days=10),
                    }
                )
            vouchers.append(
                {
                    "id": vid,
                    "code": f"JJJ-{p[:2]}-{year}-{vid:010X}",
                    "programme_id": prog["id"],
                    "holder_id": holder,
                    "application_id": app_id,
                    "amount": amount,
                    "reserved": reserved,
                    "redeemed": redeemed,
                    "returned": Decimal("0.00"),
                    "expires_on": prog["valid_until"],
                    "state": state,
                    "created_at": created,
                }
            )
            ledger.append(
                {"kind": LedgerKind.ISSUE, "programme_id": prog["id"], "voucher_id": vid, "amount": amount}
            )
            if bench:
                bench_vouchers.append(vid)
        # Applications still open or refused (no voucher).
        for _ in range(self.c.voucher_applications - n_apps_linked):
            p = self.province()
            holder = rnd.choice(enterprises[p])
            state = ApplicationState.SUBMITTED if rnd.random() < 0.6 else ApplicationState.REFUSED
            voucher_apps.append(
                {
                    "id": self.next_id("vapplication"),
                    "programme_id": self.programmes[(p, 2026)]["id"],
                    "applicant_id": holder,
                    "submitted_by_id": self.org_user[holder],
                    "amount": _money(10_000, 100_000, rnd, 1000),
                    "purpose": "委托检测",
                    "state": state,
                    "decision_reason": "研发投入占比不足" if state == ApplicationState.REFUSED else "",
                }
            )
        for (p, prid), group in paid_groups.items():
            for start in range(0, len(group), 50):
                chunk = group[start : start + 50]
                bid = self.next_id("batch")
                total = sum((c["amount"] for c in chunk), Decimal("0.00"))
                batches.append(
                    {
                        "id": bid,
                        "issuing_region_id": p,
                        "provider_id": prid,
                        "total": total,
                        "state": BatchState.PAID,
                        "created_by_id": self.agency_users[self.agencies[(p, "science")]][0],
                        "paid_at": self.now - dt.timedelta(days=rnd.randint(1, 200)),
                        "payment_reference": f"PAY-{bid:08d}",
                    }
                )
                for c in chunk:
                    c["batch_id"] = bid
                ledger.append(
                    {
                        "kind": LedgerKind.PAYMENT,
                        "programme_id": self.programmes[(p, 2025)]["id"],
                        "amount": total,
                        "note": f"batch {bid}",
                    }
                )
        self.loader.load(Application, voucher_apps, label="vouchers.Application")
        self.loader.load(Voucher, vouchers)
        self.loader.load(SettlementBatch, batches)
        self.loader.load(Claim, claims)
        for prog in programmes:
            ledger.append(
                {"kind": LedgerKind.ALLOCATION, "programme_id": prog["id"], "amount": prog["total_budget"]}
            )
        for row in ledger:
            row["id"] = self.next_id("ledger")
            row.setdefault("voucher_id", None)
            row.setdefault("claim_id", None)
            row.setdefault("note", "")
            row["at"] = self.now
            row["actor_id"] = None
        self.loader.load(LedgerEntry, ledger)
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(
                f"""
                INSERT INTO {Allowance._meta.db_table} (programme_id, organization_id, cap, issued)
                SELECT v.programme_id, v.holder_id, p.cap_per_enterprise, SUM(v.amount)
                FROM {Voucher._meta.db_table} v JOIN {Programme._meta.db_table} p ON p.id = v.programme_id
                GROUP BY v.programme_id, v.holder_id, p.cap_per_enterprise
                """
            )
            cur.execute(
                f"""
                UPDATE {Programme._meta.db_table} p SET issued_total = s.total
                FROM (SELECT programme_id, SUM(amount) AS total FROM {Voucher._meta.db_table} GROUP BY programme_id) s
                WHERE s.programme_id = p.id
                """
            )
        # What the claim-booking load uses: the bench enterprise's active vouchers and services its
        # programme admits (approved providers, any region).
        tj = self.programmes[("120000", 2026)]
        svc = []
        for prid in self.approved_providers[:40]:
            for sid, cat, _price in self.provider_services[prid]:
                if cat in ServiceCategory.values:
                    svc.append(sid)
        self.fixtures["voucher_ids"] = bench_vouchers
        self.fixtures["service_ids"] = svc[:40]
        self.fixtures["voucher_programme"] = tj["id"]
        _ = provider_org

    # ------------------------------------------------------------------ cooperation

    def cooperation(self) -> None:
        from cooperation.models import (
            Application,
            ApplicationState,
            Consortium,
            ConsortiumKind,
            ConsortiumMember,
            ConsortiumStatus,
            KeyField,
            Participant,
            Programme,
            ProgrammeRegion,
            ProgrammeState,
            Project,
            ProjectState,
            RegionDecision,
            Review,
            ReviewState,
            Topic,
        )

        self.log("cooperation")
        rnd = self.rnd
        programmes, shares, topics = [], [], []
        topic_ids: dict[int, list[int]] = {}
        years = [2022, 2023, 2024, 2025, 2026]
        pstate = {
            2022: ProgrammeState.FINISHED,
            2023: ProgrammeState.FINISHED,
            2024: ProgrammeState.CLOSED,
            2025: ProgrammeState.CLOSED,
            2026: ProgrammeState.OPEN,
        }
        for k, year in enumerate(years):
            lead = PROVINCES[k % 3]
            pid = self.next_id("cprogramme")
            organizer = self.agencies[(lead, "science")]
            programmes.append(
                {
                    "id": pid,
                    "year": year,
                    "title": f"{year}年度京津冀基础研究合作专项",
                    "guide": self.text.text(100, 200),
                    "lead_region_id": lead,
                    "organizer_id": organizer,
                    "opens_at": dt.datetime(year, 3, 1, tzinfo=dt.UTC),
                    "closes_at": dt.datetime(year, 5, 1, tzinfo=dt.UTC),
                    "min_regions": 2,
                    "funding_cap": Decimal("3000000.00"),
                    "state": pstate[year],
                    "created_by_id": self.agency_users[organizer][1],
                }
            )
            for p in PROVINCES:
                shares.append(
                    {
                        "id": self.next_id("cshare"),
                        "programme_id": pid,
                        "region_id": p,
                        "budget": Decimal("900000000000.00"),
                        "approved_by_id": self.agency_users[self.agencies[(p, "science")]][1],
                        "approved_at": dt.datetime(year, 2, 1, tzinfo=dt.UTC),
                    }
                )
            topic_ids[pid] = []
            for t, field in enumerate(list(KeyField.values) * 2):
                tid = self.next_id("ctopic")
                topic_ids[pid].append(tid)
                topics.append(
                    {
                        "id": tid,
                        "programme_id": pid,
                        "code": f"{year}-{t + 1:02d}",
                        "title": self.text.title(8, 16),
                        "field": field,
                        "description": self.text.text(60, 120),
                    }
                )
        self.loader.load(Programme, programmes, label="cooperation.Programme")
        self.loader.load(ProgrammeRegion, shares)
        self.loader.load(Topic, topics)

        states = {
            ApplicationState.DRAFT: 0.08,
            ApplicationState.SUBMITTED: 0.10,
            ApplicationState.RETURNED: 0.05,
            ApplicationState.UNDER_REVIEW: 0.17,
            ApplicationState.DECISION_PENDING: 0.08,
            ApplicationState.APPROVED: 0.22,
            ApplicationState.REJECTED: 0.25,
            ApplicationState.WITHDRAWN: 0.05,
        }
        apps, participants, reviews, decisions, projects = [], [], [], [], []
        prog_by_year = {p["year"]: p for p in programmes}
        for _ in range(self.c.coop_applications):
            year = rnd.choice(years)
            prog = prog_by_year[year]
            state = _pick_state(rnd, states)
            if year == 2026 and state in (ApplicationState.APPROVED, ApplicationState.REJECTED):
                state = ApplicationState.UNDER_REVIEW
            lead_p = self.province()
            lead = rnd.choice(self.publishers[lead_p])
            aid = self.next_id("capp")
            created = dt.datetime(year, 3, 2, tzinfo=dt.UTC) + dt.timedelta(days=rnd.randint(0, 55))
            submitted = state != ApplicationState.DRAFT
            decided = state in (ApplicationState.APPROVED, ApplicationState.REJECTED)
            apps.append(
                {
                    "id": aid,
                    "programme_id": prog["id"],
                    "topic_id": rnd.choice(topic_ids[prog["id"]]),
                    "title": self.text.title(12, 30),
                    "lead_organization_id": lead,
                    "research_plan": self.text.text(150, 300),
                    "state": state,
                    "created_by_id": self.org_user[lead],
                    "submitted_at": created + dt.timedelta(days=3) if submitted else None,
                    "decided_at": dt.datetime(year, 9, 1, tzinfo=dt.UTC) if decided else None,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            others = [p for p in PROVINCES if p != lead_p]
            team = [(lead, lead_p, True)] + [
                (rnd.choice(self.publishers[p]), p, False) for p in rnd.sample(others, rnd.choice((1, 2)))
            ]
            for org, p, is_lead in team:
                participants.append(
                    {
                        "id": self.next_id("cpart"),
                        "application_id": aid,
                        "organization_id": org,
                        "province_id": p,
                        "is_lead": is_lead,
                        "principal_investigator": self.text.person_name(),
                        "budget": _money(200_000, 1_000_000, rnd, 10_000),
                    }
                )
            if state in (
                ApplicationState.UNDER_REVIEW,
                ApplicationState.DECISION_PENDING,
                ApplicationState.APPROVED,
                ApplicationState.REJECTED,
            ):
                for expert in rnd.sample(self.experts, min(3, len(self.experts))):
                    done = state != ApplicationState.UNDER_REVIEW or rnd.random() < 0.5
                    reviews.append(
                        {
                            "id": self.next_id("creview"),
                            "application_id": aid,
                            "expert_id": expert,
                            "assigned_by_id": prog["created_by_id"],
                            "state": ReviewState.SUBMITTED if done else ReviewState.ASSIGNED,
                            "innovation": rnd.randint(10, 25) if done else None,
                            "feasibility": rnd.randint(10, 25) if done else None,
                            "team": rnd.randint(10, 25) if done else None,
                            "collaboration": rnd.randint(10, 25) if done else None,
                            "comments": "创新性较强，协同分工合理" if done else "",
                        }
                    )
            if decided:
                for _org, p, _l in team:
                    ok = state == ApplicationState.APPROVED
                    decisions.append(
                        {
                            "id": self.next_id("cdecision"),
                            "application_id": aid,
                            "region_id": p,
                            "approved": ok,
                            "reason": "" if ok else "评审得分未达立项线",
                            "decided_by_id": self.agency_users[self.agencies[(p, "science")]][1],
                        }
                    )
            if state == ApplicationState.APPROVED:
                projects.append(
                    {
                        "id": self.next_id("cproject"),
                        "application_id": aid,
                        "programme_id": prog["id"],
                        "code": f"JJJ{year}{aid:07d}",
                        "title": apps[-1]["title"],
                        "lead_organization_id": lead,
                        "state": rnd.choice(ProjectState.values),
                    }
                )
        self.loader.load(Application, apps, label="cooperation.Application")
        self.loader.load(Participant, participants)
        self.loader.load(Review, reviews)
        self.loader.load(RegionDecision, decisions)
        self.loader.load(Project, projects)
        consortia, members = [], []
        for i in range(max(10, round(300 * self.c.scale))):
            cid = self.next_id("consortium")
            lead_p = PROVINCES[i % 3]
            lead = rnd.choice(self.publishers[lead_p])
            consortia.append(
                {
                    "id": cid,
                    "kind": rnd.choice(ConsortiumKind.values),
                    "name": f"京津冀{self.text.word()}创新联合体{i}",
                    "field": rnd.choice(KeyField.values),
                    "lead_organization_id": lead,
                    "status": rnd.choice(ConsortiumStatus.values),
                    "description": self.text.text(60, 120),
                    "created_by_id": self.org_user[lead],
                }
            )
            for p in PROVINCES:
                members.append(
                    {
                        "id": self.next_id("cmember"),
                        "consortium_id": cid,
                        "organization_id": lead if p == lead_p else rnd.choice(self.publishers[p]),
                        "province_id": p,
                    }
                )
        self.loader.load(Consortium, consortia)
        self.loader.load(ConsortiumMember, members)
        if _has_field(ProgrammeRegion, "allocated"):
            # A region's approvals of pending or approved applications commit its organizations' budgets.
            from django.db import connection

            with connection.cursor() as cur:
                cur.execute(
                    f"""
                    UPDATE {ProgrammeRegion._meta.db_table} pr SET allocated = s.total
                    FROM (
                        SELECT a.programme_id, d.region_id, SUM(p.budget) AS total
                        FROM {RegionDecision._meta.db_table} d
                        JOIN {Application._meta.db_table} a ON a.id = d.application_id
                        JOIN {Participant._meta.db_table} p
                          ON p.application_id = d.application_id AND p.province_id = d.region_id
                        WHERE d.approved AND a.state IN ('decision_pending', 'approved') AND p.budget > 0
                        GROUP BY a.programme_id, d.region_id
                    ) s
                    WHERE pr.programme_id = s.programme_id AND pr.region_id = s.region_id
                    """
                )
        ExpertField = _model("cooperation.ExpertField")
        if ExpertField is not None:
            rows = []
            for expert in self.experts:
                for field in rnd.sample(list(KeyField.values), 2):
                    rows.append({"id": self.next_id("expertfield"), "expert_id": expert, "field": field})
            self.loader.load(ExpertField, rows)

    # ------------------------------------------------------------------ talent

    def talent(self) -> None:
        from portal.validators import mask_id_number
        from talent.models import (
            Appointment,
            Certificate,
            Credential,
            CredentialKind,
            Person,
            RecognitionRequest,
            RegistryEntry,
            RequestState,
            TitleLevel,
            TitleSeries,
            id_number_digest,
            protect_id_number,
        )

        self.log("talent")
        rnd = self.rnd
        series = list(TitleSeries.objects.values_list("id", flat=True)) or [None]
        titles = {
            TitleLevel.SENIOR_FULL: "正高级工程师",
            TitleLevel.SENIOR_DEPUTY: "高级工程师",
            TitleLevel.INTERMEDIATE: "工程师",
            TitleLevel.JUNIOR: "助理工程师",
        }
        qualifications = [
            "电工（二级）",
            "焊工（三级）",
            "数控车工（二级）",
            "化学检验员（三级）",
            "工业机器人系统运维员",
        ]
        n_people = max(10, self.c.credentials * 7 // 10)
        people, creds, registry = [], [], []
        person_province, person_name, person_hash, person_employer = {}, {}, {}, {}
        all_orgs = [o for p in PROVINCES for o in self.publishers[p]]
        seen_ids = set()
        for _ in range(n_people):
            p = self.province()
            while True:
                number = _id_number(rnd, p)
                if number not in seen_ids:
                    seen_ids.add(number)
                    break
            pid = self.next_id("person")
            name = self.text.person_name()
            digest = id_number_digest(number)
            employer = rnd.choice(all_orgs)
            people.append(
                {
                    "id": pid,
                    "name": name,
                    "id_number_encrypted": protect_id_number(number),
                    "id_number_hash": digest,
                    "id_number_masked": mask_id_number(number),
                    "employer_id": employer,
                    "contact": "",
                    "user_id": None,
                }
            )
            person_province[pid], person_name[pid], person_hash[pid] = p, name, digest
            person_employer[pid] = employer
        self.loader.load(Person, people)
        person_ids = list(person_province)
        cred_rows = []
        for i in range(self.c.credentials):
            person = person_ids[i] if i < len(person_ids) else rnd.choice(person_ids)
            p = person_province[person] if rnd.random() < 0.8 else rnd.choice(PROVINCES)
            is_title = rnd.random() < 0.7
            level = rnd.choice(list(titles)) if is_title else ""
            cid = self.next_id("credential")
            issued = self.today - dt.timedelta(days=rnd.randint(100, 15 * 365))
            row = {
                "id": cid,
                "person_id": person,
                "kind": CredentialKind.TITLE if is_title else CredentialKind.QUALIFICATION,
                "series_id": rnd.choice(series) if is_title else None,
                "level": level,
                "name": titles[level] if is_title else rnd.choice(qualifications),
                "specialty": self.text.word(),
                "issuing_region_id": p,
                "issuing_authority": f"{PROVINCE_NAMES[p]}人力资源和社会保障局",
                "certificate_number": f"{p[:2]}{issued.year}{cid:09d}",
                "issued_on": issued,
            }
            creds.append(row)
            cred_rows.append(row)
            registry.append(
                {
                    "id": self.next_id("registry"),
                    "region_id": p,
                    "certificate_number": row["certificate_number"],
                    "holder_name": person_name[person],
                    "id_number_hash": person_hash[person],
                    "id_number_masked": "",
                    "kind": row["kind"],
                    "series_id": row["series_id"],
                    "level": level,
                    "name": row["name"],
                    "specialty": row["specialty"],
                    "issuing_authority": row["issuing_authority"],
                    "issued_on": issued,
                    "revoked": rnd.random() < 0.02,
                    "source_id": None,
                }
            )
        self.loader.load(Credential, creds)
        masked = {p["id"]: p["id_number_masked"] for p in people}
        for reg, cred in zip(registry, cred_rows, strict=True):
            reg["id_number_masked"] = masked[cred["person_id"]]
        self.loader.load(RegistryEntry, registry)

        states = {
            RequestState.SUBMITTED: 0.10,
            RequestState.VERIFICATION_REQUESTED: 0.10,
            RequestState.ACKNOWLEDGED: 0.08,
            RequestState.VERIFIED: 0.10,
            RequestState.NOT_VERIFIED: 0.05,
            RequestState.RECOGNIZED: 0.40,
            RequestState.REFUSED: 0.06,
            RequestState.REVOKED: 0.04,
            RequestState.WITHDRAWN: 0.07,
        }
        requests, certificates = [], []
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        codes = []
        sample = rnd.sample(cred_rows, min(self.c.recognition, len(cred_rows)))
        for cred in sample:
            issuing = cred["issuing_region_id"]
            host = rnd.choice([p for p in PROVINCES if p != issuing])
            state = _pick_state(rnd, states)
            rid = self.next_id("trequest")
            employer = person_employer[cred["person_id"]]
            created = self.past(700)
            requests.append(
                {
                    "id": rid,
                    "reference": f"RC{created.year}{rid:08d}",
                    "person_id": cred["person_id"],
                    "credential_id": cred["id"],
                    "applicant_id": self.org_user[employer],
                    "applicant_organization_id": employer,
                    "host_region_id": host,
                    "issuing_region_id": issuing,
                    "host_agency_id": self.agencies[(host, "human_resources")],
                    "issuing_agency_id": self.agencies[(issuing, "human_resources")],
                    "state": state,
                    "registry_entry_id": None,
                    "verification_note": "登记库无此证书" if state == RequestState.NOT_VERIFIED else "",
                    "decision_reason": "不符合互认条件" if state == RequestState.REFUSED else "",
                    "tacit": state == RequestState.RECOGNIZED and rnd.random() < 0.05,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            if state in (RequestState.RECOGNIZED, RequestState.REVOKED):
                code = "JJJ-" + "".join(rnd.choice(alphabet) for _ in range(12))
                codes.append(code)
                certificates.append(
                    {
                        "id": self.next_id("certificate"),
                        "request_id": rid,
                        "code": code,
                        "issued_at": created + dt.timedelta(days=20),
                        "revoked_at": created + dt.timedelta(days=90)
                        if state == RequestState.REVOKED
                        else None,
                        "revocation_reason": "证书被发证机关撤销" if state == RequestState.REVOKED else "",
                    }
                )
        self.loader.load(RecognitionRequest, requests)
        self.loader.load(Certificate, certificates)
        self.fixtures["certificate_codes"] = codes[:: max(1, len(codes) // 200)][:200]

        appointments = []
        for _ in range(self.c.appointments):
            person = rnd.choice(person_ids)
            home = person_employer[person]
            hp = self.org_province[home]
            host_p = rnd.choice([p for p in PROVINCES if p != hp])
            start = self.today - dt.timedelta(days=rnd.randint(0, 900))
            appointments.append(
                {
                    "id": self.next_id("appointment"),
                    "person_id": person,
                    "home_organization_id": home,
                    "host_organization_id": rnd.choice(self.publishers[host_p]),
                    "home_region_id": hp,
                    "host_region_id": host_p,
                    "role": "特聘研究员",
                    "start_date": start,
                    "end_date": start + dt.timedelta(days=rnd.randint(365, 1100)),
                    "created_by_id": None,
                }
            )
        self.loader.load(Appointment, appointments)

    # ------------------------------------------------------------------ IP enforcement

    def ip(self) -> None:
        from ip_enforcement.models import (
            AssistanceKind,
            AssistanceRequest,
            AssistanceState,
            Case,
            CaseAgency,
            CaseSource,
            CaseState,
            InfringementType,
            IPType,
            Outcome,
            Referral,
            ReferralState,
        )

        self.log("ip_enforcement")
        rnd = self.rnd
        enforcement = {
            p: [self.agencies[(p, "intellectual_property")], self.agencies[(p, "market_regulation")]]
            for p in PROVINCES
        }
        bench_agency = self.agencies[("120000", "market_regulation")]
        cases, involved, referrals, assistance = [], [], [], []
        case_info: dict[int, tuple[int, str]] = {}
        involved_keys = set()

        def involve(case_id: int, org: int, role: str) -> None:
            if (case_id, org) in involved_keys:
                return
            involved_keys.add((case_id, org))
            involved.append(
                {
                    "id": self.next_id("caseagency"),
                    "case_id": case_id,
                    "organization_id": org,
                    "province_id": self.org_province[org],
                    "role": role,
                }
            )

        def add_case(p: str, agency: int, state: str | None = None) -> int:
            cid = self.next_id("case")
            created = self.past(900)
            complaint = rnd.random() < 0.2
            holder = rnd.choice(self.publishers[p])
            cases.append(
                {
                    "id": cid,
                    "number": f"IP{p[:2]}{created.year}{cid:08d}",
                    "ip_type": rnd.choice(IPType.values),
                    "infringement_type": rnd.choice(InfringementType.values),
                    "title": f"涉嫌侵犯{self.text.word()}相关{rnd.choice(['专利权', '商标权', '著作权'])}案",
                    "summary": self.text.text(60, 150),
                    "place": f"{PROVINCE_NAMES[p]}某工业园区",
                    "place_region_id": self.region_in(p),
                    "right_holder_name": self.org_name[holder],
                    "right_holder_uscc": self.org_uscc[holder],
                    "infringer_name": f"{self.text.word()}贸易有限公司",
                    "infringer_uscc": "",
                    "infringer_id_number_encrypted": None,
                    "agency_id": agency,
                    "province_id": p,
                    "source": CaseSource.COMPLAINT if complaint else CaseSource.AGENCY,
                    "complainant_organization_id": holder if complaint else None,
                    "state": state or (CaseState.CLOSED if rnd.random() < 0.3 else CaseState.OPEN),
                    "created_by_id": self.agency_users[agency][0],
                    "created_at": created,
                }
            )
            case_info[cid] = (agency, p)
            involve(cid, agency, "handling")
            return cid

        case_ids = []
        for _ in range(self.c.cases):
            p = self.province()
            case_ids.append(add_case(p, rnd.choice(enforcement[p])))

        states = {
            ReferralState.SENT: 0.10,
            ReferralState.RECEIVED: 0.10,
            ReferralState.APPRAISAL: 0.05,
            ReferralState.ACCEPTED: 0.15,
            ReferralState.RETURNED: 0.08,
            ReferralState.FORWARDED: 0.04,
            ReferralState.INVESTIGATING: 0.18,
            ReferralState.CONCLUDED: 0.30,
        }
        self.referral_deadlines: list[dict] = []
        per_case: dict[int, int] = defaultdict(int)

        def add_referral(case_id: int, to_agency: int, state: str, created: dt.datetime) -> int:
            from_agency, from_p = case_info[case_id]
            rid = self.next_id("referral")
            to_p = self.org_province[to_agency]
            accepted = state in (ReferralState.ACCEPTED, ReferralState.INVESTIGATING, ReferralState.CONCLUDED)
            concluded = state == ReferralState.CONCLUDED
            referrals.append(
                {
                    "id": rid,
                    "number": f"YS{from_p[:2]}{created.year}{rid:08d}",
                    "case_id": case_id,
                    "from_agency_id": from_agency,
                    "to_agency_id": to_agency,
                    "from_province_id": from_p,
                    "to_province_id": to_p,
                    "parent_id": None,
                    "reason": f"涉嫌侵权行为地位于{PROVINCE_NAMES[to_p]}，依法移送有管辖权的机关",
                    "state": state,
                    "received_case_number": f"{to_p[:2]}市监立〔{created.year}〕{rid}号" if accepted else "",
                    "returned_part": "",
                    "return_reason": "不属于本机关管辖" if state == ReferralState.RETURNED else "",
                    "outcome": rnd.choice(Outcome.values) if concluded else "",
                    "feedback": "已依法作出行政处罚" if concluded else "",
                    "penalty_amount": _money(10_000, 2_000_000, rnd, 1000)
                    if concluded and rnd.random() < 0.6
                    else None,
                    "sent_by_id": self.agency_users[from_agency][0],
                    "created_at": created,
                    "updated_at": created,
                }
            )
            involve(case_id, to_agency, "receiving")
            if state in (
                ReferralState.SENT,
                ReferralState.RECEIVED,
                ReferralState.APPRAISAL,
                ReferralState.ACCEPTED,
                ReferralState.INVESTIGATING,
            ):
                kinds = {
                    ReferralState.SENT: ["ip.referral.acknowledge", "ip.referral.decide"],
                    ReferralState.RECEIVED: ["ip.referral.decide"],
                    ReferralState.APPRAISAL: ["ip.referral.decide"],
                    ReferralState.ACCEPTED: ["ip.referral.conclude"],
                    ReferralState.INVESTIGATING: ["ip.referral.conclude"],
                }[state]
                for kind in kinds:
                    self.referral_deadlines.append(
                        {
                            "object_id": str(rid),
                            "kind": kind,
                            "created": created,
                            "paused": state == ReferralState.APPRAISAL,
                            "to_agency": to_agency,
                            "from_agency": from_agency,
                            "to_province": to_p,
                        }
                    )
            return rid

        for k in range(self.c.referrals):
            case_id = case_ids[k % len(case_ids)]
            _agency, from_p = case_info[case_id]
            targets = [a for p in PROVINCES if p != from_p for a in enforcement[p]]
            to_agency = targets[per_case[case_id] % len(targets)]
            per_case[case_id] += 1
            add_referral(case_id, to_agency, _pick_state(rnd, states), self.past(700))
        # The pool the referral-transition load acknowledges: sent from Beijing to the bench agency.
        pool = []
        for _ in range(self.c.referral_pool):
            case_id = add_case("110000", enforcement["110000"][0], CaseState.OPEN)
            pool.append(
                add_referral(
                    case_id,
                    bench_agency,
                    ReferralState.SENT,
                    self.now - dt.timedelta(hours=rnd.randint(1, 48)),
                )
            )
        self.fixtures["referral_pool"] = pool

        astates = list(AssistanceState.values)
        for _ in range(self.c.assistance):
            case_id = rnd.choice(case_ids)
            from_agency, from_p = case_info[case_id]
            to_agency = rnd.choice([a for p in PROVINCES if p != from_p for a in enforcement[p]])
            state = rnd.choice(astates)
            aid = self.next_id("assistance")
            created = self.past(700)
            assistance.append(
                {
                    "id": aid,
                    "number": f"XZ{from_p[:2]}{created.year}{aid:08d}",
                    "case_id": case_id,
                    "kind": rnd.choice(AssistanceKind.values),
                    "from_agency_id": from_agency,
                    "to_agency_id": to_agency,
                    "from_province_id": from_p,
                    "to_province_id": self.org_province[to_agency],
                    "actions": "协助调取涉案企业的生产销售记录",
                    "state": state,
                    "decline_reason": "超出本机关职权范围" if state == "declined" else "",
                    "findings": "已调取相关证据并移交" if state == "answered" else "",
                    "sent_by_id": self.agency_users[from_agency][0],
                    "created_at": created,
                }
            )
            involve(case_id, to_agency, "assisting")
        self.loader.load(Case, cases)
        self.loader.load(CaseAgency, involved)
        self.loader.load(Referral, referrals)
        self.loader.load(AssistanceRequest, assistance)

    # ------------------------------------------------------------------ portal: deadlines, inbox

    def portal_records(self) -> None:
        from django.contrib.contenttypes.models import ContentType

        from ip_enforcement.models import Referral
        from portal.models import Deadline, Event, Notification

        self.log("portal")
        self.bench_users()
        rnd = self.rnd
        ct = ContentType.objects.get_for_model(Referral)
        labels = {
            "ip.referral.acknowledge": ("确认收到移送线索", 3),
            "ip.referral.decide": ("决定是否立案", 21),
            "ip.referral.conclude": ("办结并反馈", 90),
        }

        def deadlines():
            for d in self.referral_deadlines:
                label, days = labels[d["kind"]]
                yield {
                    "id": self.next_id("deadline"),
                    "content_type_id": ct.pk,
                    "object_id": d["object_id"],
                    "kind": d["kind"],
                    "label": label,
                    "link": f"/ip/referrals/{d['object_id']}/",
                    "started_at": d["created"],
                    "due_at": d["created"] + dt.timedelta(days=days),
                    "days": days,
                    "unit": "working" if days < 90 else "calendar",
                    "status": "paused" if d["paused"] else "open",
                    "paused_at": d["created"] + dt.timedelta(days=2) if d["paused"] else None,
                    "responsible_organization_id": d["to_agency"],
                    "responsible_region_id": d["to_province"],
                    "responsible_user_ids": [],
                    "requester_organization_id": d["from_agency"],
                }

        self.loader.load(Deadline, deadlines())
        users = list(self.org_user.values())
        targets = list(self.bench_user_ids.values())
        events, notes = [], []
        for i in range(self.c.events):
            eid = __import__("uuid").UUID(int=rnd.getrandbits(128), version=4)
            created = self.past(365)
            recipient = targets[i % len(targets)] if i % 10 == 0 else rnd.choice(users)
            events.append(
                {
                    "id": eid,
                    "type": "ip.referral.send",
                    "created_at": created,
                    "actor_id": None,
                    "content_type_id": ct.pk,
                    "object_id": str(rnd.randint(1, max(1, self.ids["referral"]))),
                    "title": "收到一条移送线索",
                    "body": "",
                    "link": "/ip/referrals/",
                    "payload": {},
                    "recipient_ids": [recipient],
                    "organization_ids": [],
                    "dispatched_at": created,
                    "attempts": 1,
                }
            )
            notes.append(
                {
                    "id": self.next_id("notification"),
                    "event_id": eid,
                    "user_id": recipient,
                    "title": "收到一条移送线索",
                    "body": "",
                    "link": "/ip/referrals/",
                    "created_at": created,
                    "read_at": created if rnd.random() < 0.7 else None,
                }
            )
        self.loader.load(Event, events)
        self.loader.load(Notification, notes)

    # ------------------------------------------------------------------ finish

    def finish(self) -> None:
        from django.apps import apps
        from django.db import connection

        from bench.copyload import reset_sequences

        self.log("sequences and ANALYZE")
        models_ = [
            m
            for m in apps.get_models()
            if m._meta.app_label
            in {"portal", "transfer", "vouchers", "cooperation", "talent", "ip_enforcement"}
        ]
        reset_sequences(models_)
        started = time.perf_counter()
        with connection.cursor() as cur:
            # VACUUM sets the visibility map (index-only scans) as on a long-running database; it cannot
            # run inside a transaction (the tests load inside one), where ANALYZE alone is done.
            cur.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
        self.stats.add("analyze", 0, time.perf_counter() - started)


def generate(scale: float, *, seed: int = 20260101, distinct: int = 0, verbose: bool = True) -> dict:
    """Load the configured (empty, migrated) database. Django must be set up."""
    gen = Generator(Counts(scale), seed=seed, distinct=distinct, verbose=verbose)
    return gen.run()


def fixtures_path(database: str) -> Path:
    return ROOT / "bench" / "reports" / f"fixtures-{database}.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.01, help="1.0 = 1,000,000 listings (default 0.01)")
    parser.add_argument(
        "--database", default="bench_portal", help="database to (re)create (default bench_portal)"
    )
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument(
        "--distinct",
        type=int,
        default=0,
        help="tokenize only this many distinct listing texts and repeat them (0 = every listing its own text)",
    )
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    env.configure(args.database)
    verbose = not args.quiet
    started = time.perf_counter()
    recreate_database(args.database)
    migrate_s = migrate(verbose=False)
    if verbose:
        print(f"database {args.database} created and migrated in {migrate_s:.1f} s", flush=True)
    import django

    django.setup()
    result = generate(args.scale, seed=args.seed, distinct=args.distinct, verbose=verbose)
    result.update(
        {
            "database": args.database,
            "scale": args.scale,
            "migrate_s": round(migrate_s, 1),
            "wall_s": round(time.perf_counter() - started, 1),
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
    )
    path = fixtures_path(args.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    if verbose:
        print(f"fixtures written to {path.relative_to(ROOT)}; wall time {result['wall_s']} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
