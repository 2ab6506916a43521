# prefstudio_add_test(NAME LABEL SOURCES... LIBS ...): one small test executable per unit.
# Every test knows where the sources live, so golden data is found from any build dir.
function(prefstudio_add_test name label)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS})
  target_compile_definitions(${name} PRIVATE
    PREFSTUDIO_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    PREFSTUDIO_BINARY_DIR="${PROJECT_BINARY_DIR}")
  if(TARGET prefstudio_core AND "${ARG_LIBS}" MATCHES "prefstudio_core_internal")
    # Reuse core's precompiled torch/torch.h: a test then compiles in seconds, not half a minute.
    target_compile_options(${name} PRIVATE -Wall -Wextra -Wno-unused-parameter)
    target_precompile_headers(${name} REUSE_FROM prefstudio_core)
  endif()
  add_test(NAME ${name} COMMAND ${name})
  set(env "QT_QPA_PLATFORM=offscreen" ${PREFSTUDIO_SANITIZER_ENV})
  set_tests_properties(${name} PROPERTIES LABELS "${label}" TIMEOUT 900
    ENVIRONMENT "${env}")
  if("torchfree" IN_LIST label)
    set_property(GLOBAL APPEND PROPERTY PREFSTUDIO_TORCH_FREE_TESTS ${name})
  endif()
endfunction()

# Registers every tests/<layer>/**/test_*.cpp as its own executable. A file named *_slow.cpp gets the
# label "slow" as well, and the default run (scripts/test.sh) leaves it out.
# Tests that need no LibTorch get the label "torchfree": every test of a folder with ALL_TORCH_FREE,
# or the files listed in TORCH_FREE (paths relative to the folder), which link TORCH_FREE_LIBS
# instead of LIBS. The sanitizer pass (scripts/sanitize.sh) builds and runs exactly these.
function(prefstudio_add_tests_in_folder label)
  cmake_parse_arguments(ARG "ALL_TORCH_FREE" "" "LIBS;TORCH_FREE;TORCH_FREE_LIBS" ${ARGN})
  file(GLOB_RECURSE files CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/test_*.cpp")
  foreach(file ${files})
    get_filename_component(stem ${file} NAME_WE)
    file(RELATIVE_PATH relative "${CMAKE_CURRENT_SOURCE_DIR}" "${file}")
    set(labels ${label})
    set(libs ${ARG_LIBS})
    if(ARG_ALL_TORCH_FREE)
      list(APPEND labels torchfree)
    elseif(relative IN_LIST ARG_TORCH_FREE)
      list(APPEND labels torchfree)
      set(libs ${ARG_TORCH_FREE_LIBS})
    endif()
    if(stem MATCHES "_slow$")
      list(APPEND labels slow)
    endif()
    prefstudio_add_test(${label}_${stem} "${labels}" SOURCES ${file} LIBS ${libs})
  endforeach()
endfunction()
