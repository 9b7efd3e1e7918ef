"""Proof that search stays on the index at scale: generate N listings and print the plan of the
search query (used by a test and by ``manage.py transfer_explain_search``)."""

from __future__ import annotations

import datetime
import io
import random

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from portal.models import Organization, OrganizationKind, Region
from portal.search import tsvector_literal

from .models import Listing
from .selectors import index_first, listing_list, listing_search

__all__ = ["generate_listings", "explain_search"]

_CHARS = (
    "材料电池能源芯片通信网络算法模型智能制造装备生物医药检测传感器件光电半导体精密加工控制系统平台数据安全"
    "环境治理污水固废催化合成纳米复合涂层结构设计仿真测试农业育种种植养殖中药提取分离纯化制剂"
)
_FIELDS = ["new_materials", "manufacturing", "biopharma", "communications", "energy_environment", "other"]


def _doc(rnd: random.Random, vocab: list[str], n_words: int) -> str:
    return "".join(rnd.choice(vocab) for _ in range(n_words)) + "。"


def generate_listings(n: int, *, distinct: int = 5000, seed: int = 7) -> int:
    """Insert ``n`` published listings (``distinct`` different texts, repeated) with COPY."""
    rnd = random.Random(seed)
    vocab = sorted({rnd.choice(_CHARS) + rnd.choice(_CHARS) for _ in range(4000)})
    region = Region.objects.get(pk="120000")
    org, _ = Organization.objects.get_or_create(
        uscc="91120000MA05X0000W",
        defaults={"kind": OrganizationKind.ENTERPRISE, "name": "检索压力测试单位", "region": region},
    )
    expires = (timezone.localdate() + datetime.timedelta(days=365)).isoformat()
    buf = io.StringIO()
    for i in range(distinct):
        title = _doc(rnd, vocab, rnd.randint(5, 12))
        desc = _doc(rnd, vocab, rnd.randint(75, 200))
        vec = tsvector_literal((title, "A"), (desc, "D"))
        row = [str(i), title, desc[:480], desc, rnd.choice(_FIELDS), vec.replace("\\", "\\\\")]
        buf.write("\t".join(row) + "\n")
    buf.seek(0)
    table = Listing._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE _gen (i int, title text, summary text, description text, field text, vec tsvector)"
            " ON COMMIT DROP"
        )
        with cur.cursor.copy("COPY _gen FROM STDIN") as copy:
            copy.write(buf.getvalue())
        # Building the GIN index once after the load is much faster than updating it row by row.
        cur.execute("DROP INDEX IF EXISTS transfer_listing_search_gin")
        cur.execute(
            f"""
            INSERT INTO {table} (kind, result_type, title, summary, description, field, trl, ip_refs,
                transfer_mode, price, negotiable, owner_id, region_id, province_id, contact_name,
                contact_phone, contact_email, expires_on, state, search_vector, key_terms, created_at, updated_at)
            SELECT 'supply', 'patent', left(g.title, 200), g.summary, g.description, g.field, 1 + (s %% 9),
                '{{}}', 'license', 10000 + s, false, %s, %s, %s, '联系人', '13800000000', '', %s,
                'published', g.vec, '{{}}', now(), now()
            FROM generate_series(0, %s - 1) AS s JOIN _gen g ON g.i = s %% %s
            """,
            [org.pk, region.pk, region.pk, expires, n, distinct],
        )
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # check the foreign keys now, so the index can be built
        cur.execute(f"CREATE INDEX transfer_listing_search_gin ON {table} USING gin (search_vector)")
        cur.execute(f"ANALYZE {table}")
        cur.execute("DROP TABLE _gen")
    return n


def explain_search(query: str, **filters) -> str:
    """The plan PostgreSQL chooses for the public search of ``query`` (as an anonymous visitor), under
    the planner settings the search runs with (``index_first``)."""
    qs = listing_search(listing_list(user=AnonymousUser()).filter(**filters), query)[:20]
    with index_first():
        return qs.explain()
