#!/usr/bin/env bash
# Create .venv with Python 3.11 and install net247 into it from requirements.lock; on a fresh Debian/Ubuntu
# machine, install the venv module first when we may (root, apt).
set -euo pipefail
venv="${1:-.venv}"
python=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
    python="$candidate"; break
  fi
done
if [ -z "$python" ]; then
  echo "net247 needs Python 3.11 (Debian 12: apt-get install python3; Ubuntu: python3.11)" >&2
  exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv --help >/dev/null 2>&1 || ! "$python" -c 'import ensurepip' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11-venv \
        || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
    else
      echo "the venv module is missing: sudo apt-get install python3.11-venv" >&2
      exit 1
    fi
  fi
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
# Exactly the locked versions, each checked against its hash; then the project itself.
"$venv/bin/python" -m pip install --quiet --require-hashes -r requirements.lock
"$venv/bin/python" -m pip install --quiet --no-deps -e .
