#!/usr/bin/env bash
# Sets up everything replikit needs on this machine: a Docker engine, the image the
# examples use (built offline when no registry is reachable), npm dependencies, the build, and
# a .env with generated passwords when there is none. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
# REPLIKIT_SETUP_SUITES=sid builds the MySQL 9.7 image instead (scripts/quickstart.sh mysql does).
scripts/test-env.sh ${REPLIKIT_SETUP_SUITES:-bookworm}
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build --silent
if [ ! -f .env ]; then
  gen() { node -e "process.stdout.write(require('crypto').randomBytes(18).toString('base64url'))"; }
  umask 077
  printf 'MYSQL_ROOT_PASSWORD=%s\nMYSQL_REPLICATION_PASSWORD=%s\n' "$(gen)" "$(gen)" > .env
  echo "setup: wrote .env with generated passwords (mode 0600)"
fi
echo "setup: done; try: npx replikit up -f configs/classic.yaml"
