#!/usr/bin/env bash
# Runs every compiled test file with Node's own test runner (CI reads its closing summary).
# Test files run one at a time: some set up swap and cgroups and measure timings.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
if [ "${#files[@]}" -eq 0 ]; then echo "no test files found under dist/test" >&2; exit 1; fi
exec node --test --test-concurrency=1 "$@" "${files[@]}"
