#!/usr/bin/env bash
# The whole test suite: build, static checks, the built-package import check, the packed
# packages (contents, publint, @arethetypeswrong), the public API against api/*.api.md,
# then every jest project (unit, conformance, integration against real brokers
# started on loopback by jest's global setup). Usage: npm test
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== build"; npx tsc --build
echo "== lint"; npx eslint .
echo "== format"; npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
echo "== workspace wiring"; node scripts/check-workspace.mjs
echo "== import cycles"; npm run -s cycles >/dev/null || { npm run -s cycles; exit 1; }
echo "== exports"; node scripts/check-exports.mjs
echo "== packed packages"; node scripts/check-packages.mjs
echo "== public API report"; node scripts/api-report.mjs
echo "== capability matrix"; node packages/cli/scripts/capability-matrix.mjs --check --declared-only
echo "== jest"; npx jest --coverage --ci "$@"
