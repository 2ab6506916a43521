# PREFSTUDIO_SANITIZE: every target of this build dir is compiled with AddressSanitizer and UBSan,
# and every test runs with options that turn any report into a failure. Not for the product (the
# main build stays Release with g++); scripts/sanitize.sh configures build-asan/ with it.
# LibTorch, Qt and SQLite come from Debian and are not instrumented: ASan still checks every heap
# block (it replaces malloc), but not their reads of the stack or globals. docs/hardening.md.
# PREFSTUDIO_FUZZ (clang only) adds libFuzzer's coverage to every object, so the fuzzers of fuzz/
# share this build dir's libraries with the sanitized tests.
set(PREFSTUDIO_SANITIZER_ENV "")
if(PREFSTUDIO_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "PREFSTUDIO_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++")
  endif()
  set(PREFSTUDIO_SANITIZE ON CACHE BOOL "" FORCE)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
if(PREFSTUDIO_SANITIZE)
  # -O1 keeps the stack traces readable and the run a few times the Release one's.
  add_compile_options(-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
  # Suppressions name the library at fault and why (cmake/sanitizer-suppressions/); a report in
  # our own code is never suppressed.
  set(supp "${PROJECT_SOURCE_DIR}/cmake/sanitizer-suppressions")
  set(PREFSTUDIO_SANITIZER_ENV
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1"
    "LSAN_OPTIONS=suppressions=${supp}/lsan.supp:print_suppressions=0"
    "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=${supp}/ubsan.supp")
endif()
