# The quality-hooks metrics store: `docker build -t quality-store .`
# Runs `quality-hooks store serve` on port 8000 with SQLite in the /data volume by default;
# set QUALITY_STORE_DATABASE=postgresql://... to use PostgreSQL (see deploy/compose.yaml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    QUALITY_STORE_DATABASE=/data/store.sqlite3

WORKDIR /app
COPY pyproject.toml README.md ./
COPY quality_hooks ./quality_hooks
# The store needs only the [store] extra and requests, not the analysis stack (libcst, onnxruntime...):
# install the package without its dependencies, then exactly what the server imports.
RUN pip install --no-deps . \
 && pip install "fastapi>=0.110" "uvicorn>=0.27" "psycopg[binary]>=3.1" "requests>=2.31" \
 && useradd --system --uid 10001 --home-dir /data store \
 && mkdir -p /data && chown store /data

USER store
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
ENTRYPOINT ["quality-hooks", "store"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
