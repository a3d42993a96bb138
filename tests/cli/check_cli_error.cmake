# A command that must be refused before simulating: `${HEADROOM} ${ARGS}` (a ;-list) must exit
# with ${EXIT_CODE} and print exactly ${MESSAGE} on stderr (one line; the scenario's path as given).
foreach(var HEADROOM ARGS EXIT_CODE MESSAGE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_cli_error.cmake: -D${var}=... is required")
  endif()
endforeach()
execute_process(COMMAND "${HEADROOM}" ${ARGS} RESULT_VARIABLE status OUTPUT_VARIABLE stdout
                ERROR_VARIABLE stderr TIMEOUT 60)
string(STRIP "${stderr}" stderr)
if(NOT status STREQUAL EXIT_CODE OR NOT stderr STREQUAL MESSAGE)
  message(FATAL_ERROR "headroom ${ARGS}\n exited '${status}' (expected ${EXIT_CODE})\n stderr: ${stderr}\n"
                      " expected: ${MESSAGE}")
endif()
if(NOT stdout STREQUAL "")
  message(FATAL_ERROR "headroom ${ARGS}: printed a report although it failed:\n${stdout}")
endif()
