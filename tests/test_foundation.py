"""The foundation: migrations complete, idempotent demo data, the embedded servers' start/reuse/stop."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from django.apps import apps
from django.core.management import call_command

from portal.management.commands._demo_ids import demo_uscc
from portal.management.commands.seed_demo import DEMO_PASSWORD
from portal.models import AgencyDomain, Membership, Organization, OrganizationKind, Role, User
from portal.validators import validate_uscc

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_migrations_are_complete():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_demo_uscc_is_valid_and_deterministic():
    for authority, org_type in (("9", "1"), ("1", "1"), ("1", "2")):
        code = demo_uscc("demo:x", "130600", authority=authority, org_type=org_type)
        validate_uscc(code)
        assert code[:2] == authority + org_type and code[2:8] == "130600"
        assert code == demo_uscc("demo:x", "130600", authority=authority, org_type=org_type)
    assert demo_uscc("demo:x", "110000") != demo_uscc("demo:y", "110000")


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = row_counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert row_counts() == first
    assert "Demo-Portal-2026!" in out.getvalue()

    for code, short in (("110000", "bj"), ("120000", "tj"), ("130000", "hb")):
        agencies = Organization.objects.filter(province_id=code, kind=OrganizationKind.AGENCY)
        assert set(agencies.values_list("agency_domain", flat=True)) >= {
            AgencyDomain.SCIENCE,
            AgencyDomain.HUMAN_RESOURCES,
            AgencyDomain.INTELLECTUAL_PROPERTY,
            AgencyDomain.MARKET_REGULATION,
        }
        for kind in ("enterprise", "university", "institute", "provider"):
            assert Organization.objects.filter(province_id=code, kind=kind).exists()
        for suffix, role in (
            ("coordinator", Role.REGION_COORDINATOR),
            ("science", Role.AGENCY_OFFICER),
            ("hr", Role.AGENCY_OFFICER),
            ("ip", Role.AGENCY_OFFICER),
            ("market", Role.AGENCY_OFFICER),
            ("enterprise", Role.ENTERPRISE_MEMBER),
            ("provider", Role.PROVIDER_MEMBER),
            ("expert", Role.EXPERT_REVIEWER),
        ):
            user = User.objects.get(username=f"{short}_{suffix}")
            assert user.has_role(role)
            assert user.province_id == code
            if role in (Role.REGION_COORDINATOR, Role.AGENCY_OFFICER):
                assert Membership.objects.get(user=user, role=role).region_id == code
    for org in Organization.objects.all():
        validate_uscc(org.uscc)
    assert User.objects.get(username="admin").is_staff
    assert User.objects.get(username="auditor").has_role(Role.AUDITOR)
    assert User.objects.get(username="security").has_role(Role.SECURITY_ADMIN)
    assert User.objects.get(username="bj_science").check_password(DEMO_PASSWORD)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def devstack(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "tools" / "devstack.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


def processes_on(data_dir: Path) -> list[str]:
    """Processes whose command line names the data directory (postgres -D ...)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline:
            found.append(cmdline)
    return found


def test_embedded_servers_start_reuse_persist_and_stop(tmp_path):
    """`up` twice reuses the running servers; `down` stops them; data survive a restart."""
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DEVSTACK_DATA=str(data), DEVSTACK_PG_PORT=str(free_port()), DEVSTACK_REDIS_PORT=str(free_port())
    )
    try:
        first = devstack("up", env=env)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "initdb" in first.stdout
        urls = dict(
            line.removeprefix("export ").split("=", 1)
            for line in first.stdout.splitlines()
            if "export" in line
        )
        pg_pid = int((data / "postgres" / "postmaster.pid").read_text().split()[0])
        redis_pid = int((data / "redis.pid").read_text())

        import psycopg
        import redis

        with psycopg.connect(
            urls["DATABASE_URL"].replace("postgres://", "postgresql://"), autocommit=True
        ) as conn:
            conn.execute("CREATE TABLE kept (v text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
        redis.Redis.from_url(urls["REDIS_URL"]).set("kept", "still here")

        second = devstack("up", env=env)
        assert second.returncode == 0, second.stdout + second.stderr
        assert second.stdout.count("reusing it") == 2
        assert int((data / "postgres" / "postmaster.pid").read_text().split()[0]) == pg_pid
        assert int((data / "redis.pid").read_text()) == redis_pid

        down = devstack("down", env=env)
        assert down.returncode == 0, down.stdout + down.stderr
        assert not psutil.pid_exists(pg_pid) or psutil.Process(pg_pid).status() == psutil.STATUS_ZOMBIE
        assert not psutil.pid_exists(redis_pid) or psutil.Process(redis_pid).status() == psutil.STATUS_ZOMBIE

        again = devstack("up", env=env)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "initdb" not in again.stdout
        with psycopg.connect(urls["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
            assert conn.execute("SELECT v FROM kept").fetchone() == ("still here",)
        assert redis.Redis.from_url(urls["REDIS_URL"]).get("kept") == b"still here"
    finally:
        devstack("down", env=env)
    assert processes_on(data) == []


def test_compose_file_names_real_services_and_commands():
    from tools.check_compose import check

    assert check(ROOT / "docker-compose.yml") == []


def test_every_beat_schedule_entry_names_a_registered_task():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    missing = {
        name: e["task"] for name, e in settings.CELERY_BEAT_SCHEDULE.items() if e["task"] not in app.tasks
    }
    assert not missing
