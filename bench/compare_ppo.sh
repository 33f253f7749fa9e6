#!/usr/bin/env bash
# Compare CartPole PPO training speed: `lever bench ppo` against the Python/PyTorch reference
# (bench/reference/ppo_cartpole.py, CleanRL ppo.py defaults), measured in the same run.
#
# Usage: bench/compare_ppo.sh [N]
#   N      env steps per training run (default 100000; env var N works too)
#   BUILD  build directory holding the lever binary (default build)
#   RUNS   runs of each, alternated so both see the same machine load (default 3)
#   PYTHON interpreter with python3-torch and python3-numpy (default /usr/bin/python3)
# Prints a markdown table on stdout; progress goes to stderr.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
n="${1:-${N:-100000}}"
build="${BUILD:-build}"
runs="${RUNS:-3}"
python="${PYTHON:-/usr/bin/python3}"
lever="$build/lever"
reference="$root/bench/reference/ppo_cartpole.py"

[[ -x "$lever" ]] || { echo "error: $lever not found; build it first (make build)" >&2; exit 1; }
"$python" -c 'import torch, numpy' 2>/dev/null || {
  echo "error: $python lacks torch/numpy; apt-get install -y python3-torch python3-numpy" >&2
  exit 1
}
command -v jq >/dev/null || { echo "error: jq is required" >&2; exit 1; }

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

lever_sps=()
python_sps=()
for ((i = 1; i <= runs; i++)); do
  echo "run $i/$runs: lever" >&2
  out="$("$lever" bench ppo --json --steps "$n" | tail -n 1)"
  lever_sps+=("$(jq -r '.steps_per_second' <<<"$out")")
  lever_steps="$(jq -r '.total_steps' <<<"$out")"
  lever_threads="$(jq -r '.torch_threads // "?"' <<<"$out")"
  lever_return="$(jq -r '.final_eval_return // "?"' <<<"$out")"
  echo "  $out" >&2

  echo "run $i/$runs: python reference" >&2
  out="$("$python" "$reference" --total-timesteps "$n" --threads 1 | tail -n 1)"
  python_sps+=("$(jq -r '.steps_per_second' <<<"$out")")
  python_steps="$(jq -r '.total_steps' <<<"$out")"
  python_return="$(jq -r '.final_mean_return_last_10_episodes' <<<"$out")"
  torch_version="$(jq -r '.torch_version' <<<"$out")"
  echo "  $out" >&2
done

lever_median="$(printf '%s\n' "${lever_sps[@]}" | median)"
python_median="$(printf '%s\n' "${python_sps[@]}" | median)"
ratio="$(awk -v a="$lever_median" -v b="$python_median" 'BEGIN {printf "%.2f", a / b}')"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
blas="$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || echo unknown)"
fmt() { awk -v v="$1" 'BEGIN {printf "%.0f\n", v}'; }
all_lever="$(for v in "${lever_sps[@]}"; do fmt "$v"; done | paste -sd, - | sed 's/,/, /g')"
all_python="$(for v in "${python_sps[@]}"; do fmt "$v"; done | paste -sd, - | sed 's/,/, /g')"

cat <<EOF
PPO CartPole-v1, CleanRL ppo.py defaults (4 envs x 128 steps, 4 epochs x 4 minibatches), N=$n steps, $runs runs each, alternated.

| implementation | median steps/s | runs (steps/s) | steps trained | torch threads | final return |
|---|---:|---|---:|---:|---:|
| lever (C++/LibTorch) | $(fmt "$lever_median") | $all_lever | $lever_steps | $lever_threads | $lever_return (eval) |
| Python/PyTorch $torch_version reference | $(fmt "$python_median") | $all_python | $python_steps | 1 | $python_return (last 10 episodes) |

**lever / Python: ${ratio}x**

Machine: $(nproc) CPUs, $cpu; load average at end: $(cut -d' ' -f1-3 /proc/loadavg); BLAS: $blas
EOF
