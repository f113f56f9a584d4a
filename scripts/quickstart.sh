#!/usr/bin/env bash
# One command from a fresh machine to the classic two-node example running and verified.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec node dist/cli.js up -f configs/classic.yaml "$@"
