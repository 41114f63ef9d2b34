# Airflow 3.3 + the workplans pipeline, from the project's lock file.
# Build: docker compose build   (or: docker build -t workplans-airflow .)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/workplans/dags \
    AIRFLOW__CORE__PLUGINS_FOLDER=/opt/workplans/plugins \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    WP_VAR_DIR=/opt/airflow/var \
    GX_ANALYTICS_ENABLED=False \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false

# antiword reads legacy .doc; LibreOffice Writer (headless) converts/builds Word 97 files.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      antiword libreoffice-writer-nogui \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/workplans

# Dependencies first (cached layer): exactly the pinned set of requirements.lock.
COPY requirements.lock ./
RUN python -m pip install "$(grep -E '^uv==' requirements.lock)" \
 && uv pip sync --system --compile-bytecode requirements.lock

# The project itself (editable install: DAGs import `extract` from /opt/workplans).
COPY pyproject.toml ./
COPY extract ./extract
COPY sample_portals ./sample_portals
COPY dags ./dags
COPY plugins ./plugins
COPY config ./config
COPY expectations ./expectations
COPY dbt_project ./dbt_project
RUN uv pip install --system --no-deps --no-build-isolation -e . \
 && python -c "import extract, sample_portals, airflow.providers.celery, psycopg2"

# Non-root runtime user; the named volumes inherit these owners on first mount.
RUN useradd --uid 50000 --gid 0 --home-dir /opt/airflow --no-create-home --shell /bin/bash airflow \
 && mkdir -p /opt/airflow/logs /opt/airflow/secrets \
             /opt/airflow/var/warehouse /opt/airflow/var/archive /opt/airflow/var/publish \
 && chown -R 50000:0 /opt/airflow \
 && chmod 0700 /opt/airflow/secrets
USER 50000
WORKDIR /opt/airflow
EXPOSE 8080
CMD ["airflow", "version"]
