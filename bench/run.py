"""Drive the portal under gunicorn and write one report (Markdown + JSON).

    python -m bench.run --database bench_portal --duration 15 --concurrency 1,8

Starts gunicorn on 127.0.0.1 (a free port) with the production-like ``bench.settings`` against the
database ``bench.generate`` filled, signs the benchmark users in (session cookies), drives every
endpoint with ``wrk`` at each concurrency, counts SQL queries per request in-process (test client
and ``CaptureQueriesContext``, at page sizes 10 and 50), samples the workers' RSS with psutil, runs
the baselines (a minimal ``.values()`` view per list, ``pgbench -S``), checks that the search finds
exactly what ``LIKE`` finds, measures the Celery outbox, and writes bench/reports/<timestamp>.{md,json}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from bench import env

__all__ = ["Endpoint", "main", "endpoints", "lua_quote"]

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "bench" / "reports"
WRK_LUA = Path(__file__).resolve().parent / "wrk.lua"


@dataclass
class Endpoint:
    name: str
    group: str  # search, detail, list, page, dashboard, write, public
    user: str | None  # "official", "enterprise" or None (anonymous)
    paths: list[str]
    method: str = "GET"
    bodies: list[str] | None = None
    baseline: str | None = None  # name in bench.baseline.BASELINES
    sized: str | None = None  # query parameter that sets the page size ("page_size", "limit")
    write: bool = False
    target_p95_ms: float | None = 50.0
    notes: str = ""
    results: dict = field(default_factory=dict)


# what a user types in an organization box: the stems and kinds the generator names organizations
# with (bench.vocab.Text.org_name), and the start of a Tianjin credit code
ORGANIZATION_QUERIES = ["华科", "中关村", "研究院", "检测技术", "91120"]


def open_programme_paths() -> list[str]:
    """The new-application page of the joint-research programmes open now (the generator leaves
    some open; which ones depends on the day of the run)."""
    from cooperation.models import Programme, ProgrammeState

    ids = Programme.objects.filter(state=ProgrammeState.OPEN).order_by("pk").values_list("pk", flat=True)
    return [f"/cooperation/programmes/{pk}/apply/" for pk in ids[:5]]


def endpoints(fx: dict) -> list[Endpoint]:
    """The endpoints of issue 10, with the ids the generator recorded (bench/reports/fixtures-*.json)."""
    from bench.vocab import QUERY_WORDS_2, QUERY_WORDS_4

    ids = fx["listing_ids"]
    demands = fx["demand_ids"]
    codes = fx["certificate_codes"]
    q2 = [urllib.parse.quote(w) for w in QUERY_WORDS_2]
    q4 = [urllib.parse.quote(w) for w in QUERY_WORDS_4]
    vouchers = fx["voucher_ids"]
    services = fx["service_ids"]
    claim_bodies = [
        json.dumps({"voucher": v, "service": services[i % len(services)], "quantity": "1"})
        for i, v in enumerate(vouchers * 4)
    ]
    out = [
        Endpoint(
            "search 2-char + filters",
            "search",
            None,
            [f"/api/v1/transfer/listings/search/?q={w}&kind=supply&region=120000&limit=20" for w in q2],
            sized="limit",
            target_p95_ms=100.0,
            notes="anonymous; words " + " ".join(QUERY_WORDS_2),
        ),
        Endpoint(
            "search 4-char + filters",
            "search",
            None,
            [f"/api/v1/transfer/listings/search/?q={w}&kind=supply&region=120000&limit=20" for w in q4],
            sized="limit",
            target_p95_ms=100.0,
            notes="anonymous; words " + " ".join(QUERY_WORDS_4),
        ),
        Endpoint(
            "search 2-char, no filter",
            "search",
            None,
            [f"/api/v1/transfer/listings/search/?q={w}&limit=20" for w in q2],
            sized="limit",
            target_p95_ms=100.0,
        ),
        Endpoint(
            "search 2-char, no filter, signed in",
            "search",
            "official",
            [f"/api/v1/transfer/listings/search/?q={w}&limit=20" for w in q2],
            sized="limit",
            target_p95_ms=100.0,
            notes="a Tianjin official sees the public listings, the region's others but drafts, its own",
        ),
        Endpoint("listing detail", "detail", None, [f"/api/v1/transfer/listings/{i}/" for i in ids]),
        Endpoint(
            "matches for a demand",
            "detail",
            None,
            [f"/api/v1/transfer/listings/{i}/matches/" for i in demands],
            sized="limit",
        ),
        Endpoint(
            "transfer listings (API list)",
            "list",
            None,
            ["/api/v1/transfer/listings/"],
            baseline="transfer_listings",
            sized="page_size",
        ),
        Endpoint(
            "cooperation applications (API list)",
            "list",
            "official",
            ["/api/v1/cooperation/applications/"],
            baseline="cooperation_applications",
            sized="page_size",
        ),
        Endpoint(
            "talent requests (API list)",
            "list",
            "official",
            ["/api/v1/talent/requests/"],
            baseline="talent_requests",
            sized="page_size",
        ),
        Endpoint(
            "vouchers (API list)",
            "list",
            "official",
            ["/api/v1/vouchers/vouchers/"],
            baseline="vouchers_vouchers",
            sized="page_size",
        ),
        Endpoint(
            "IP referrals (API list)",
            "list",
            "official",
            ["/api/v1/ip/referrals/"],
            baseline="ip_referrals",
            sized="page_size",
        ),
        Endpoint("transfer listings (page)", "page", None, ["/transfer/"]),
        Endpoint("cooperation applications (page)", "page", "official", ["/cooperation/applications/"]),
        Endpoint("talent requests (page)", "page", "official", ["/talent/requests/"]),
        Endpoint("vouchers (page)", "page", "official", ["/vouchers/vouchers/"]),
        Endpoint("IP referrals (page)", "page", "official", ["/ip/referrals/"]),
        Endpoint("dashboard (home)", "dashboard", "official", ["/"]),
        Endpoint(
            "dashboard cockpit (page)",
            "dashboard",
            "official",
            ["/dashboard/"],
            notes="figures cached per province set (DASHBOARD_CACHE_SECONDS); cold compute timed separately",
        ),
        Endpoint("dashboard cockpit (data.json)", "dashboard", "official", ["/dashboard/data.json"]),
        Endpoint(
            "certificate verification (public)",
            "public",
            None,
            [f"/api/v1/talent/certificates/verify/?code={c}" for c in codes],
        ),
        # forms that pick a record from a growing table (an organization, a service): the box and
        # its suggestions, not a select of the table
        Endpoint(
            "voucher with its booking form (page)",
            "page",
            "enterprise",
            [f"/vouchers/vouchers/{v}/" for v in vouchers[:20]],
        ),
        Endpoint(
            "new application form (page)",
            "page",
            "enterprise",
            [],  # filled per run: an open programme (see open_programme_paths)
        ),
        Endpoint(
            "organization suggestions",
            "picker",
            "official",
            [f"/organizations/suggest/?q={urllib.parse.quote(w)}" for w in ORGANIZATION_QUERIES],
            notes="typed: " + " ".join(ORGANIZATION_QUERIES),
        ),
        Endpoint(
            "voucher claim (write)",
            "write",
            "enterprise",
            ["/api/v1/vouchers/claims/"],
            method="POST",
            bodies=claim_bodies,
            write=True,
            target_p95_ms=None,
        ),
        Endpoint(
            "referral acknowledge (write)",
            "write",
            "official",
            [],  # filled per run from the pool
            method="POST",
            write=True,
            target_p95_ms=None,
        ),
    ]
    return out


# --------------------------------------------------------------------------- processes


class BeatStandIn:
    """What Celery beat does for the cockpit in production, during the HTTP runs: recompute its figures
    every DASHBOARD_REFRESH_SECONDS (portal.tasks.refresh_dashboard), so the runs measure the cockpit as
    officials get it, and the recompute's load counts against every endpoint as it would there."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.ms: list[float] = []  # the wall time of each refresh, for the report

    def _run(self) -> None:
        from django.conf import settings
        from django.db import connection

        from portal import dashboard

        try:
            while not self._stop.is_set():
                started = time.perf_counter()
                dashboard.refresh()
                self.ms.append(round((time.perf_counter() - started) * 1000, 1))
                self._stop.wait(settings.DASHBOARD_REFRESH_SECONDS)
        finally:
            connection.close()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=120)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with the bench settings; its workers' RSS sampled in a thread."""

    def __init__(self, workers: int, log_path: Path):
        self.port = free_port()
        self.workers = workers
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self._sampling = False
        self.peak_total = 0
        self.peak_worker = 0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        cmd = [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "-b",
            f"127.0.0.1:{self.port}",
            "-w",
            str(self.workers),
            "--worker-class",
            "sync",
            "--graceful-timeout",
            "4",
            "--timeout",
            "60",
            "--backlog",
            "256",
        ]
        self._log = open(self.log_path, "w")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=os.environ.copy(), stdout=self._log, stderr=self._log)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=5) as r:
                    if r.status == 200:
                        return
            except Exception:
                time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not answer; see {self.log_path}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_rss(self) -> list[int]:
        import psutil

        try:
            master = psutil.Process(self.proc.pid)
            return [c.memory_info().rss for c in master.children()]
        except psutil.Error:
            return []

    def sample(self, start: bool) -> None:
        if start:
            self.peak_total = self.peak_worker = 0
            self._sampling = True
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        else:
            self._sampling = False
            if self._thread:
                self._thread.join()

    def _loop(self) -> None:
        while self._sampling:
            rss = self.worker_rss()
            if rss:
                self.peak_total = max(self.peak_total, sum(rss))
                self.peak_worker = max(self.peak_worker, max(rss))
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if getattr(self, "_log", None):
            self._log.close()


