# The suite must cover every online policy: the list `headroom run --help` prints for --policy
# (read from mm::PolicyRegistry) must equal ${POLICIES} (the suite's ;-list, sorted).
execute_process(COMMAND "${HEADROOM}" run --help OUTPUT_VARIABLE help RESULT_VARIABLE status TIMEOUT 60)
string(REGEX REPLACE "[\r\n ]+" " " help "${help}")
if(NOT status EQUAL 0 OR NOT help MATCHES "memory.policy \\(one of: ([a-z0-9_, -]+)\\)")
  message(FATAL_ERROR "headroom run --help (exit ${status}) lists no policies:\n${help}")
endif()
string(REPLACE ", " ";" registered "${CMAKE_MATCH_1}")
if(NOT registered STREQUAL POLICIES)
  message(FATAL_ERROR "online policies are '${registered}' but the suite runs '${POLICIES}': "
                      "update HEADROOM_SUITE_POLICIES in tests/policy_suite/CMakeLists.txt")
endif()
