# Rules the compilers do not check, over every public header (run as a test: cmake -DINCLUDE_DIR=... -P).
# - No lambda in decltype (`decltype([...`): clang 14 crashes reading such a type back from a
#   precompiled header, which is how many projects include a header-only library.
file(GLOB_RECURSE headers "${INCLUDE_DIR}/tshape/*.hpp")
set(failures 0)
foreach(header IN LISTS headers)
  file(STRINGS "${header}" hits REGEX "decltype\\(\\[")
  foreach(hit IN LISTS hits)
    string(STRIP "${hit}" hit)
    message("${header}: a lambda in decltype (clang 14 cannot precompile it; use a named trait): ${hit}")
    math(EXPR failures "${failures} + 1")
  endforeach()
endforeach()
if(failures)
  message(FATAL_ERROR "${failures} header rule(s) broken")
endif()
