# Minh Bạch: one image for the API, the projection runner and the witness.
#   docker build -t minhbach:0.1.0 .
# The services and their commands are in docker-compose.yml; see docs/deployment.md.

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY projections ./projections
COPY api ./api
COPY verify ./verify
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
LABEL org.opencontainers.image.title="minhbach" \
      org.opencontainers.image.description="Signed, verifiable audit ledger for access-to-law recognition" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 minhbach \
 && useradd --system --uid 10001 --gid minhbach --home-dir /data --shell /usr/sbin/nologin minhbach \
 && mkdir -p /data \
 && chown minhbach:minhbach /data
COPY --from=build /install /usr/local
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MINHBACH_DATA_DIR=/data
USER minhbach
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-m", "api.healthcheck", "http", "http://127.0.0.1:8000/healthz"]
CMD ["uvicorn", "api.main:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", \
     "--no-access-log", "--proxy-headers", "--forwarded-allow-ips", "*"]
