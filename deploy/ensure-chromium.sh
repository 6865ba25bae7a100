#!/usr/bin/env bash
# Browser tests drive Debian's Chromium; install it when missing and we may (root, apt).
set -u
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 \
    || echo "could not install chromium; browser tests will be skipped"
else
  echo "no /usr/bin/chromium; browser tests will be skipped (sudo apt-get install chromium)"
fi
