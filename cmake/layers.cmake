# rookery_layer(NAME <layer> SOURCES ... DEPS <lower layers> LIBS <third-party targets>
#               TESTS <test sources>)
#
# Declares one layer of src/: a static library `rookery_<layer>` that links only the
# named lower layers, plus (if TESTS are given) one unit-test binary `<layer>_test`
# registered with CTest under the label `unit`.
set_property(GLOBAL PROPERTY ROOKERY_LAYERS "")

function(rookery_layer)
  cmake_parse_arguments(L "" "NAME" "SOURCES;DEPS;LIBS;TESTS;TEST_LIBS" ${ARGN})
  set(target rookery_${L_NAME})
  add_library(${target} STATIC ${L_SOURCES})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  set(dep_targets "")
  foreach(dep IN LISTS L_DEPS)
    list(APPEND dep_targets rookery_${dep})
  endforeach()
  target_link_libraries(${target} PUBLIC ${dep_targets} ${L_LIBS})
  string(REPLACE ";" " " deps_text "${L_DEPS}")
  set_property(GLOBAL APPEND PROPERTY ROOKERY_LAYERS "${L_NAME}:${deps_text}")
  if(L_TESTS)
    add_executable(${L_NAME}_test ${L_TESTS})
    target_link_libraries(${L_NAME}_test PRIVATE ${target} ${L_TEST_LIBS} GTest::gtest GTest::gtest_main)
    gtest_discover_tests(${L_NAME}_test PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
  endif()
endfunction()

# Writes build/layers.txt: one line per layer, "<layer>: <dep> <dep> ...", read by
# tools/layer_check. Only direct dependencies are written; the checker closes them.
function(rookery_write_layer_manifest)
  get_property(layers GLOBAL PROPERTY ROOKERY_LAYERS)
  set(text "")
  foreach(entry IN LISTS layers)
    string(REPLACE ":" ": " line "${entry}")
    string(APPEND text "${line}\n")
  endforeach()
  file(WRITE ${PROJECT_BINARY_DIR}/layers.txt "${text}")
endfunction()
