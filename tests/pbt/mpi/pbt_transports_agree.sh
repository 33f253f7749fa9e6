#!/usr/bin/env bash
# `lever pbt` in one process, over MPI point-to-point and over MPI collectives must train the same
# population (same scores, lineage, hyperparameters and final weights) for the same seed; and an
# MPI population stopped after a generation resumes to the end with every rank's members.
# Usage: pbt_transports_agree.sh LEVER_BINARY CONFIG MPIEXEC
set -euo pipefail
lever=$1 config=$2 mpiexec=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

"$lever" pbt "$config" --run-dir "$work/in_process" --quiet
for transport in p2p collective; do
  "$mpiexec" --oversubscribe -n 4 "$lever" pbt "$config" --run-dir "$work/$transport" --quiet \
    --mpi --mpi-transport "$transport"
done

# Everything but the wall-time column (train_seconds, the 7th).
population() { cut -d, -f1-6,8- "$1/pbt.csv"; }
weights() { tr -d ' \n' < "$1/pbt_state.json" | grep -o '"weights_crc32c":\[[0-9,]*\]'; }
rows=$(population "$work/in_process" | wc -l)
[ "$rows" -eq 16 ] || { echo "expected a header and 15 rows (5 members x 3 generations), got $rows"; exit 1; }
for transport in p2p collective; do
  if ! diff <(population "$work/in_process") <(population "$work/$transport"); then
    echo "FAIL: $transport population differs from the in-process one"; exit 1
  fi
  if [ "$(weights "$work/in_process")" != "$(weights "$work/$transport")" ]; then
    echo "FAIL: $transport final weights differ"; exit 1
  fi
  echo "$transport: same population as in one process ($(weights "$work/$transport"))"
done

# Stop after one generation, then resume over MPI: each rank reloads its own members.
"$mpiexec" --oversubscribe -n 4 "$lever" pbt "$config" --run-dir "$work/resumed" --quiet --mpi \
  --stop-after-generations 1 || [ $? -eq 130 ]
grep -q '"generations_done": 1' "$work/resumed/pbt_state.json"
"$mpiexec" --oversubscribe -n 4 "$lever" resume "$work/resumed" --quiet --mpi
grep -q '"finished": true' "$work/resumed/pbt_state.json"
[ "$(population "$work/resumed" | wc -l)" -eq 16 ]
for m in 0 1 2 3 4; do
  [ -f "$work/resumed/member_00$m/final.pt" ] || { echo "FAIL: member $m did not finish"; exit 1; }
done
echo "resume over MPI: all 5 members finished"

# Fewer members than ranks is refused before anything is written.
if "$mpiexec" --oversubscribe -n 4 "$lever" pbt "$config" --run-dir "$work/too_few" --quiet --mpi \
    --set pbt.population_size=3 2> "$work/too_few.err"; then
  echo "FAIL: 3 members on 4 ranks was accepted"; exit 1
fi
grep -q "a population of 3 members cannot fill 4 ranks" "$work/too_few.err"
[ ! -e "$work/too_few" ] || { echo "FAIL: the refused population wrote $work/too_few"; exit 1; }
echo "3 members on 4 ranks: refused"
