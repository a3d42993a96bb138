# Golden scenario check: runs `${HEADROOM} compare ${SCENARIO} --format json` twice (once with
# invariant checks on) and requires both outputs to be byte-identical to ${EXPECTED} (same
# scenario + seed => same bytes). On a mismatch it prints a unified diff (diff(1) when available).
# Regenerate goldens with tests/golden/regenerate.sh.
# Usage (see tests/CMakeLists.txt; run from the repository root):
#   cmake -DHEADROOM=<exe> -DSCENARIO=scenarios/x.yaml -DEXPECTED=tests/golden/x.json \
#         -DWORKDIR=<dir> -P tests/golden/check_golden.cmake
foreach(var HEADROOM SCENARIO EXPECTED WORKDIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_golden.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${EXPECTED}")
  message(FATAL_ERROR "no golden output ${EXPECTED} for ${SCENARIO}; create it with tests/golden/regenerate.sh")
endif()

get_filename_component(stem "${SCENARIO}" NAME_WE)
file(MAKE_DIRECTORY "${WORKDIR}")
set(problems "")
# Run 1 checks the memory manager's invariants after every memory event (every frame free, cached,
# anonymous or unevictable exactly once; swap slots balance): a broken law aborts the run. Run 2 is
# unchecked and must still give the same bytes.
foreach(attempt 1 2)
  set(out "${WORKDIR}/${stem}.${attempt}.json")
  file(REMOVE "${out}")
  if(attempt EQUAL 1)
    set(check_env HEADROOM_CHECK_INVARIANTS=1)
  else()
    set(check_env HEADROOM_CHECK_INVARIANTS=0)
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" -E env ${check_env}
                          "${HEADROOM}" compare "${SCENARIO}" --format json --out "${out}"
                  RESULT_VARIABLE status ERROR_VARIABLE stderr TIMEOUT 300)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "run ${attempt}: headroom compare ${SCENARIO} exited with '${status}':\n${stderr}")
  endif()
  execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${EXPECTED}" "${out}" RESULT_VARIABLE differs)
  if(differs)
    find_program(DIFF diff)
    if(DIFF)
      execute_process(COMMAND "${DIFF}" -u "${EXPECTED}" "${out}" OUTPUT_VARIABLE diff_text)
    else()
      file(READ "${out}" diff_text)
      set(diff_text "output was:\n${diff_text}")
    endif()
    string(APPEND problems "run ${attempt}: output differs from ${EXPECTED}:\n${diff_text}\n")
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "${problems}If the change is intended, run tests/golden/regenerate.sh and review the diff.")
endif()
