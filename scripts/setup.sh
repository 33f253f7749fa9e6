#!/usr/bin/env bash
# Installs every Debian package lever needs. Safe to run again: apt-get skips what is there.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config
  libtorch-dev            # LibTorch 1.13 (CPU)
  libopenblas0-pthread    # optimised BLAS behind libblas.so.3: ~10x faster small matmuls
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libgtest-dev libstb-dev
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev
  liblz4-dev              # DQN's compressed replay buffer (replay_compress: lz4)
  openmpi-bin libopenmpi-dev  # PBT populations over MPI (lever pbt --mpi, its tests)
  python3-numpy           # tests: numpy.load reads the saliency maps lever saves as .npy
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -q
$sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
