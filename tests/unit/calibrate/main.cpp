// Unit tests of sim/calibrate: the /proc and /sys parsers and the host file it writes (loaded back).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
