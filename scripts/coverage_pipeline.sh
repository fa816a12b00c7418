#!/usr/bin/env bash
# Line coverage of the generation pipeline (app/generation/ and jobs/), the `flask worker` processes that the
# tests start included (coverage.py's subprocess patch). Not part of CI; run it after `python3 manage.py test`
# has created .venv:
#
#   scripts/coverage_pipeline.sh            # prints the report; fails under 95 %
#   scripts/coverage_pipeline.sh -x -k foo  # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
data="$PWD/.coverage-pipeline"
rc="$(mktemp)"
trap 'rm -f "$rc"' EXIT
cat > "$rc" <<CONFIG
[run]
source = app/generation, jobs
patch = subprocess
parallel = true
data_file = $data

[report]
show_missing = true
fail_under = 95
CONFIG
.venv/bin/coverage erase --rcfile="$rc"
status=0
.venv/bin/coverage run --rcfile="$rc" -m pytest -p no:cacheprovider --basetemp="/tmp/pytest-coverage-$(basename "$PWD")" -q \
  tests/generation tests/providers tests/api tests/story tests/playback tests/seeding "$@" || status=$?
.venv/bin/coverage combine --rcfile="$rc" --quiet
.venv/bin/coverage report --rcfile="$rc" || status=$?
exit "$status"