OFFICIALS = 8  # distinct coordinator accounts, one session each (as 8 people signed in)


def ensure_bench_identities(officials: int = OFFICIALS) -> dict[str, list]:
    """The signed-in identities of the load: ``officials`` coordinators of the Tianjin
    market-regulation agency (each with a confirmed TOTP device: coordinators must pass the second
    factor, portal.otp) and the voucher-holding enterprise member. Idempotent."""
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.generate import BENCH_PASSWORD, BENCH_USERS
    from portal.models import Membership, User

    first = User.objects.get(username=BENCH_USERS["official"])
    roles = list(first.memberships.values_list("role", flat=True))
    out = {"official": [first]}
    for i in range(2, officials + 1):
        user, created = User.objects.get_or_create(
            username=f"{BENCH_USERS['official']}_{i}",
            defaults={
                "email": f"{BENCH_USERS['official']}_{i}@bench.invalid",
                "organization_id": first.organization_id,
                "display_name": f"{BENCH_USERS['official']}_{i}",
            },
        )
        if created:
            user.set_password(BENCH_PASSWORD)
            user.save()
            Membership.objects.bulk_create([Membership(user=user, role=r) for r in roles])
        out["official"].append(user)
    out["enterprise"] = [User.objects.get(username=BENCH_USERS["enterprise"])]
    User.objects.filter(username__startswith="bench_").update(password_changed_at=timezone.now())
    for user in out["official"]:
        TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    return out


