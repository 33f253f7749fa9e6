#include "lever/core/stop_signal.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>

namespace lever {
namespace {
std::atomic<int> g_stop_requests{0};

void on_signal(int) {
  if (g_stop_requests.fetch_add(1) >= 1) _exit(130);
  static const char kMessage[] =
      "\nlever: stopping after this update (checkpoint will be written); Ctrl-C again to abort\n";
  [[maybe_unused]] auto written = write(2, kMessage, sizeof(kMessage) - 1);
}
}  // namespace

void install_stop_handlers() {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

bool stop_requested() { return g_stop_requests.load() > 0; }
void request_stop() { g_stop_requests.fetch_add(1); }
void clear_stop_request() { g_stop_requests.store(0); }

}  // namespace lever
