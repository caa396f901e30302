# A Catch2 unit test in one line: optguard_add_test(NAME sources... LIBS libs...).
# Catch2 v2 (as Debian ships it) provides the main through catch_main.cpp.
include(Catch)
function(optguard_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE optguard_catch_main ${ARG_LIBS})
  optguard_warnings(${name})
  catch_discover_tests(${name} TEST_PREFIX "${name}:" PROPERTIES LABELS unit)
endfunction()
