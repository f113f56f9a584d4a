#!/usr/bin/env bash
# One command from a fresh machine to the classic two-node example running and verified.
#   scripts/quickstart.sh           MariaDB 10.11
#   scripts/quickstart.sh mysql     MySQL 9.7
# Further arguments go to replikit up (--json, --quiet, …).
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=mariadb
if [ "${1:-}" = mysql ] || [ "${1:-}" = mariadb ]; then flavour="$1"; shift; fi
if [ "$flavour" = mysql ]; then
  REPLIKIT_SETUP_SUITES=sid scripts/setup.sh
  export REPLIKIT_IMAGE="${REPLIKIT_IMAGE:-replikit/mysql:9.7}"
else
  scripts/setup.sh
fi
exec node dist/cli.js up -f configs/classic.yaml "$@"
