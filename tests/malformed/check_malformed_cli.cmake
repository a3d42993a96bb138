# Runs `${HEADROOM}` with the arguments listed in ${ARGS_FILE} (one argument a line, paths relative
# to the repository root; an empty line is an empty argument) and checks the answer against
# ${EXPECTED}: its first line is the exit status, the rest the exact message stderr must hold
# (stripped). Nothing may be printed on stdout. Usage (see tests/CMakeLists.txt):
#   cmake -DHEADROOM=<exe> -DARGS_FILE=<path>/x.args -DEXPECTED=<path>/x.expected -P check_malformed_cli.cmake
foreach(var HEADROOM ARGS_FILE EXPECTED)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_malformed_cli.cmake: -D${var}=... is required")
  endif()
endforeach()

file(READ "${ARGS_FILE}" args_text)
# file(STRINGS) drops empty lines; rebuild the list by splitting on newlines ourselves.
string(REGEX REPLACE "\n$" "" args_text "${args_text}")
string(REPLACE ";" "\\;" args_text "${args_text}")
string(REPLACE "\n" ";" args "${args_text}")

include(${CMAKE_CURRENT_LIST_DIR}/read_expected.cmake)
read_expected("${EXPECTED}" expected_status expected_message)

# An unquoted ${args} would drop the empty arguments; pass each one as a bracket argument instead.
set(quoted_args "")
foreach(arg IN LISTS args)
  string(APPEND quoted_args " [==[${arg}]==]")
endforeach()
cmake_language(EVAL CODE "execute_process(COMMAND [==[${HEADROOM}]==] ${quoted_args}
                RESULT_VARIABLE status OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr TIMEOUT 60)")
string(STRIP "${stderr}" stderr)
set(problems "")
if(NOT "${status}" STREQUAL "${expected_status}")
  string(APPEND problems "exit status: expected ${expected_status}, found '${status}'\n")
endif()
if(NOT "${stderr}" STREQUAL "${expected_message}")
  string(APPEND problems "stderr:   ${stderr}\nexpected: ${expected_message}\n")
endif()
if(NOT "${stdout}" STREQUAL "")
  string(APPEND problems "printed on stdout although it failed:\n${stdout}\n")
endif()
if(problems)
  message("headroom ${args}\n${problems}")
  message(FATAL_ERROR "malformed command-line check failed for ${ARGS_FILE}")
endif()
