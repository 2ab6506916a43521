#!/usr/bin/env bash
# Installs what Preference Studio needs from Debian 12's packages. Idempotent; run as root.
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config ccache libssl-dev
  libtorch-dev libopenblas0-openmp            # LibTorch 1.13 (CPU); OpenBLAS is 35x the reference BLAS
  libgloo-dev                                 # c10d's Gloo process group: data-parallel training
  qt6-base-dev qt6-base-dev-tools qt6-svg-dev libqcustomplot-dev
  libsqlite3-dev sqlite3 nlohmann-json3-dev libpcre2-dev
  libicu-dev                                  # NFC for tokenizer.json normalizers (Qwen2)
  libgtest-dev
  clang libclang-rt-14-dev                    # the sanitizer pass and the fuzzers (libFuzzer)
  python3-torch python3-numpy                 # the independent references of golden tests and benchmarks
  xvfb xauth                                  # the GUI without a display
  libx11-dev libxdamage-dev libxtst-dev       # bench_labeling_shipped: keys in, damage out, under Xvfb
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
