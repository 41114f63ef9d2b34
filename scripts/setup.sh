#!/usr/bin/env bash
# Idempotent setup: Debian packages the code needs, the venv, locked Python packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: antiword + LibreOffice read/build Word 97 .doc; chromium + CJK fonts render the
# report in tests; PostgreSQL + Redis back the real Celery cluster test.
need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
pkg() { dpkg -s "$1" >/dev/null 2>&1; }
have antiword || need_apt+=(antiword)
have soffice || need_apt+=(libreoffice-writer-nogui)
have chromium || need_apt+=(chromium)
pkg fonts-noto-cjk || need_apt+=(fonts-noto-cjk)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
have redis-server || need_apt+=(redis-server)
for extra in ${WP_EXTRA_APT:-}; do pkg "$extra" || need_apt+=("$extra"); done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[setup] apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  # A freshly installed server package may start its default instance; our tests run their own.
  for svc in redis-server postgresql; do
    (command -v service >/dev/null && service "$svc" stop) >/dev/null 2>&1 || true
  done
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "$PY" -m venv .venv
fi
lock_hash=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ "$(cat .venv/.lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  echo "[setup] installing locked packages (requirements.lock)"
  if [ ! -x .venv/bin/uv ]; then
    .venv/bin/python -m pip --version >/dev/null 2>&1 || .venv/bin/python -m ensurepip >/dev/null
    .venv/bin/python -m pip install -q --disable-pip-version-check "$(grep -E '^uv==' requirements.lock)"
  fi
  # --compile-bytecode: every dbt Python model, Airflow task and CLI call starts a fresh interpreter;
  # without .pyc files (PYTHONDONTWRITEBYTECODE=1 is common in CI shells) each recompiles pandas,
  # scipy, dbt and jieba: 6-11 s per dbt Python model measured on this 2-core machine.
  .venv/bin/uv pip sync -q --compile-bytecode --python .venv/bin/python requirements.lock
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps --no-build-isolation -e .
  echo "$lock_hash" > .venv/.lock-hash
fi
echo "[setup] ok: $(.venv/bin/python --version), $(.venv/bin/airflow version 2>/dev/null | tail -1 | sed 's/^/airflow /')"
