// Unit tests of sim/config: units, catalogs, the scenario loader and the malformed-scenario suite.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
