// Placeholder until the MPI transports land: a build reports that it has none.
#include "lever/core/errors.h"
#include "lever/pbt/transport.h"

namespace lever {

bool mpi_available() { return false; }

std::unique_ptr<Transport> make_mpi_transport(const std::string&) {
  throw UsageError("this lever was built without MPI: install libopenmpi-dev and rebuild");
}

}  // namespace lever
