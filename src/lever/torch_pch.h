// Precompiled header: torch takes ~13 s to parse per file, so every torch target reuses this.
#pragma once
#include <torch/torch.h>