def _totp_token(user) -> str:
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is None:
        return ""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token()).zfill(device.digits)


def login(base_url: str, user, password: str) -> tuple[str, str]:
    """Sign in like a browser: the login form, then the six-digit code where the account needs a
    second factor; returns (sessionid, csrftoken)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post_form(path: str, fields: dict) -> str:
        with opener.open(f"{base_url}{path}", timeout=30) as r:
            html = r.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        req = urllib.request.Request(f"{base_url}{path}", data=data, headers={"Referer": base_url + "/"})
        with opener.open(req, timeout=30) as r:
            r.read()
            return r.geturl()

    landed = post_form("/accounts/login/", {"username": user.username, "password": password})
    if "/accounts/otp/" in landed:
        landed = post_form("/accounts/otp/verify/", {"token": _totp_token(user), "next": "/"})
        if "/accounts/otp/" in landed:
            raise RuntimeError(f"second factor of {user.username} refused")
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError(f"login of {user.username} failed")
    with opener.open(f"{base_url}/api/v1/regions/", timeout=30) as r:
        if r.status != 200:
            raise RuntimeError(f"session of {user.username} not usable: {r.status}")
    return cookies["sessionid"], cookies["csrftoken"]


def lua_quote(s: str) -> str:
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def run_wrk(
    url: str, ep: Endpoint, paths: list[str], sessions: list[tuple[str, str]], concurrency: int, duration: int
) -> dict:
    """One wrk run; every request rotates through paths × sessions (× bodies)."""
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.lua"
        out = Path(tmp) / "out.json"
        lines = ["requests = {"]
        n = max(len(paths), len(ep.bodies or []), len(sessions) if ep.user else 1)
        for i in range(n):
            path = paths[i % len(paths)]
            headers = {"Accept": "application/json" if path.startswith("/api/") else "text/html"}
            if ep.user:
                sid, csrf = sessions[i % len(sessions)]
                headers["Cookie"] = f"sessionid={sid}; csrftoken={csrf}"
                if ep.method == "POST":
                    headers["X-CSRFToken"] = csrf
            body = ""
            if ep.method == "POST":
                headers["Content-Type"] = "application/json"
                headers["Referer"] = url + "/"
                body = ep.bodies[i % len(ep.bodies)] if ep.bodies else "{}"
            hdr = ", ".join(f"[{lua_quote(k)}] = {lua_quote(v)}" for k, v in headers.items())
            lines.append(f"  {{{lua_quote(ep.method)}, {lua_quote(path)}, {lua_quote(body)}, {{{hdr}}}}},")
        lines.append("}")
        lines.append(f"out_path = {lua_quote(str(out))}")
        spec.write_text("\n".join(lines))
        cmd = [
            "wrk",
            "-t1",
            f"-c{concurrency}",
            f"-d{duration}s",
            "--timeout",
            "30s",
            "-s",
            str(WRK_LUA),
            url,
        ]
        proc = subprocess.run(
            cmd, env={**os.environ, "BENCH_SPEC": str(spec)}, capture_output=True, text=True
        )
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"wrk failed: {proc.stderr or proc.stdout}")
        data = json.loads(out.read_text())
    secs = data["duration_us"] / 1e6
    ok = sum(v for k, v in data["statuses"].items() if k.startswith("2"))
    return {
        "concurrency": concurrency,
        "requests": data["requests"],
        "rps": round(data["requests"] / secs, 1) if secs else 0.0,
        "p50_ms": round(data["latency_us"]["p50"] / 1000, 1),
        "p95_ms": round(data["latency_us"]["p95"] / 1000, 1),
        "p99_ms": round(data["latency_us"]["p99"] / 1000, 1),
        "max_ms": round(data["latency_us"]["max"] / 1000, 1),
        "statuses": data["statuses"],
        "ok_share": round(ok / data["requests"], 4) if data["requests"] else 0.0,
        "socket_errors": data["errors"],
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def paired_ratio(
    url: str,
    ep: Endpoint,
    base_ep: Endpoint,
    sessions: list[tuple[str, str]],
    concurrency: int,
    slices: int,
    slice_s: int,
) -> dict:
    """The list's req/s against its baseline's, in alternating short slices (A B B A A B …).

    Measured one after the other, each over a whole run, the two figures see different background
    load: the cockpit's recompute (BeatStandIn, a few seconds of heavy SQL every 45 s) lands in one run
    or the other, which moved the same baseline between 112 and 212 req/s in two runs on one machine.
    Alternating slices share that load between both sides, so their ratio measures the endpoints."""
    done = {"endpoint": [0, 0.0], "baseline": [0, 0.0]}
    order = []
    for k in range(slices):
        order += (
            [("endpoint", ep), ("baseline", base_ep)]
            if k % 2 == 0
            else [("baseline", base_ep), ("endpoint", ep)]
        )
    for side, e in order:
        run = run_wrk(url, e, e.paths, sessions, concurrency, slice_s)
        done[side][0] += run["requests"] * run["ok_share"]  # 2xx only: a list failing fast is no faster
        done[side][1] += run["requests"] / run["rps"] if run["rps"] else slice_s
    rps = round(done["endpoint"][0] / done["endpoint"][1], 1)
    base_rps = round(done["baseline"][0] / done["baseline"][1], 1)
    return {
        "slices": slices,
        "slice_s": slice_s,
        "rps": rps,
        "baseline_rps": base_rps,
        "ratio": round(rps / base_rps, 3) if base_rps else None,
    }


# --------------------------------------------------------------------------- in-process measurements


def _client(user):
    """A test client signed in as ``user``, with the second factor passed where the account has one."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    if user is None:
        return client
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def count_queries(ep: Endpoint, users: dict, sizes=(10, 50)) -> dict:
    """SQL queries of one request at each page size, through the test client (same settings)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(users.get(ep.user) if ep.user else None)
    out = {}
    path = ep.paths[0]
    variants = (
        [(s, f"{path}{'&' if '?' in path else '?'}{ep.sized}={s}") for s in sizes]
        if ep.sized
        else [("-", path)]
    )
    for label, url in variants:
        client.get(url)  # warm caches (content types, sessions) as a running server has them
        with CaptureQueriesContext(connection) as ctx:
            resp = client.get(url)
        slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]), default=None)
        out[str(label)] = {
            "queries": len(ctx.captured_queries),
            "status": resp.status_code,
            "sql_ms": round(sum(float(q["time"]) for q in ctx.captured_queries) * 1000, 1),
            "slowest_ms": round(float(slowest["time"]) * 1000, 1) if slowest else 0.0,
            "slowest_sql": slowest["sql"] if slowest else "",
        }
    return out


def count_write_queries(ep: Endpoint, users: dict, path: str, body: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = _client(users[ep.user])
    with CaptureQueriesContext(connection) as ctx:
        resp = client.post(path, data=body, content_type="application/json")
    return {"-": {"queries": len(ctx.captured_queries), "status": resp.status_code}}


def search_exactness(words: list[str]) -> list[dict]:
    """For each word: the rows the search's tsquery finds and the rows a sequential LIKE scan finds."""
    from django.db import connection

    from portal import search
    from transfer.models import Listing

    table = Listing._meta.db_table
    out = []
    with connection.cursor() as cur:
        for w in words:
            tsq = search.tsquery_for(w)
            t0 = time.perf_counter()
            cur.execute(
                f"SELECT array_agg(id ORDER BY id) FROM {table} WHERE search_vector @@ (%s)::tsquery", [tsq]
            )
            ts_ids = set(cur.fetchone()[0] or [])
            t1 = time.perf_counter()
            like = f"%{w}%"
            cur.execute(
                f"SELECT array_agg(id ORDER BY id) FROM {table} WHERE title LIKE %s OR summary LIKE %s "
                "OR description LIKE %s OR array_to_string(ip_refs, ' ') LIKE %s",
                [like, like, like, like],
            )
            like_ids = set(cur.fetchone()[0] or [])
            t2 = time.perf_counter()
            out.append(
                {
                    "word": w,
                    "tsquery": tsq,
                    "tsquery_matches": len(ts_ids),
                    "like_matches": len(like_ids),
                    "missing": len(like_ids - ts_ids),
                    "extra": len(ts_ids - like_ids),
                    "tsquery_count_ms": round((t1 - t0) * 1000, 1),
                    "like_scan_ms": round((t2 - t1) * 1000, 1),
                }
            )
    return out


