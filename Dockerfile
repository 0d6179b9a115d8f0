# The web and worker image for docker-compose. Candidate code never runs in here: the worker
# asks the host's Docker engine for sandbox containers (see docs/operations.md).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 HIREBENCH_INSTANCE_PATH=/var/lib/hirebench
RUN apt-get update \
 && apt-get install -y --no-install-recommends docker.io fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY hirebench ./hirebench
COPY templates ./templates
COPY static ./static
COPY sandbox ./sandbox
COPY exams ./exams
COPY graders ./graders
# uploads/ exists in the image so that docker-compose's new volume takes its owner.
RUN pip install --no-cache-dir -e . && pybabel compile -d hirebench/translations \
 && useradd --system --home /var/lib/hirebench hirebench \
 && mkdir -p /var/lib/hirebench/uploads && chown -R hirebench:hirebench /var/lib/hirebench
USER hirebench
EXPOSE 8000
CMD ["gunicorn", "--workers", "4", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "hirebench:create_app()"]
