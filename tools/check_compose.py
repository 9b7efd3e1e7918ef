"""Validate docker-compose.yml without a Docker engine: the YAML parses, the stack has the services the
README promises with health checks and a database volume, and every command of the project's own
services names a real module or management command of this checkout.

    python tools/check_compose.py [docker-compose.yml]
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {"postgres", "redis", "migrate", "web", "worker", "beat"}
HEALTHCHECKED = {"postgres", "redis", "web", "worker"}


def _module_exists(dotted: str) -> bool:
    sys.path.insert(0, str(ROOT))
    try:
        return importlib.util.find_spec(dotted) is not None
    except ModuleNotFoundError:
        return False
    finally:
        sys.path.pop(0)


def _management_command_exists(name: str) -> bool:
    result = subprocess.run(
        [sys.executable, "manage.py", "help", name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
    )
    return result.returncode == 0


def check_command(service: str, command: list[str]) -> list[str]:
    errors = []
    exe, args = command[0], command[1:]
    venv_bin = Path(sys.executable).parent
    if exe in ("gunicorn", "celery") and not (venv_bin / exe).exists() and not shutil.which(exe):
        errors.append(f"{service}: {exe} is not installed by the project's dependencies")
    if exe == "gunicorn":
        takes_value = {"-b", "--bind", "-w", "--workers", "-k", "--worker-class", "-c", "--config"}
        app, skip = "", False
        for arg in args:
            if skip:
                skip = False
            elif arg in takes_value:
                skip = True
            elif not arg.startswith("-"):
                app = arg
                break
        module = app.split(":")[0]
        if not module or not _module_exists(module):
            errors.append(f"{service}: gunicorn app module {module!r} does not exist")
    elif exe == "celery":
        if "-A" not in args or not _module_exists(args[args.index("-A") + 1] + ".celery"):
            errors.append(f"{service}: celery -A must name the project's Celery app (config)")
        if not {"worker", "beat"} & set(args):
            errors.append(f"{service}: celery command is neither worker nor beat")
    elif exe == "python" and args[:1] == ["manage.py"]:
        if len(args) < 2 or not _management_command_exists(args[1]):
            errors.append(f"{service}: manage.py {args[1:2]} is not a management command of the project")
    else:
        errors.append(f"{service}: unexpected command {command!r}")
    return errors


def check(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text())
    services = data.get("services") or {}
    errors = [f"missing service {name}" for name in sorted(REQUIRED - set(services))]
    for name in sorted(HEALTHCHECKED & set(services)):
        if "healthcheck" not in services[name]:
            errors.append(f"{name}: no healthcheck")
    pg = services.get("postgres", {})
    if not any(str(v).split(":")[0] in (data.get("volumes") or {}) for v in pg.get("volumes", [])):
        errors.append("postgres: the database has no named volume")
    if not (ROOT / "Dockerfile").exists():
        errors.append("Dockerfile is missing")
    for name, svc in services.items():
        if "build" not in svc:
            continue  # images from a registry (postgres, redis)
        command = svc.get("command")
        if command is None:
            continue  # the Dockerfile's CMD
        if isinstance(command, str):
            command = command.split()
        errors += check_command(name, [str(c) for c in command])
        if svc.get("environment", {}).get("DJANGO_SETTINGS_MODULE") != "config.settings.production":
            errors.append(f"{name}: must run with config.settings.production")
    return errors


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else ROOT / "docker-compose.yml"
    errors = check(path)
    for error in errors:
        print(f"docker-compose.yml: {error}", file=sys.stderr)
    if not errors:
        print(f"{path.name}: services and commands check out")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
