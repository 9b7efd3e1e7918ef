# Production image: gunicorn serves the portal, the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

# Dependencies first (cached while only the code changes), pinned by the lock file.
COPY pyproject.toml requirements.lock ./
RUN pip install -c requirements.lock .

COPY . .

# Static files are collected at build time and served by whitenoise (no CDN). The key is a build-time
# dummy: production settings refuse to start without real secrets, which only exist at run time.
RUN SECRET_KEY=build-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    FIELD_ENCRYPTION_KEY=build-only-not-a-secret-0123456789abcdef \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput -v 0

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin portal \
    && mkdir -p /app/.data/media \
    && chown -R portal:portal /app/.data
USER portal

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request as u; u.urlopen(u.Request('http://127.0.0.1:8000/healthz', headers={'X-Forwarded-Proto': 'https', 'Host': 'localhost'}), timeout=4)"

CMD ["gunicorn", "config.wsgi", "-b", "0.0.0.0:8000", "-w", "3", "--access-logfile", "-"]
