#!/usr/bin/env bash
# Start Chat Completions Explorer: bash scripts/run.sh [streamlit run options]
# Creates .venv on first use and keeps it in step with requirements.txt.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt

exec .venv/bin/streamlit run streamlit_app.py "$@"
