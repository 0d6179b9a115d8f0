# docker-compose.yml's postgres service, offline (docker-compose.offline.yml). BASE is
# hirebench-postgres-base:<hash>: Debian bookworm with postgresql-15 (postgres.packages), made by
# `hirebench compose build --offline`. It honours what the service sets for the official image:
# POSTGRES_DB, POSTGRES_USER and POSTGRES_PASSWORD, data in /var/lib/postgresql/data, pg_isready.
ARG BASE
FROM ${BASE}
COPY postgres-entrypoint.sh /usr/local/bin/hirebench-postgres-entrypoint
RUN chmod 0755 /usr/local/bin/hirebench-postgres-entrypoint \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
    && chmod 0700 /var/lib/postgresql/data
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PGDATA=/var/lib/postgresql/data LANG=C.UTF-8
EXPOSE 5432
# SIGINT is PostgreSQL's fast shutdown: it ends sessions instead of waiting for them, so
# `docker-compose down` stops it within the default grace period.
STOPSIGNAL SIGINT
ENTRYPOINT ["hirebench-postgres-entrypoint"]
CMD ["postgres"]
