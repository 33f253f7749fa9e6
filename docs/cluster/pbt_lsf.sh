#!/bin/bash
# Population Based Training over MPI on an IBM Spectrum LSF cluster: one member per rank, 8 ranks.
# Submit from the repository root (after `make build`): bsub < docs/cluster/pbt_lsf.sh
# The run directory must be on a filesystem every host sees: rank 0 writes the population's files
# there and every rank its own members' directories.
#BSUB -J lever-pbt
#BSUB -n 8
#BSUB -R "span[ptile=4] rusage[mem=4096]"
#BSUB -W 12:00
#BSUB -o lever-pbt-%J.out
#BSUB -e lever-pbt-%J.err
set -euo pipefail

CONFIG=${CONFIG:-configs/pbt/bigfish.yaml}
RUN_DIR=${RUN_DIR:-runs/pbt-bigfish-$LSB_JOBID}
TRANSPORT=${TRANSPORT:-p2p}  # p2p on a few hosts, collective on many (docs/PBT.md)
RANKS=$(echo "$LSB_HOSTS" | wc -w)

# OpenMPI reads the hosts LSF allocated (LSB_HOSTS / LSB_DJOB_HOSTFILE) by itself when built with
# LSF support; otherwise pass --hostfile "$LSB_DJOB_HOSTFILE".
mpirun -n "$RANKS" build/lever pbt "$CONFIG" --mpi --mpi-transport "$TRANSPORT" \
  --run-dir "$RUN_DIR" --set pbt.population_size="$RANKS" --set torch_threads=1 \
  --set num_threads=1

# To continue a population the time limit cut off:
#   mpirun -n 8 build/lever resume "$RUN_DIR" --mpi --mpi-transport "$TRANSPORT"
