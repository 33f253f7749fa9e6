// Registry entries of the Procgen-style games (one file each in this folder).
#pragma once
#include "lever/env/procgen/kernel.h"

namespace lever::procgen {

EnvInfo bigfish_info();
EnvInfo coinrun_info();
EnvInfo bossfight_info();
EnvInfo chaser_info();
EnvInfo fruitbot_info();
EnvInfo starpilot_info();

}  // namespace lever::procgen
