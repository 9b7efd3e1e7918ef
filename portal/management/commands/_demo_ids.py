"""Deterministic, valid identifiers for the demo data (the same codes on every machine and every run)."""

from __future__ import annotations

import hashlib
import random

from portal.validators import USCC_CHARSET, uscc_check_character

__all__ = ["demo_uscc"]


def demo_uscc(key: str, region_code: str, *, authority: str = "9", org_type: str = "1") -> str:
    """A valid 统一社会信用代码 (GB 32100-2015) derived from ``key``.

    ``authority``/``org_type``: "9"/"1" for an enterprise registered with market regulation,
    "1"/"1" for a government organ registered with 机构编制, "1"/"2" for a public institution.
    """
    seed = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    rnd = random.Random(seed)
    body = authority + org_type + region_code[:6] + "".join(rnd.choice(USCC_CHARSET) for _ in range(9))
    return body + uscc_check_character(body)