def explain_search(word: str) -> str:
    """EXPLAIN ANALYZE of the search endpoint's query (anonymous, supply, Tianjin, top 20)."""
    from django.contrib.auth.models import AnonymousUser

    from transfer.selectors import index_first, listing_list, listing_search

    qs = listing_search(listing_list(user=AnonymousUser()).filter(kind="supply", province_id="120000"), word)[
        :20
    ]
    with index_first():  # the planner's settings the endpoint runs under
        return qs.explain(analyze=True, buffers=True)


def explain_sql(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(r[0] for r in cur.fetchall())


def dashboard_cold(user, rounds: int = 3) -> dict:
    """The cockpit's figures computed without the cache (what the first request after expiry pays)."""
    try:
        from portal import dashboard
    except ImportError:
        return {}
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    provinces = tuple(sorted(dashboard.allowed_provinces(user)))
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            dashboard.compute(provinces)
        times.append((time.perf_counter() - started) * 1000)
    slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]), default=None)
    return {
        "provinces": provinces,
        "ms": [round(t, 1) for t in times],
        "queries": len(ctx.captured_queries),
        "slowest_ms": round(float(slowest["time"]) * 1000, 1) if slowest else 0.0,
        "slowest_sql": slowest["sql"] if slowest else "",
    }


