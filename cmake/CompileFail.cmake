# Compile-fail tests: code that must NOT compile, and must fail with a given message.
#
# Each test is one .cpp with two lines saying what the compiler must print:
#   // EXPECT-MESSAGE: <CMake regex>   the words of the rule (the static_assert's message)
#   // EXPECT-ERROR: <CMake regex>     the diagnosis: place, layer, what was expected, what it got
# It becomes an EXCLUDE_FROM_ALL object target with the library's own flags, and a CTest test that
# runs that target's compile command (from compile_commands.json) and passes only when compiling
# fails with exactly one error AND the output matches both (one mistake, one error). The compiler's
# output must also fit in TSHAPE_MAX_ERROR_LINES lines on g++ and TSHAPE_MAX_ERROR_LINES_CLANG on
# clang (the promise of short errors), or in the lines an optional
#   // MAX-LINES: <n>          (g++)
#   // MAX-LINES-CLANG: <n>    (clang)
# line gives. A Sequential's own rule reached only through make_model and a call is reported two
# templates deep (the call's, then the model's instantiation): g++ says so in one more line, clang
# in two notes of three lines each, and such a case says its budget in its own header. (A functional
# model's rule is reported in model(...), one template below the user's line.)
set(TSHAPE_MAX_ERROR_LINES 8 CACHE STRING "Most lines of g++ output a compile-fail test may produce")
set(TSHAPE_MAX_ERROR_LINES_CLANG 10 CACHE STRING "Most lines of clang output a compile-fail test may produce")

# The regex of the one `// KEY: <regex>` line of src, into out.
function(tshape_read_expectation src key out)
  file(STRINGS "${src}" lines REGEX "^// ${key}: ")
  list(LENGTH lines n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "${src}: needs exactly one '// ${key}: <regex>' line")
  endif()
  string(REGEX REPLACE "^// ${key}: " "" regex "${lines}")
  set(${out} "${regex}" PARENT_SCOPE)
endfunction()

function(tshape_add_compile_fail_test src)
  cmake_parse_arguments(CF "WILL_FAIL" "PREFIX" "" ${ARGN})
  if(NOT CF_PREFIX)
    set(CF_PREFIX compile_fail)
  endif()
  get_filename_component(name "${src}" NAME_WE)
  tshape_read_expectation("${src}" EXPECT-ERROR expect)
  tshape_read_expectation("${src}" EXPECT-MESSAGE words)
  set(target cf_${CF_PREFIX}_${name})
  add_library(${target} OBJECT EXCLUDE_FROM_ALL "${src}")
  target_link_libraries(${target} PRIVATE tshape_project_flags)
  set_target_properties(${target} PROPERTIES EXPORT_COMPILE_COMMANDS ON)  # the test runs its command
  set(max_lines 0)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set(max_lines ${TSHAPE_MAX_ERROR_LINES})
    set(budget_key "MAX-LINES")
  elseif(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    set(max_lines ${TSHAPE_MAX_ERROR_LINES_CLANG})
    set(budget_key "MAX-LINES-CLANG")
  endif()
  if(max_lines)
    file(STRINGS "${src}" budget REGEX "^// ${budget_key}: [0-9]+$")
    if(budget)
      string(REGEX REPLACE "^// ${budget_key}: " "" max_lines "${budget}")
    endif()
  endif()
  add_test(NAME ${CF_PREFIX}.${name}
           COMMAND ${CMAKE_COMMAND} -DSOURCE=${src} -DCOMMANDS=${CMAKE_BINARY_DIR}/compile_commands.json
                   "-DEXPECT=${expect}" "-DEXPECT_MESSAGE=${words}" -DMAX_LINES=${max_lines}
                   -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/RunCompileFail.cmake)
  set_tests_properties(${CF_PREFIX}.${name} PROPERTIES LABELS compile_fail)
  if(CF_WILL_FAIL)
    set_tests_properties(${CF_PREFIX}.${name} PROPERTIES WILL_FAIL TRUE)
  endif()
endfunction()
