// What a call throws, as text, so a test can compare whole error messages.
#pragma once
#include <functional>
#include <string>

namespace lever::testing {

// The message of the Error `action` throws, or a marker when it throws none.
template <typename Error>
std::string thrown_message(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "<nothing thrown>";
}

}  // namespace lever::testing
