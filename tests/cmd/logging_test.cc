// The program's log lines as they reach stderr: the access line LogAccess builds outside the
// sink's lock is byte for byte api::AccessJsonLine (time aside), and other messages keep the
// JSON-lines shape.
#include "cmd/csrd/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "api/access_log.h"
#include "cmd/cmd_test_util.h"
#include "core/log_format.h"

namespace csrd::cmd {
namespace {

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs fn with stderr sent to a file; returns the lines written.
template <typename F>
std::vector<std::string> CaptureStderr(F fn) {
  test_util::TempDir dir;
  const std::string path = dir.File("stderr");
  std::FILE* f = std::fopen(path.c_str(), "w");
  EXPECT_NE(f, nullptr);
  std::fflush(stderr);
  const int saved = ::dup(2);
  ::dup2(::fileno(f), 2);
  fn();
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::fclose(f);
  std::istringstream in(test_util::ReadFileText(path));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line + "\n");
  return lines;
}

api::AccessRecord Sample() {
  api::AccessRecord r;
  r.request_id = "0123456789abcdef0123456789abcdef";
  r.method = "GET\"\n";
  r.route = "/v3/scm/csr/{id}";
  r.remote_addr = "192.0.2.1";
  r.account_id = "a1";
  r.user_id = "u1";
  r.status = 200;
  r.latency_us = 1234;
  r.bytes_in = 0;
  r.bytes_out = 900;
  return r;
}

TEST(Logging, JsonAccessLineIsTheOneBuiltOutsideTheLock) {
  const api::AccessRecord r = Sample();
  int64_t before = 0, after = 0;
  auto lines = CaptureStderr([&] {
    SetUpLogging(LogFormat::kJson);
    before = NowMillis();
    LogAccess(r);
    after = NowMillis();
    api::AccessRecord probe = r;
    probe.route = "/health";
    LogAccess(probe);  // quiet: not logged
    spdlog::info("plain \"message\"");
    SetUpLogging(LogFormat::kText);
  });
  ASSERT_EQ(lines.size(), 2u);
  // `{"time":"` then 24 characters of time.
  const std::string& access = lines[0];
  ASSERT_GT(access.size(), 33u);
  const std::string time = access.substr(9, 24);
  EXPECT_GE(time, FormatUtcMillis(before));
  EXPECT_LE(time, FormatUtcMillis(after));
  const std::string want = api::AccessJsonLine(r, 0);
  EXPECT_EQ(access.substr(0, 9) + access.substr(33), want.substr(0, 9) + want.substr(33));
  EXPECT_EQ(want, JsonLogLine(0, "info", "access", api::AccessJsonFields(r)));

  auto other = boost::json::parse(lines[1]).as_object();
  EXPECT_EQ(other.at("level").as_string(), "info");
  EXPECT_EQ(other.at("msg").as_string(), "plain \"message\"");
  EXPECT_EQ(other.size(), 3u);
}

}  // namespace
}  // namespace csrd::cmd
