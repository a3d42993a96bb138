// hr_tests_trace: trace reading, cache replay, miss-ratio curves and the trace-mode policies.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
