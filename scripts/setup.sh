#!/usr/bin/env bash
# Idempotent setup: Debian packages the code needs, the venv, locked Python packages.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v antiword >/dev/null 2>&1 || need_apt+=(antiword)                   # reads legacy .doc
command -v soffice >/dev/null 2>&1 || need_apt+=(libreoffice-writer-nogui)     # builds/reads Word 97 .doc
for extra in ${WP_EXTRA_APT:-}; do command -v "$extra" >/dev/null 2>&1 || need_apt+=("$extra"); done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[setup] apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv"
  "$PY" -m venv .venv
fi
lock_hash=$(sha256sum requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ "$(cat .venv/.lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  echo "[setup] installing locked packages (requirements.lock)"
  [ -x .venv/bin/uv ] || .venv/bin/python -m pip install -q "$(grep -E '^uv==' requirements.lock)"
  .venv/bin/uv pip sync -q --python .venv/bin/python requirements.lock
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps --no-build-isolation -e .
  echo "$lock_hash" > .venv/.lock-hash
fi
echo "[setup] ok: $(.venv/bin/python --version), $(.venv/bin/airflow version 2>/dev/null | tail -1 | sed 's/^/airflow /')"
