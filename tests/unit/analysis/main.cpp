// hr_tests_analysis: percentiles, PSI, verdicts and report formats (analysis/ only, no engine).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
