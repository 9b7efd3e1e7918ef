"""Chinese full-text search in PostgreSQL (see PERFORMANCE.md, "Chinese full-text search"): technology
listings (``transfer``) and organizations' names (the organization box's suggestions).

Each row's tsvector holds every CJK bigram of its text at consecutive positions, every Latin or
digit run (5G, 3D, CRISPR) as its own lexeme, and rjieba's words. A query word becomes the phrase
of its bigrams (``'动力' <-> '力电' <-> '电池'``), which finds exactly the rows ``LIKE '%动力电池%'``
finds, through the GIN index. The tsvector and tsquery are written as literals (no PostgreSQL text
parser in between), so what is stored and what is asked for are the same lexemes.
"""

from __future__ import annotations

import re
from collections import Counter

import rjieba
from django.contrib.postgres.search import SearchVectorField
from django.db import connections, transaction
from django.db.models import Lookup, Value
from django.db.models.functions import Cast

__all__ = [
    "TsVectorField",
    "tsvector_value",
    "name_vector",
    "write_missing_name_vectors",
    "tsvector_literal",
    "tsquery_for",
    "key_terms",
    "terms_query",
    "STOP_WORDS",
]

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN_RE = re.compile(rf"[{_CJK}]+|[A-Za-z0-9]+")
_CJK_RE = re.compile(rf"^[{_CJK}]+$")
_WORD_RE = re.compile(rf"^[{_CJK}A-Za-z0-9]+$")
MAX_POSITION = 16383

STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "和",
        "与",
        "及",
        "或",
        "等",
        "在",
        "是",
        "为",
        "对",
        "于",
        "将",
        "可",
        "以",
        "并",
        "其",
        "该",
        "本",
        "一种",
        "进行",
        "通过",
        "实现",
        "具有",
        "相关",
        "提供",
        "我们",
        "需要",
        "能够",
        "以及",
        "主要",
        "方面",
        "一个",
        "用于",
        "基于",
        "技术",
        "公司",
        "企业",
        "项目",
        "研究",
        "开发",
        "应用",
        "系统",
        "方法",
        "寻求",
        "方案",
        "要求",
        "需求",
        "我公司",
        "本公司",
        "本成果",
        "本发明",
        "成果",
        "适配",
        "适用",
        "已经",
        "验证",
        "合作",
        "希望",
        "解决",
        "问题",
        "包括",
        "采用",
        "利用",
        "使用",
        "面向",
        "领域",
        "产品",
        "服务",
        "可以",
    ]
)


class TsVectorField(SearchVectorField):
    """A tsvector written by our own tokenizer (jieba words + CJK bigrams, see search.py).

    ``field__matches="<tsquery text>"`` compiles to ``field @@ '<tsquery text>'::tsquery``: the query
    text is used as-is, no parser in between, so the lexemes match the stored ones exactly."""


@TsVectorField.register_lookup
class TsMatches(Lookup):
    lookup_name = "matches"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @@ ({rhs})::tsquery", [*lhs_params, *rhs_params]


def tsvector_value(literal: str) -> Cast:
    """The expression that writes a ``tsvector_literal`` into a ``TsVectorField``."""
    return Cast(Value(literal), output_field=TsVectorField())


def name_vector(name: str) -> str:
    """The tsvector literal of an organization's name (``Organization.search_vector``)."""
    return tsvector_literal((name, "A"))


def write_missing_name_vectors(organization_model, using: str = "default", batch: int = 2_000) -> int:
    """Write the name vector of every organization that has none (``organization_model``: the model,
    or a migration's historical one); returns how many. Idempotent."""
    table = organization_model._meta.db_table
    rows = (
        organization_model._default_manager.using(using)
        .filter(search_vector__isnull=True)
        .order_by("pk")
        .values_list("pk", "name")
    )
    sql = f"UPDATE {table} SET search_vector = %s::tsvector WHERE id = %s"  # noqa: S608 - the model's table
    written = 0
    pending = list(rows[:batch])
    while pending:
        with transaction.atomic(using=using), connections[using].cursor() as cursor:  # a batch at a time
            cursor.executemany(sql, [(name_vector(name), pk) for pk, name in pending])
        written += len(pending)
        pending = list(rows.filter(pk__gt=pending[-1][0])[:batch])
    return written


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _runs(text: str) -> list[str]:
    return _RUN_RE.findall(text or "")


def tsvector_literal(*parts: tuple[str, str]) -> str:
    """The tsvector text for ``(text, weight)`` parts, weights "A" (title) to "D"."""
    positions: dict[str, list[str]] = {}
    pos = 1

    def add(lexeme: str, weight: str) -> None:
        p = min(pos, MAX_POSITION)
        entry = positions.setdefault(lexeme, [])
        if len(entry) < 256:
            entry.append(f"{p}{weight if weight != 'D' else ''}")

    for text, weight in parts:
        for run in _runs(text):
            if _CJK_RE.match(run):
                if len(run) == 1:
                    add(run, weight)
                    pos += 1
                for i in range(len(run) - 1):
                    add(run[i : i + 2], weight)
                    pos += 1
            else:
                add(run.lower(), weight)
                pos += 1
            pos += 1  # a gap: a phrase never spans two runs
        for word in rjieba.cut(text or ""):
            w = word.strip().lower()
            if len(w) > 2 and _WORD_RE.match(w) and _CJK_RE.match(w):
                add(w, weight)
                pos += 1
        pos += 1
    return " ".join(f"{_quote(lex)}:{','.join(ps)}" for lex, ps in positions.items())


def tsquery_for(query: str) -> str:
    """The tsquery text that finds listings containing every word of ``query`` (AND of phrases)."""
    terms: list[str] = []
    for run in _runs(query)[:20]:
        if _CJK_RE.match(run):
            if len(run) == 1:
                terms.append(f"{_quote(run)}:*")  # a bigram starting with this character
            else:
                terms.append("(" + " <-> ".join(_quote(run[i : i + 2]) for i in range(len(run) - 1)) + ")")
        else:
            terms.append(_quote(run.lower()))
    return " & ".join(terms)


def key_terms(title: str, text: str, limit: int = 12) -> list[str]:
    """The listing's key terms: its most frequent jieba words of two or more characters (title
    words count three times), for matching."""
    counts: Counter[str] = Counter()
    for source, weight in ((title, 3), (text, 1)):
        for word in rjieba.cut(source or ""):
            w = word.strip().lower()
            if len(w) >= 2 and _WORD_RE.match(w) and w not in STOP_WORDS and not w.isdigit():
                counts[w] += weight
    return [w for w, _n in counts.most_common(limit)][:limit]


def terms_query(terms: list[str]) -> str:
    """OR of the terms, each as its bigram phrase (or Latin lexeme)."""
    parts = [tsquery_for(t) for t in terms if t]
    return " | ".join(f"({p})" for p in parts if p)
