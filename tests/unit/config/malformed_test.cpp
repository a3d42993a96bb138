// The malformed-scenario suite without the CLI: every tests/malformed/<name>.yaml must fail to load
// with exactly the message in <name>.expected (line 1: exit status, then the message).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "sim/config/scenario_loader.hpp"

namespace fs = std::filesystem;

TEST_CASE("malformed: every bad scenario fails with its expected message") {
  fs::current_path(HEADROOM_SOURCE_DIR);  // paths in the messages are relative to the repo root
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator("tests/malformed"))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 60);  // the catalogue only grows
  for (const auto& yaml : files) {
    fs::path expected_path = yaml;
    expected_path.replace_extension(".expected");
    std::ifstream in(expected_path);
    REQUIRE_MESSAGE(in, "missing " << expected_path.string());
    std::string status, message;
    std::getline(in, status);
    std::getline(in, message);
    CHECK(status == "2");
    const std::string path = "tests/malformed/" + yaml.filename().string();
    std::string actual = "(loaded without error)";
    try {
      headroom::config::load_scenario(path, HEADROOM_SOURCE_DIR "/models/catalog");
    } catch (const headroom::config::ConfigError& e) {
      actual = e.what();
    }
    INFO(path);
    CHECK(actual == message);
  }
}
