# syntax=docker/dockerfile:1
# Multi-stage: uv builds the locked virtualenv, the runtime image runs it as a non-root user.
FROM python:3.11-slim AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN APP_ENV=production DJANGO_SECRET_KEY=build-only-not-a-secret PAYMENT_WEBHOOK_SECRET=whsec_YnVpbGQtb25seQ== \
    .venv/bin/python manage.py collectstatic --noinput

FROM python:3.11-slim AS runtime
# PROMETHEUS_MULTIPROC_DIR: gunicorn's workers (and, on a shared volume, the Celery
# worker: docker-compose.yml) write their samples there and /metrics adds them up.
ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1 APP_ENV=production PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
RUN useradd --system --uid 1000 --home /app billing \
 && mkdir -p /tmp/prometheus && chown billing:billing /tmp/prometheus
WORKDIR /app
COPY --from=build --chown=billing:billing /app /app
USER billing
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 \
  CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8000\")}/healthz', timeout=2)"
CMD ["sh", "-c", "exec gunicorn -c billing_project/gunicorn.conf.py billing_project.wsgi --bind 0.0.0.0:${PORT} --access-logfile -"]
