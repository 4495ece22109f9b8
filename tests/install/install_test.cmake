# tests/install/install_test.cmake - run by ctest (cmake -P): installs the
# build tree into a fresh prefix with `cmake --install --prefix`, then builds
# and runs a small program against it twice: with the flags from
# `pkg-config --cflags --libs gomap`, and as a separate CMake project using
# find_package(gomap) (shared and static library).
#
# Inputs (-D): BUILD_DIR, WORK_DIR, SRC_DIR (consumer sources), LIBDIR
# (CMAKE_INSTALL_LIBDIR), CC, SANITIZE (GOMAP_SANITIZE, may be empty).

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run_step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "install test: ${what} failed (${rc}):\n${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "install test: ${what}: ok")
  set(step_out "${out}" PARENT_SCOPE)
endfunction()

set(san_flags "")
if(SANITIZE)
  set(san_flags "-fsanitize=${SANITIZE}")
endif()

run_step("cmake --install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/gomap.h include/gomap/map.h include/gomap/common.h ${LIBDIR}/pkgconfig/gomap.pc
          ${LIBDIR}/cmake/gomap/gomapConfig.cmake)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "install test: ${f} was not installed")
  endif()
endforeach()

# ---- pkg-config ----------------------------------------------------------------
set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
run_step("pkg-config --variable=prefix gomap" pkg-config --variable=prefix gomap)
string(STRIP "${step_out}" pc_prefix)
get_filename_component(pc_prefix_real "${pc_prefix}" REALPATH)
get_filename_component(prefix_real "${prefix}" REALPATH)
if(NOT pc_prefix_real STREQUAL prefix_real)
  message(FATAL_ERROR "install test: gomap.pc says prefix=${pc_prefix}, but it "
    "was installed with --prefix ${prefix}: the .pc must not hard-code the "
    "configure-time CMAKE_INSTALL_PREFIX (use prefix=\${pcfiledir}/../.. or "
    "generate it at install time)")
endif()
run_step("pkg-config --cflags --libs gomap" pkg-config --cflags --libs gomap)
string(STRIP "${step_out}" pc_flags)
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
run_step("compile with pkg-config flags"
  ${CC} -std=c11 -Wall -Wextra -Werror ${san_flags} ${SRC_DIR}/main.c ${pc_flags}
  -o ${WORK_DIR}/consumer_pc)
run_step("run the pkg-config program"
  ${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${prefix}/${LIBDIR} ${WORK_DIR}/consumer_pc)

# ---- find_package -----------------------------------------------------------------
set(cflags "-std=c11 -Wall -Wextra -Werror ${san_flags}")
run_step("configure a find_package(gomap) project"
  ${CMAKE_COMMAND} -S ${SRC_DIR} -B ${WORK_DIR}/consumer_build
  -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${CC}
  "-DCMAKE_C_FLAGS=${cflags}" "-DCMAKE_EXE_LINKER_FLAGS=${san_flags}")
run_step("build it" ${CMAKE_COMMAND} --build ${WORK_DIR}/consumer_build)
run_step("run it (shared)"
  ${CMAKE_COMMAND} -E env LD_LIBRARY_PATH=${prefix}/${LIBDIR}
  ${WORK_DIR}/consumer_build/consumer_shared)
run_step("run it (static)" ${WORK_DIR}/consumer_build/consumer_static)
