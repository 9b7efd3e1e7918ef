"""Compile gettext catalogs (.po) to .mo with Babel, as Django's compilemessages does with msgfmt.

    python tools/compilemessages.py path/to/django.po [...]

Fuzzy entries are left out (msgfmt's default); a catalog whose header is marked fuzzy, as
``makemessages`` writes it, is still compiled.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_po(po_path: Path) -> Path:
    mo_path = po_path.with_suffix(".mo")
    with po_path.open("rb") as fh:
        catalog = read_po(fh, abort_invalid=True)
    catalog.fuzzy = False
    with mo_path.open("wb") as fh:
        write_mo(fh, catalog, use_fuzzy=False)
    print(
        f"compiled {po_path} -> {mo_path.name} ({len([m for m in catalog if m.id and m.string and not m.fuzzy])} messages)"
    )
    return mo_path


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    for name in argv:
        compile_po(Path(name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
