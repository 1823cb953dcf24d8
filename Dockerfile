# A slim, non-root image that applies migrations and serves the API on port 8000.
#   docker build -t mature-lmi .
#   docker run -p 8000:8000 -v mature-data:/data -e MATURE_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')" mature-lmi
# For PostgreSQL add -e MATURE_DATABASE_URL=postgresql://user:password@host/dbname
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MATURE_ENV=production \
    MATURE_DATA_DIR=/data

RUN useradd --system --create-home --uid 10001 mature \
 && mkdir -p /data /srv/mature && chown mature /data

WORKDIR /srv/mature
# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md ./
COPY app/__init__.py app/__init__.py
RUN pip install --no-compile . && pip uninstall -y mature-lmi
COPY alembic.ini ./
COPY migrations migrations
COPY ontology ontology
COPY app app
RUN pip install --no-compile --no-deps -e .

USER mature
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["mature", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
