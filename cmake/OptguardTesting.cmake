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

# An integration test that runs the built `optguard` binary over pipes, in one line:
# optguard_add_integration_test(NAME SOURCES ... LIBS ...). The binary's path reaches
# the test as the macro OPTGUARD_BIN, the source tree as OPTGUARD_SOURCE_DIR.
function(optguard_add_integration_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE optguard_catch_main ${ARG_LIBS})
  target_compile_definitions(${name} PRIVATE OPTGUARD_BIN="$<TARGET_FILE:optguard>"
                                             OPTGUARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  add_dependencies(${name} optguard)
  optguard_warnings(${name})
  catch_discover_tests(${name} TEST_PREFIX "${name}:" PROPERTIES LABELS integration TIMEOUT 120)
endfunction()

# A libFuzzer target in one line: optguard_add_fuzzer(fuzz_NAME SOURCES ... LIBS ...).
# Seed corpus: tests/fuzz/corpus/NAME/ (NAME without the fuzz_ prefix); scripts/fuzz.sh
# runs every fuzz_* executable of the fuzz preset for a bounded time.
function(optguard_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  optguard_warnings(${name})
  # `cmake --build --preset fuzz --target optguard_fuzzers` builds every fuzzer and only them.
  if(NOT TARGET optguard_fuzzers)
    add_custom_target(optguard_fuzzers)
  endif()
  add_dependencies(optguard_fuzzers ${name})
endfunction()
