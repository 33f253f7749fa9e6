// Ctrl-C (SIGINT) and SIGTERM ask a run to stop after the current update, write a checkpoint and
// exit, so `lever resume` continues without losing work. A second Ctrl-C exits at once.
#pragma once

namespace lever {

void install_stop_handlers();
bool stop_requested();
void request_stop();  // for tests and embedding
void clear_stop_request();

}  // namespace lever
