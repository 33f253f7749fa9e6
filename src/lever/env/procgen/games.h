// Registry entries of the Procgen-style games (one file each in this folder).
#pragma once
#include "lever/env/procgen/kernel.h"

namespace lever::procgen {

EnvInfo bigfish_info();

}  // namespace lever::procgen