def table_counts() -> dict[str, int]:
    from django.apps import apps
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for label in [
            "transfer.Listing",
            "vouchers.Voucher",
            "vouchers.Claim",
            "vouchers.Application",
            "cooperation.Application",
            "ip_enforcement.Referral",
            "ip_enforcement.Case",
            "talent.Credential",
            "talent.RecognitionRequest",
            "talent.Certificate",
            "portal.Organization",
            "portal.User",
            "portal.Deadline",
            "portal.Notification",
        ]:
            model = apps.get_model(label)
            cur.execute(f"SELECT count(*) FROM {model._meta.db_table}")
            out[label] = cur.fetchone()[0]
    return out


def machine() -> dict:
    import django
    import psutil
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
        cur.execute("SHOW shared_buffers")
        shared = cur.fetchone()[0]
    return {
        "nproc": os.cpu_count(),
        "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": _cpu_model(),
        "postgresql": pg,
        "shared_buffers": shared,
        "python": platform.python_version(),
        "django": django.get_version(),
        "kernel": platform.release(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


# --------------------------------------------------------------------------- pgbench


def run_pgbench(duration: int = 10, clients: int = 8) -> dict:
    """``pgbench -S`` against a scratch database initialised with ``pgbench -i`` on the same server."""
    if not shutil.which("pgbench"):
        return {"error": "pgbench not installed"}
    db = "bench_pgbench"
    base = ["-h", env.PG_HOST, "-p", env.PG_PORT, "-U", env.PG_USER]
    from bench.generate import recreate_database

    recreate_database(db)
    subprocess.run(["pgbench", *base, "-i", "-q", "-s", "10", db], check=True, capture_output=True)
    proc = subprocess.run(
        ["pgbench", *base, "-S", f"-c{clients}", "-j2", f"-T{duration}", db],
        check=True,
        capture_output=True,
        text=True,
    )
    text = proc.stdout
    tps = float(re.search(r"tps = ([\d.]+)", text).group(1))
    lat = re.search(r"latency average = ([\d.]+) ms", text)
    return {"tps": round(tps), "latency_avg_ms": float(lat.group(1)) if lat else None, "clients": clients}


# --------------------------------------------------------------------------- Celery outbox


def _emit(etype: str, count: int, batch: int, rate: float | None, recipients: list[int]) -> float:
    """Emit ``count`` events, ``batch`` per transaction, paced to ``rate`` per second (None: at once)."""
    from django.db import transaction

    from portal import outbox

    started = time.perf_counter()
    for start in range(0, count, batch):
        if rate:
            due = started + start / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        with transaction.atomic():
            for i in range(start, min(count, start + batch)):
                outbox.emit(
                    etype,
                    title=f"基准测试通知 {i}",
                    body="outbox throughput",
                    link="/",
                    recipients=[recipients[i % len(recipients)], recipients[(i * 7 + 3) % len(recipients)]],
                )
    return time.perf_counter() - started


def _delivery_figures(etype: str) -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT count(DISTINCT e.id),
                   EXTRACT(EPOCH FROM max(e.dispatched_at) - min(e.created_at)),
                   EXTRACT(EPOCH FROM max(e.dispatched_at) - min(e.dispatched_at)),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM n.created_at - e.created_at)),
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM n.created_at - e.created_at)),
                   max(EXTRACT(EPOCH FROM n.created_at - e.created_at))
            FROM portal_event e JOIN portal_notification n ON n.event_id = e.id
            WHERE e.type = %s
            """,
            [etype],
        )
        delivered, span, drain, p50, p95, worst = cur.fetchone()
        cur.execute("SELECT count(*) FROM portal_event WHERE type = %s AND dispatched_at IS NULL", [etype])
        undelivered = cur.fetchone()[0]
    return {
        "delivered": delivered,
        "undelivered": undelivered,
        "span_s": round(float(span or 0), 2),
        "drain_s": round(float(drain or 0), 2),
        "lag_p50_s": round(float(p50 or 0), 3),
        "lag_p95_s": round(float(p95 or 0), 3),
        "lag_max_s": round(float(worst or 0), 3),
    }


def _wait_delivered(etype: str, timeout: float) -> None:
    from portal.models import Event

    deadline = time.time() + timeout
    while time.time() < deadline:
        if not Event.objects.filter(type=etype, dispatched_at__isnull=True).exists():
            return
        time.sleep(0.5)


def celery_outbox(
    events: int, log_path: Path, *, extra_env: dict | None = None, rate: float = 300.0, concurrency: int = 1
) -> dict:
    """The outbox with one Celery worker (prefork, ``concurrency`` processes) running, in two phases:

    - capacity: ``events`` events committed as fast as one process can (50 per transaction); the
      worker's drain rate (first to last delivery) is the events per second it delivers;
    - lag: ``events`` events offered at ``rate`` per second (10 per transaction); the lag from
      Event.created_at (written in the emitting transaction) to Notification.created_at, p50/p95.
    """
    from django.test.utils import override_settings

    from portal.models import User

    cmd = [
        str(Path(sys.executable).with_name("celery")),
        "-A",
        "bench.celery_app",
        "worker",
        "--concurrency",
        str(concurrency),
        "--pool",
        "prefork",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"bench-{os.getpid()}@%h",
        "-l",
        "WARNING",
    ]
    recipients = list(User.objects.filter(is_active=True).order_by("id").values_list("id", flat=True)[:200])
    stamp = int(time.time())
    out: dict = {"worker": f"1 worker, prefork, concurrency {concurrency}", "env": extra_env or {}}
    with open(log_path, "a") as log:
        worker = subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, **(extra_env or {})}, stdout=log, stderr=log
        )
        try:
            from config.celery import app

            deadline = time.time() + 60
            while time.time() < deadline and not app.control.ping(timeout=1.0):
                time.sleep(0.5)
            app.control.purge()
            # the emitting side splits a transaction's events into tasks of OUTBOX_BATCH_SIZE: a
            # variant's value holds here as in the worker
            batch_env = (extra_env or {}).get("OUTBOX_BATCH_SIZE")
            emitting = override_settings(OUTBOX_BATCH_SIZE=int(batch_env)) if batch_env else nullcontext()
            etype = f"bench.capacity.{stamp}"
            with emitting:
                emitted = _emit(etype, events, 50, None, recipients)
            _wait_delivered(etype, max(120, events / 10))
            cap = _delivery_figures(etype)
            cap["emit_rate_per_s"] = round(events / emitted, 1)
            cap["delivered_per_s"] = round(cap["delivered"] / cap["drain_s"], 1) if cap["drain_s"] else None
            out["capacity"] = cap
            etype = f"bench.lag.{stamp}"
            with emitting:
                emitted = _emit(etype, events, 10, rate, recipients)
            _wait_delivered(etype, max(120, events / 10))
            lag = _delivery_figures(etype)
            lag["offered_per_s"] = round(events / emitted, 1)
            lag["delivered_per_s"] = round(lag["delivered"] / lag["span_s"], 1) if lag["span_s"] else None
            out["lag"] = lag
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    out["events"] = events
    out["delivered_per_s"] = out["capacity"]["delivered_per_s"]
    out["lag_p95_s"] = out["lag"]["lag_p95_s"]
    return out


CELERY_VARIANTS = [
    ("celery", "as configured (OUTBOX_BATCH_SIZE 200)", {}, 1),
    ("celery_batch1", "before: one event per task (OUTBOX_BATCH_SIZE=1)", {"OUTBOX_BATCH_SIZE": "1"}, 1),
    ("celery_c2", "worker --concurrency 2 (the Procfile's)", {}, 2),
]


def celery_variants(events: int, log_path: Path, rounds: int = 2) -> dict:
    """Each variant ``rounds`` times, alternated (A B C D A B C D) so drift on a shared machine
    spreads over all; per variant the median of the rounds, and every round kept."""
    import statistics

    raw: dict[str, list[dict]] = {key: [] for key, *_ in CELERY_VARIANTS}
    for r in range(rounds):
        for key, title, extra, conc in CELERY_VARIANTS:
            res = celery_outbox(events, log_path, extra_env=extra, concurrency=conc)
            res["title"] = title
            raw[key].append(res)
            print(
                f"  round {r + 1} {title}: {res['delivered_per_s']} events/s, lag p95 {res['lag_p95_s']} s",
                flush=True,
            )
    out = {}
    for key, title, _extra, _conc in CELERY_VARIANTS:
        runs = raw[key]
        best = sorted(runs, key=lambda x: x["delivered_per_s"] or 0)[len(runs) // 2]
        out[key] = {
            **best,
            "title": title,
            "delivered_per_s": round(statistics.median(x["delivered_per_s"] or 0 for x in runs), 1),
            "lag_p95_s": round(statistics.median(x["lag_p95_s"] for x in runs), 2),
            "rounds": runs,
        }
    return out


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="bench_portal")
    parser.add_argument("--duration", type=int, default=15, help="seconds per endpoint and concurrency")
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn sync workers (default 2, as the Procfile)"
    )
    parser.add_argument("--only", default="", help="comma-separated substrings of endpoint names to run")
    parser.add_argument("--events", type=int, default=1000, help="outbox events per Celery phase")
    parser.add_argument("--skip-celery", action="store_true")
    parser.add_argument(
        "--note", default="", help="what this run measures (a proposed change applied by hand)"
    )
    parser.add_argument(
        "--skip-checks", action="store_true", help="skip the LIKE exactness check and EXPLAINs"
    )
    parser.add_argument(
        "--celery-rounds", type=int, default=2, help="rounds of the alternated Celery variants"
    )
    parser.add_argument("--skip-http", action="store_true", help="only the search check, pgbench and Celery")
    parser.add_argument("--skip-pgbench", action="store_true")
    parser.add_argument(
        "--pair-slices",
        type=int,
        default=6,
        help="list vs baseline: alternating slices per side for the ratio (default 6)",
    )
    parser.add_argument("--pair-slice-s", type=int, default=2, help="seconds per slice (default 2)")
    parser.add_argument("--out", default=str(REPORTS))
    args = parser.parse_args(argv)
    env.configure(args.database)
    import django

    django.setup()
    from bench.generate import BENCH_PASSWORD, fixtures_path
    from bench.report import write_report

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    fx_all = json.loads(fixtures_path(args.database).read_text())
    fx = fx_all["fixtures"]
    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]
    identities = ensure_bench_identities()
    users = {kind: accounts[0] for kind, accounts in identities.items()}
    eps = endpoints(fx)
    for ep in eps:
        if ep.name == "new application form (page)":
            ep.paths = open_programme_paths()
    eps = [ep for ep in eps if ep.paths or ep.write]
    if args.only:
        keys = [k.strip() for k in args.only.split(",")]
        eps = [e for e in eps if any(k in e.name for k in keys)]
    if args.skip_http:
        eps = []
    started_at = dt.datetime.now()
    report: dict = {
        "started_at": started_at.isoformat(timespec="seconds"),
        "database": args.database,
        "scale": fx_all.get("scale"),
        "generation": {
            k: fx_all.get(k) for k in ("total_rows", "elapsed_s", "rows_per_s", "wall_s", "migrate_s")
        },
        "machine": machine(),
        "rows": table_counts(),
        "settings": {
            "duration_s": args.duration,
            "concurrency": levels,
            "gunicorn": f"{args.workers} sync workers",
            "wrk": "wrk -t1 -cN (one client thread)",
            "list ratio": f"from {args.pair_slices} alternating {args.pair_slice_s}-s slices per side",
            "django_settings": "bench.settings (DEBUG off, production middleware, public throttles lifted)",
        },
    }
    if args.note:
        report["settings"]["proposed"] = args.note
    if os.environ.get("BENCH_SEARCH_CAP"):  # a proposed value, here and in gunicorn (bench/urls.py)
        import transfer.selectors

        transfer.selectors.SEARCH_CAP = int(os.environ["BENCH_SEARCH_CAP"])
        report["settings"]["proposed"] = f"transfer.selectors.SEARCH_CAP = {transfer.selectors.SEARCH_CAP}"
    print(f"database {args.database}: {report['rows']}", flush=True)

    # SQL queries per request (in-process), before the load so the pool is untouched.
    pool = list(fx["referral_pool"])
    for ep in eps:
        if ep.write:
            continue
        ep.results["queries"] = count_queries(ep, users)
    for ep in eps:
        if ep.name.startswith("referral"):
            rid = pool.pop()
            ep.results["queries"] = count_write_queries(
                ep, users, f"/api/v1/ip/referrals/{rid}/transition/acknowledge/", "{}"
            )
        elif ep.name.startswith("voucher claim"):
            ep.results["queries"] = count_write_queries(ep, users, ep.paths[0], ep.bodies[0])
    from django.db import connections

    connections.close_all()

    server = Server(args.workers, Path(tempfile.gettempdir()) / f"bench-gunicorn-{os.getpid()}.log")
    server.start()
    beat = BeatStandIn()
    beat.start()
    try:
        sessions = {
            "official": [login(server.url, u, BENCH_PASSWORD) for u in identities["official"]],
            "enterprise": [login(server.url, identities["enterprise"][0], BENCH_PASSWORD) for _ in range(8)],
        }
        idle = server.worker_rss()
        report["rss_idle_mb"] = [round(x / 2**20, 1) for x in idle]
        pool_parts = {c: [] for c in levels}
        share = len(pool) // max(1, len(levels))
        for k, c in enumerate(levels):
            pool_parts[c] = pool[k * share : (k + 1) * share]
        for ep in eps:
            ep.results["runs"] = []
            ep.results["baseline_runs"] = []
            for c in levels:
                paths = ep.paths
                if ep.name.startswith("referral"):
                    paths = [f"/api/v1/ip/referrals/{rid}/transition/acknowledge/" for rid in pool_parts[c]]
                server.sample(True)
                run = run_wrk(server.url, ep, paths, sessions.get(ep.user or "", []), c, args.duration)
                server.sample(False)
                run["peak_rss_worker_mb"] = round(server.peak_worker / 2**20, 1)
                run["peak_rss_workers_total_mb"] = round(server.peak_total / 2**20, 1)
                ep.results["runs"].append(run)
                print(
                    f"{ep.name:<38} c={c:<2} {run['rps']:>7} req/s p50 {run['p50_ms']:>6} p95 {run['p95_ms']:>6} "
                    f"p99 {run['p99_ms']:>6} ms ok {run['ok_share']:.0%} rss {run['peak_rss_worker_mb']} MB",
                    flush=True,
                )
                if ep.baseline:
                    base_ep = Endpoint(
                        f"baseline {ep.baseline}", "baseline", ep.user, [f"/bench/baseline/{ep.baseline}/"]
                    )
                    server.sample(True)
                    brun = run_wrk(
                        server.url, base_ep, base_ep.paths, sessions.get(ep.user or "", []), c, args.duration
                    )
                    server.sample(False)
                    brun["peak_rss_worker_mb"] = round(server.peak_worker / 2**20, 1)
                    ep.results["baseline_runs"].append(brun)
                    print(
                        f"{'  baseline .values()':<38} c={c:<2} {brun['rps']:>7} req/s p50 {brun['p50_ms']:>6} "
                        f"p95 {brun['p95_ms']:>6} ms ok {brun['ok_share']:.0%}",
                        flush=True,
                    )
                    run["paired"] = paired_ratio(
                        server.url,
                        ep,
                        base_ep,
                        sessions.get(ep.user or "", []),
                        c,
                        args.pair_slices,
                        args.pair_slice_s,
                    )
                    print(
                        f"{'  paired slices':<38} c={c:<2} {run['paired']['rps']:>7} vs "
                        f"{run['paired']['baseline_rps']} req/s: {run['paired']['ratio']}×",
                        flush=True,
                    )
            if ep.baseline:
                base_ep = Endpoint(
                    f"baseline {ep.baseline}",
                    "baseline",
                    ep.user,
                    [f"/bench/baseline/{ep.baseline}/"],
                    sized="page_size",
                )
                ep.results["baseline_queries"] = count_queries(base_ep, users)
    finally:
        beat.stop()
        server.stop()
    report["dashboard_refresh_ms"] = beat.ms
    report["endpoints"] = [
        {
            "name": e.name,
            "group": e.group,
            "user": e.user or "anonymous",
            "method": e.method,
            "example": e.paths[0] if e.paths else "/api/v1/ip/referrals/{id}/transition/acknowledge/",
            "baseline": e.baseline,
            "target_p95_ms": e.target_p95_ms,
            "notes": e.notes,
            **e.results,
        }
        for e in eps
    ]
    from bench.vocab import QUERY_WORDS_2, QUERY_WORDS_4

    if eps:  # keep what the load measured even if a later phase fails or is stopped
        write_report(report, Path(args.out), stamp=started_at.strftime("%Y%m%d-%H%M%S") + "-http")
    if not args.skip_checks:
        print("search exactness (tsquery vs LIKE) …", flush=True)
        report["search_exactness"] = search_exactness(QUERY_WORDS_2 + QUERY_WORDS_4)
        report["explain_search"] = {w: explain_search(w) for w in (QUERY_WORDS_2[0], QUERY_WORDS_4[0])}
    if any(e.name.startswith("dashboard cockpit") for e in eps):
        report["dashboard_cold"] = dashboard_cold(users["official"])
        print(f"cockpit computed without cache: {report['dashboard_cold'].get('ms')} ms", flush=True)
    report["explain_other"] = {}
    for ep in eps if not args.skip_checks else []:
        q = ep.results.get("queries") or {}
        last = list(q.values())[-1] if q else {}
        sql = last.get("slowest_sql", "")
        if (
            ep.group != "search"
            and last.get("slowest_ms", 0) >= 5
            and sql.lstrip().upper().startswith("SELECT")
        ):
            try:
                report["explain_other"][f"{ep.name}: slowest query ({last['slowest_ms']} ms in-process)"] = (
                    explain_sql(sql)
                )
            except Exception as exc:  # a query with an unprintable parameter: keep the SQL instead
                report["explain_other"][f"{ep.name}: slowest query"] = f"{sql}\n-- EXPLAIN failed: {exc}"
    if not args.skip_pgbench:
        print("pgbench -S …", flush=True)
        report["pgbench"] = run_pgbench(10, 8)
    if not args.skip_celery and args.events:
        print(f"celery outbox, {args.events} events …", flush=True)
        report.update(
            celery_variants(
                args.events,
                Path(tempfile.gettempdir()) / f"bench-celery-{os.getpid()}.log",
                rounds=args.celery_rounds,
            )
        )
    report["finished_at"] = dt.datetime.now().isoformat(timespec="seconds")
    md, js = write_report(report, Path(args.out))
    for partial in Path(args.out).glob(f"{started_at.strftime('%Y%m%d-%H%M%S')}-http.*"):
        partial.unlink()  # the full report supersedes the one written after the load
    print(f"report: {md.relative_to(ROOT) if md.is_relative_to(ROOT) else md}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
