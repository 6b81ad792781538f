#!/usr/bin/env bash
# Run the checks and the test suite: bash scripts/test.sh [pytest options]
# Creates .venv on first use, keeps it in step with requirements-test.txt and
# installs Debian's chromium for the browser tests if it is missing. Before
# pytest: ruff (lint and format), mypy (strict) and the import contracts
# (lint-imports), all configured in pyproject.toml. SKIP_CHECKS=1 skips them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt

# Playwright drives the system browser; it cannot download its own here.
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

if [ "${SKIP_CHECKS:-0}" != "1" ]; then
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    .venv/bin/mypy
    .venv/bin/lint-imports
fi

exec .venv/bin/python -m pytest "$@"
