# claimgraph API image: migrates the database named by DATABASE_URL, then serves with uvicorn.
# `claimgraph serve` gives uvicorn the protocol that bounds each request head in time and size;
# UVICORN_HTTP does the same for `uvicorn app.main:create_app --factory` run in the image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CLAIMGRAPH_HOST=0.0.0.0 \
    CLAIMGRAPH_PORT=8000 \
    DATABASE_URL=sqlite:////data/claimgraph.db \
    UVICORN_HTTP=app.http.serving:GuardedHTTP

WORKDIR /srv/claimgraph

COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /srv/claimgraph claimgraph \
    && mkdir -p /data \
    && chown claimgraph /data

USER 10001
EXPOSE 8000
VOLUME ["/data"]

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['CLAIMGRAPH_PORT']}/readyz\", timeout=2)"]

CMD ["sh", "-c", "claimgraph db upgrade && exec claimgraph serve"]
