# docker-compose.yml's web and worker image, offline (docker-compose.offline.yml); the root
# Dockerfile is the same image for hosts that can pull python:3.11. BASE is
# hirebench-app-base:<hash>: Debian bookworm with app.packages and /opt/hirebench/venv holding
# hirebench's dependencies at the versions of the environment that built it. The context, made by
# `hirebench compose build --offline` from the working tree: wheel/, the hirebench wheel, and
# app/, the folders it reads beside its package (templates, static, exams, graders, sandbox).
ARG BASE
FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LANG=C.UTF-8 \
    HIREBENCH_INSTANCE_PATH=/var/lib/hirebench \
    PATH=/app/bin:/opt/hirebench/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY app/ /app/
COPY wheel/ /tmp/wheel/
# --target puts the package at /app/hirebench, beside the folders above, which is where
# hirebench/paths.py looks for them; the .pth puts /app on the venv's path.
RUN pip install --no-index --no-deps --no-cache-dir --disable-pip-version-check \
        --target /app /tmp/wheel/*.whl \
    && rm -rf /tmp/wheel \
    && echo /app > /opt/hirebench/venv/lib/python3.11/site-packages/hirebench-app.pth \
    && python -m compileall -q /app/hirebench \
    && python -c "import hirebench.cli" \
    && useradd --system --home-dir /var/lib/hirebench --shell /usr/sbin/nologin hirebench \
    && mkdir -p /var/lib/hirebench/uploads \
    && chown -R hirebench:hirebench /var/lib/hirebench
WORKDIR /app
USER hirebench
EXPOSE 8000
CMD ["gunicorn", "--workers", "4", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "hirebench:create_app()"]
