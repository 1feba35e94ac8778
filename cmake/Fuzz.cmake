# libFuzzer targets (tests/fuzz): a separate project built with clang, because libFuzzer and
# the sanitizers come with it while the main build uses g++. It builds into <build>/fuzz with
# the main build (BUILD_ALWAYS, so edits to the sources it compiles rebuild it) and each
# target gets a short ctest run from its committed seed corpus. tools/fuzz runs them longer.
find_program(THROUGHLINE_FUZZ_CXX NAMES clang++ clang++-14)
if(NOT THROUGHLINE_FUZZ_CXX)
  message(STATUS "fuzz: clang++ not found (Debian: apt-get install clang libclang-rt-14-dev); "
                 "the fuzz targets are not built and their tests are not registered")
  return()
endif()

include(ExternalProject)
ExternalProject_Add(throughline_fuzz
  SOURCE_DIR ${PROJECT_SOURCE_DIR}/tests/fuzz
  BINARY_DIR ${CMAKE_BINARY_DIR}/fuzz
  CMAKE_ARGS -DCMAKE_CXX_COMPILER=${THROUGHLINE_FUZZ_CXX}
  BUILD_ALWAYS TRUE
  INSTALL_COMMAND "")

# How long each target runs in the test suite. The seed corpus alone takes well under a
# second; the rest is mutation.
set(THROUGHLINE_FUZZ_SECONDS 3 CACHE STRING "seconds per fuzz target in the ctest run")

foreach(_target resource_name page_token filter field_mask event request)
  add_test(NAME fuzz_${_target}
    COMMAND ${PROJECT_SOURCE_DIR}/tests/fuzz/run_fuzzer.sh
            ${CMAKE_BINARY_DIR}/fuzz/${_target}_fuzzer
            ${PROJECT_SOURCE_DIR}/tests/fuzz/corpus/${_target}
            ${THROUGHLINE_FUZZ_SECONDS})
  set_tests_properties(fuzz_${_target} PROPERTIES LABELS fuzz TIMEOUT 120)
endforeach()
