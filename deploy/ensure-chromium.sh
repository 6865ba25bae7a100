#!/usr/bin/env bash
# Browser tests drive Debian's Chromium, and read printed PDFs with poppler-utils'
# pdftotext; install what is missing when we may (root, apt).
set -u
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
command -v pdftotext >/dev/null 2>&1 || missing="$missing poppler-utils"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's$missing for the browser tests..."
  # shellcheck disable=SC2086
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) >/dev/null 2>&1 \
    || echo "could not install$missing; the tests that need it will be skipped"
else
  echo "missing:$missing; the tests that need it will be skipped (sudo apt-get install$missing)"
fi
