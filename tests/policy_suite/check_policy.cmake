# Policy suite check: `${HEADROOM} compare ${SCENARIO} --policy ${POLICY} --format json --out <tmp>`
# with HEADROOM_CHECK_INVARIANTS=1 (the memory manager checks its frame and swap-slot laws after every
# memory event and aborts on a broken one) must exit 0 and write a JSON report naming the policy.
# Usage (see tests/policy_suite/CMakeLists.txt; run from the repository root):
#   cmake -DHEADROOM=<exe> -DSCENARIO=scenarios/x.yaml -DPOLICY=arc -DWORKDIR=<dir> -P check_policy.cmake
foreach(var HEADROOM SCENARIO POLICY WORKDIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_policy.cmake: -D${var}=... is required")
  endif()
endforeach()
get_filename_component(stem "${SCENARIO}" NAME_WE)
file(MAKE_DIRECTORY "${WORKDIR}")
set(out "${WORKDIR}/${POLICY}.${stem}.json")
file(REMOVE "${out}")
execute_process(COMMAND "${CMAKE_COMMAND}" -E env HEADROOM_CHECK_INVARIANTS=1
                        "${HEADROOM}" compare "${SCENARIO}" --policy "${POLICY}" --format json --out "${out}"
                RESULT_VARIABLE status ERROR_VARIABLE stderr TIMEOUT 300)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "headroom compare ${SCENARIO} --policy ${POLICY} exited with '${status}':\n${stderr}")
endif()
file(READ "${out}" report)
string(JSON hosts LENGTH "${report}" hosts)
if(hosts EQUAL 0)
  message(FATAL_ERROR "${out}: no hosts in the report")
endif()
math(EXPR last "${hosts} - 1")
foreach(i RANGE ${last})
  string(JSON used GET "${report}" hosts ${i} policy)
  if(NOT used STREQUAL POLICY)
    message(FATAL_ERROR "${out}: host ${i} ran policy '${used}', expected '${POLICY}'")
  endif()
endforeach()
