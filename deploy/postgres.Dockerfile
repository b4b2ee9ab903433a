# PostgreSQL from Debian's package on the offline base (where a registry is reachable, the
# official postgres image works the same way with the compose file's variables).
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql \
 && rm -rf /var/lib/apt/lists/*
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
# The data folder exists in the image so a new named volume inherits postgres's ownership.
RUN mkdir -p /var/lib/postgresql/data && chown postgres:postgres /var/lib/postgresql/data
USER postgres
ENV PGDATA=/var/lib/postgresql/data
EXPOSE 5432
CMD ["sh", "/usr/local/bin/postgres-entrypoint.sh"]
