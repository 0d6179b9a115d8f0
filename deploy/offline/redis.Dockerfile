# docker-compose.yml's redis service, offline (docker-compose.offline.yml). BASE is
# hirebench-redis-base:<hash>: Debian bookworm with redis-server (redis.packages), made by
# `hirebench compose build --offline`. Like the official image, it keeps its data in /data and
# takes `redis-server ARGS...` as the command.
ARG BASE
FROM ${BASE}
COPY redis-entrypoint.sh /usr/local/bin/hirebench-redis-entrypoint
RUN chmod 0755 /usr/local/bin/hirebench-redis-entrypoint \
    && mkdir -p /data && chown redis:redis /data
WORKDIR /data
USER redis
EXPOSE 6379
ENTRYPOINT ["hirebench-redis-entrypoint"]
CMD ["redis-server"]
