# Runs `${HEADROOM} run ${SCENARIO}` on a malformed scenario and checks the CLI's answer against
# ${EXPECTED}: its first line is the exit status, the rest the message stderr must contain
# (FILE:LINE:COL: error: ...). Usage (see tests/CMakeLists.txt):
#   cmake -DHEADROOM=<exe> -DSCENARIO=tests/malformed/x.yaml -DEXPECTED=<path>/x.expected -P check_malformed.cmake
foreach(var HEADROOM SCENARIO EXPECTED)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_malformed.cmake: -D${var}=... is required")
  endif()
endforeach()

include(${CMAKE_CURRENT_LIST_DIR}/read_expected.cmake)
read_expected("${EXPECTED}" expected_status expected_message)

execute_process(COMMAND "${HEADROOM}" run "${SCENARIO}"
                RESULT_VARIABLE status OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr
                TIMEOUT 60)

set(problems "")
if(NOT "${status}" STREQUAL "${expected_status}")
  string(APPEND problems "exit status: expected ${expected_status}, found '${status}'\n")
endif()
string(FIND "${stderr}" "${expected_message}" found_at)
if(found_at EQUAL -1)
  string(APPEND problems "stderr does not contain the expected message\n")
  # A line diff when diff(1) exists, else both texts in full.
  find_program(DIFF diff)
  string(MD5 tag "${SCENARIO}")
  set(dir "$ENV{TMPDIR}")
  if(NOT dir)
    set(dir "/tmp")
  endif()
  set(want "${dir}/headroom-malformed-${tag}.expected")
  set(got "${dir}/headroom-malformed-${tag}.stderr")
  file(WRITE "${want}" "${expected_message}\n")
  file(WRITE "${got}" "${stderr}")
  if(DIFF)
    execute_process(COMMAND "${DIFF}" -u --label expected --label stderr "${want}" "${got}"
                    OUTPUT_VARIABLE diff_text)
    string(APPEND problems "${diff_text}")
  else()
    string(APPEND problems "--- expected\n${expected_message}\n--- stderr\n${stderr}\n")
  endif()
  file(REMOVE "${want}" "${got}")
endif()
if(problems)
  # Plain message() keeps the diff's lines intact; FATAL_ERROR would re-wrap them.
  message("${SCENARIO}:\n${problems}--- stdout\n${stdout}")
  message(FATAL_ERROR "malformed-scenario check failed for ${SCENARIO}")
endif()
