#!/usr/bin/env bash
# The one test command: install the dev extra (and Debian's chromium for the browser test), then lint, types,
# the import contracts (pyproject.toml), tests.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
bash scripts/install-browser.sh || echo "test.sh: chromium could not be installed; the browser test will say so"
ruff check summarizer tests bench scripts
ruff format --check summarizer tests bench scripts
mypy summarizer
lint-imports
python -m pytest "$@"
