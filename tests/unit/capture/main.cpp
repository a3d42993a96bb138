// Unit tests of sim/capture: the /proc and cgroup parsers, and each source on a fixture tree.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
