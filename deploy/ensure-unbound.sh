#!/usr/bin/env bash
# The blocking feed's resolver test loads the RPZ a node serves into Debian's unbound;
# install it when it is missing and we may (root, apt). The test skips, saying why,
# when it is not there.
set -u
command -v unbound >/dev/null 2>&1 && exit 0
[ -x /usr/sbin/unbound ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's unbound for the blocking feed's resolver test..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unbound) >/dev/null 2>&1 \
    || echo "could not install unbound; the resolver test will be skipped"
  # The package enables a system resolver service; the test runs its own unbound.
  command -v systemctl >/dev/null 2>&1 && systemctl disable --now unbound >/dev/null 2>&1
  exit 0
else
  echo "missing: unbound; the resolver test will be skipped (sudo apt-get install unbound)"
fi
