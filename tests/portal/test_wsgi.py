"""The WSGI entry point loads the whole application before serving and freezes it for the collector."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, sys
import config.wsgi
loaded = [m for m in ("transfer.api.views", "cooperation.views", "talent.api.serializers") if m in sys.modules]
gc.collect()
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "tracked": len(gc.get_objects()),
    "loaded": loaded,
}))
"""


def test_wsgi_import_loads_the_urlconf_and_leaves_it_frozen_so_full_collections_stay_short():
    # A fresh interpreter, as a gunicorn worker: the probe must not freeze the test process itself.
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    # Views, pages and serializers were imported by the URLconf before the freeze…
    assert probe["loaded"] == ["transfer.api.views", "cooperation.views", "talent.api.serializers"]
    # …so the collector no longer walks them: what remains tracked is what the probe itself made.
    assert probe["frozen"] > 100_000
    assert probe["tracked"] < 1_000
