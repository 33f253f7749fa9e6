// The one interface every metrics destination implements (CSV, TensorBoard, ...), so the
// training loop logs a step once and the run decides where it goes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lever {

// One named number at one step. Tags follow CleanRL's names where one exists
// (e.g. "charts/episodic_return", "losses/value_loss").
struct Scalar {
  std::string tag;
  double value;
};

class MetricsSink {
 public:
  virtual ~MetricsSink() = default;
  // Records every scalar at `step`. A sink may buffer; call flush() to make it durable.
  virtual void write(int64_t step, const std::vector<Scalar>& scalars) = 0;
  virtual void flush() = 0;
};

}  // namespace lever
