#!/usr/bin/env bash
# Installs and starts what the test suites need, idempotently: Debian packages listed in .ci/apt-packages
# (installed only when missing, and only when running as root) and the services in .ci/services/*.sh.
# Called by `npm test` (scripts/test.mjs) and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in $(cat .ci/apt-packages 2>/dev/null); do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "ensure-services: missing Debian packages: ${need[*]} (install them: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "ensure-services: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

for svc in .ci/services/*.sh; do
  [ -e "$svc" ] || continue
  bash "$svc"
done
