#!/bin/bash
# Population Based Training over MPI on a Slurm cluster: one member per rank, 8 ranks.
# Submit from the repository root (after `make build`): sbatch docs/cluster/pbt_slurm.sh
# The run directory must be on a filesystem every node sees (home or scratch): rank 0 writes the
# population's files there and every rank its own members' directories.
#SBATCH --job-name=lever-pbt
#SBATCH --ntasks=8
#SBATCH --cpus-per-task=2
#SBATCH --mem-per-cpu=4G
#SBATCH --time=12:00:00
#SBATCH --output=lever-pbt-%j.out
set -euo pipefail

CONFIG=${CONFIG:-configs/pbt/bigfish.yaml}
RUN_DIR=${RUN_DIR:-runs/pbt-bigfish-$SLURM_JOB_ID}
TRANSPORT=${TRANSPORT:-p2p}  # p2p on a few nodes, collective on many (docs/PBT.md)

# One torch thread and one env thread per rank; --cpus-per-task leaves the second core to the
# env stepping. mpirun takes the ranks and hosts from Slurm's allocation.
mpirun -n "$SLURM_NTASKS" --map-by slot:PE="$SLURM_CPUS_PER_TASK" --bind-to core \
  build/lever pbt "$CONFIG" --mpi --mpi-transport "$TRANSPORT" --run-dir "$RUN_DIR" \
  --set pbt.population_size="$SLURM_NTASKS" --set torch_threads=1 --set num_threads=1

# A job cut off by its time limit continues where the last generation ended:
#   RUN_DIR=... in a job script with the same #SBATCH lines, then:
#   mpirun -n 8 build/lever resume "$RUN_DIR" --mpi --mpi-transport "$TRANSPORT"
