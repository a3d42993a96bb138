// The one doctest main of hr_tests_mm (memory manager and eviction policies).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
