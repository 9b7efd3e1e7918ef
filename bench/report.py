"""The benchmark report: one JSON file with every figure, and the same as Markdown tables, with the
issue's targets checked (bench/reports/<timestamp>.json and .md)."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from pathlib import Path

__all__ = ["write_report", "render_markdown", "evaluate_targets"]

LIST_RATIO_TARGET = 0.5
CELERY_RATE_TARGET = 300.0
CELERY_LAG_TARGET_S = 2.0


def _run_at(runs: list[dict], concurrency: int) -> dict | None:
    for r in runs or []:
        if r.get("concurrency") == concurrency:
            return r
    return None


def _max_c(report: dict) -> int:
    levels = report.get("settings", {}).get("concurrency") or [8]
    return 8 if 8 in levels else max(levels)


def evaluate_targets(report: dict) -> list[dict]:
    """Each target of issue 10 with the measured figure and met / missed."""
    c = _max_c(report)
    out = []
    for ep in report.get("endpoints", []):
        run = _run_at(ep.get("runs"), c)
        if run and ep.get("target_p95_ms") and ep.get("method") == "GET":
            ok = run["p95_ms"] < ep["target_p95_ms"] and run["ok_share"] >= 0.99
            out.append(
                {
                    "target": f"{ep['name']}: p95 < {ep['target_p95_ms']:g} ms at c={c}",
                    "measured": f"{run['p95_ms']} ms ({run['ok_share']:.0%} 2xx)",
                    "met": ok,
                }
            )
        base = _run_at(ep.get("baseline_runs"), c)
        paired = (run or {}).get("paired")
        if paired and paired.get("ratio") is not None:
            whole = f"; whole runs {run['rps'] / base['rps']:.2f}×" if base and base["rps"] else ""
            out.append(
                {
                    "target": f"{ep['name']}: ≥ {LIST_RATIO_TARGET:g}× the .values() view's req/s at c={c}",
                    "measured": f"{paired['ratio']:.2f}× (alternating slices: {paired['rps']} vs "
                    f"{paired['baseline_rps']} req/s{whole})",
                    "met": paired["ratio"] >= LIST_RATIO_TARGET,
                }
            )
        elif run and base and base["rps"]:  # reports from before the paired slices
            ratio = run["rps"] / base["rps"]
            out.append(
                {
                    "target": f"{ep['name']}: ≥ {LIST_RATIO_TARGET:g}× the .values() view's req/s at c={c}",
                    "measured": f"{ratio:.2f}× ({run['rps']} vs {base['rps']})",
                    "met": ratio >= LIST_RATIO_TARGET,
                }
            )
        q = ep.get("queries") or {}
        if "10" in q and "50" in q:
            out.append(
                {
                    "target": f"{ep['name']}: queries do not grow with page size",
                    "measured": f"{q['10']['queries']} at 10, {q['50']['queries']} at 50",
                    "met": q["50"]["queries"] <= q["10"]["queries"],
                }
            )
    for row in report.get("search_exactness", []):
        out.append(
            {
                "target": f"search “{row['word']}” finds what LIKE finds",
                "measured": f"{row['tsquery_matches']} vs {row['like_matches']} (missing {row['missing']}, extra {row['extra']})",
                "met": row["missing"] == 0 and row["extra"] == 0,
            }
        )
    for key, suffix in (
        ("celery", ""),
        ("celery_batch1", " (before: one event per task)"),
        ("celery_c2", " (concurrency 2)"),
    ):
        out += _celery_targets(report.get(key), suffix)
    return out


def _celery_targets(cel: dict | None, suffix: str) -> list[dict]:
    out: list[dict] = []
    if cel and "delivered_per_s" in cel:
        rate = cel.get("delivered_per_s") or 0
        out.append(
            {
                "target": f"outbox ≥ {CELERY_RATE_TARGET:g} events/s with one worker{suffix}",
                "measured": f"{rate} events/s",
                "met": rate >= CELERY_RATE_TARGET,
            }
        )
        out.append(
            {
                "target": f"outbox lag p95 < {CELERY_LAG_TARGET_S:g} s{suffix}",
                "measured": f"{cel.get('lag_p95_s')} s",
                "met": (cel.get("lag_p95_s") or 1e9) < CELERY_LAG_TARGET_S,
            }
        )
    return out


def _fmt_q(q: dict | None) -> str:
    if not q:
        return "—"
    return " / ".join(f"{v['queries']}" for v in q.values())


def _fmt_sql(q: dict | None) -> str:
    if not q:
        return ""
    last = list(q.values())[-1]
    return f"{last.get('sql_ms', '')} / {last.get('slowest_ms', '')}"


def _ratio_cell(run: dict, base: dict | None) -> str:
    """The paired-slices ratio where the run has one (the one the target is held to), and the ratio of
    the two whole runs."""
    if not base or not base["rps"]:
        return ""
    whole = f"{run['rps'] / base['rps']:.2f}×"
    paired = run.get("paired")
    if paired and paired.get("ratio") is not None:
        return f"**{paired['ratio']:.2f}×** paired ({whole} whole runs)"
    return whole


def render_markdown(report: dict) -> str:
    m = report.get("machine", {})
    lines = [
        f"# Benchmark report {report.get('started_at', '')}",
        "",
        f"Database `{report.get('database')}` at scale **{report.get('scale')}**; "
        f"machine: {m.get('nproc')} cores ({m.get('cpu', '?')}), {m.get('ram_gib')} GiB RAM, "
        f"PostgreSQL {m.get('postgresql')} (shared_buffers {m.get('shared_buffers')}), Python {m.get('python')}, "
        f"Django {m.get('django')}; load average at start {m.get('loadavg_at_start')}.",
        "",
        "Settings: " + "; ".join(f"{k} {v}" for k, v in report.get("settings", {}).items()),
        "",
        "## Rows",
        "",
        "| table | rows |",
        "| --- | ---: |",
    ]
    lines += [f"| {k} | {v:,} |" for k, v in report.get("rows", {}).items()]
    gen = report.get("generation") or {}
    if gen.get("total_rows"):
        lines += [
            "",
            f"Generation: {gen['total_rows']:,} rows in {gen.get('elapsed_s')} s ({gen.get('rows_per_s'):,} rows/s; "
            f"wall time with migrate {gen.get('wall_s')} s).",
        ]
    lines += [
        "",
        "## Endpoints",
        "",
        "Queries per request: at page size 10 / 50 where the endpoint has one, else one figure; SQL ms: "
        "the database time of one request in-process (largest page size), all queries / the slowest. "
        "RSS: peak of one gunicorn worker during the run. vs baseline: req/s of the list over the "
        "`.values()` view's, measured in alternating short slices (both sides under the same background "
        "load), and of the two whole runs.",
        "",
        "| endpoint | user | c | req/s | p50 ms | p95 ms | p99 ms | 2xx | queries | SQL ms all / slowest | peak RSS MB | vs baseline | load 1m |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: |",
    ]
    for ep in report.get("endpoints", []):
        for run in ep.get("runs", []):
            base = _run_at(ep.get("baseline_runs"), run["concurrency"])
            ratio = _ratio_cell(run, base)
            lines.append(
                f"| {ep['name']} | {ep['user']} | {run['concurrency']} | {run['rps']} | {run['p50_ms']} | "
                f"{run['p95_ms']} | {run['p99_ms']} | {run['ok_share']:.0%} | {_fmt_q(ep.get('queries'))} | "
                f"{_fmt_sql(ep.get('queries'))} | {run.get('peak_rss_worker_mb', '')} | {ratio} | "
                f"{run.get('loadavg_1m', '')} |"
            )
            if base:
                lines.append(
                    f"| ↳ baseline `.values()` view | {ep['user']} | {base['concurrency']} | {base['rps']} | "
                    f"{base['p50_ms']} | {base['p95_ms']} | {base['p99_ms']} | {base['ok_share']:.0%} | "
                    f"{_fmt_q(ep.get('baseline_queries'))} | {_fmt_sql(ep.get('baseline_queries'))} | "
                    f"{base.get('peak_rss_worker_mb', '')} | 1.00× | {base.get('loadavg_1m', '')} |"
                )
    non2xx = [
        (ep["name"], r["concurrency"], r["statuses"])
        for ep in report.get("endpoints", [])
        for r in ep.get("runs", [])
        if r["ok_share"] < 1
    ]
    if non2xx:
        lines += ["", "Responses other than 2xx: " + "; ".join(f"{n} c={c}: {s}" for n, c, s in non2xx)]
    pg = report.get("pgbench")
    if pg and "tps" in pg:
        lines += [
            "",
            "## Database baseline",
            "",
            f"`pgbench -S -c{pg['clients']} -j2 -T10` (scale 10, same server): **{pg['tps']:,} tps**, "
            f"latency average {pg['latency_avg_ms']} ms.",
            "",
            "| endpoint | req/s at c=8 | share of pgbench tps |",
            "| --- | ---: | ---: |",
        ]
        c = _max_c(report)
        for ep in report.get("endpoints", []):
            run = _run_at(ep.get("runs"), c)
            if run:
                lines.append(f"| {ep['name']} | {run['rps']} | {run['rps'] / pg['tps']:.4f}× |")
    if report.get("search_exactness"):
        lines += [
            "",
            "## Search: same rows as a sequential LIKE scan",
            "",
            "| word | tsquery | matches | LIKE matches | missing | extra | count via index ms | LIKE scan ms |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in report["search_exactness"]:
            lines.append(
                f"| {r['word']} | `{r['tsquery']}` | {r['tsquery_matches']:,} | {r['like_matches']:,} | "
                f"{r['missing']} | {r['extra']} | {r['tsquery_count_ms']} | {r['like_scan_ms']} |"
            )
    variants = [k for k in ("celery", "celery_batch1", "celery_c2") if report.get(k)]
    if variants:
        first = report[variants[0]]
        lines += [
            "",
            "## Celery outbox",
            "",
            f"One worker; {first.get('events')} events per phase, two recipients each (inbox + e-mail rows). "
            "Capacity: events committed as fast as one process can (50 per transaction), the worker's drain "
            "rate. Lag: events offered at 300/s (10 per transaction), Event.created_at → Notification.created_at. "
            "Variants alternated; medians of the rounds (each round in the JSON).",
            "",
            "| variant | capacity events/s (median) | offered /s | delivered /s | lag p50 s | lag p95 s (median) | undelivered |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for key in variants:
            cel = report[key]
            lag = cel.get("lag", {})
            cap = cel.get("capacity", {})
            lines.append(
                f"| {cel.get('title', key)} | {cel.get('delivered_per_s')} | {lag.get('offered_per_s')} | "
                f"{lag.get('delivered_per_s')} | {lag.get('lag_p50_s')} | {cel.get('lag_p95_s')} | "
                f"{(cap.get('undelivered') or 0) + (lag.get('undelivered') or 0)} |"
            )
    cold = report.get("dashboard_cold")
    if cold:
        lines += [
            "",
            f"Cockpit figures computed without the cache ({', '.join(cold['provinces'])}): {cold['ms']} ms, "
            f"{cold['queries']} queries, slowest {cold['slowest_ms']} ms.",
        ]
    refreshes = report.get("dashboard_refresh_ms")
    if refreshes:
        lines += [
            "",
            f"The cockpit's recompute during the HTTP runs (what beat does, every set of provinces): "
            f"{len(refreshes)} refreshes, median {statistics.median(refreshes):.0f} ms, "
            f"longest {max(refreshes):.0f} ms.",
        ]
    if report.get("settings", {}).get("proposed"):
        lines += ["", f"**Proposed change measured in this run:** {report['settings']['proposed']}."]
    targets = evaluate_targets(report)
    if targets:
        lines += ["", "## Targets", "", "| target | measured | |", "| --- | --- | --- |"]
        lines += [
            f"| {t['target']} | {t['measured']} | {'met' if t['met'] else '**MISSED**'} |" for t in targets
        ]
    for word, plan in (report.get("explain_search") or {}).items():
        lines += [
            "",
            f"## EXPLAIN ANALYZE: search “{word}” (supply, Tianjin, top 20)",
            "",
            "```",
            plan,
            "```",
        ]
    for title, plan in (report.get("explain_other") or {}).items():
        lines += ["", f"## EXPLAIN ANALYZE: {title}", "", "```", plan, "```"]
    lines.append("")
    return "\n".join(lines)


def write_report(report: dict, directory: Path, stamp: str | None = None) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = stamp or dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    report = {**report, "targets": evaluate_targets(report)}
    js = directory / f"{stamp}.json"
    md = directory / f"{stamp}.md"
    js.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    md.write_text(render_markdown(report))
    return md, js
