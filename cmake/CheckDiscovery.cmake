# Every unit test case is one ctest entry (run as a test: cmake -DRUNNER=... -DCTEST=... -DDIR=... -P).
# catch_discover_tests turns the runner's list of names into a CMake list: a ';' in a name splits an
# entry in two, and a '[' left open merges the names after it into one entry, which then runs nothing
# or fewer cases than it lists. The two counts must agree.
execute_process(COMMAND "${RUNNER}" --list-test-names-only OUTPUT_VARIABLE names RESULT_VARIABLE rc)
string(REGEX MATCHALL "\n" newlines "${names}")
list(LENGTH newlines cases)
# (Catch2 2.x exits with the number of cases it listed, so only a failure to run is an error.)
if(NOT rc MATCHES "^[0-9]+$" OR cases EQUAL 0)
  message(FATAL_ERROR "${RUNNER} --list-test-names-only listed nothing (${rc})")
endif()
execute_process(COMMAND "${CTEST}" -N -R "^unit\\." WORKING_DIRECTORY "${DIR}" OUTPUT_VARIABLE listed)
string(REGEX MATCH "Total Tests: ([0-9]+)" found "${listed}")
set(entries "${CMAKE_MATCH_1}")
if(NOT found OR NOT cases EQUAL entries)
  message(FATAL_ERROR "the unit runner has ${cases} test cases but ctest lists ${entries} 'unit.' entries: "
                      "a test name with ';' or an unmatched '[' (rename it)")
endif()
message("${cases} test cases, ${entries} ctest entries")
