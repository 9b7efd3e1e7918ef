"""Benchmark harness: data generation at scale (``python -m bench.generate``), a load run against
gunicorn with baselines (``python -m bench.run``), and the Celery outbox throughput. See README.md."""
