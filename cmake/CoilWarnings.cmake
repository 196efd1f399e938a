# coil_warnings: the one set of compiler warnings for our own code (libraries, programs and
# tests alike): -Wall -Wextra, and -Werror unless COIL_WERROR is OFF (a packager's newer
# compiler may warn about things ours does not). Every target of ours links it PRIVATE.
option(COIL_WERROR "Treat compiler warnings in Coil's own code as errors" ON)
add_library(coil_warnings INTERFACE)
target_compile_options(coil_warnings INTERFACE
  $<$<COMPILE_LANGUAGE:C,CXX>:-Wall -Wextra>
  $<$<AND:$<COMPILE_LANGUAGE:C,CXX>,$<BOOL:${COIL_WERROR}>>:-Werror>
  # nvcc: the host compiler's warnings on our .cu files
  $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall>
  $<$<AND:$<COMPILE_LANGUAGE:CUDA>,$<BOOL:${COIL_WERROR}>>:-Xcompiler=-Werror>)
# GCC 12's -Wrestrict fires inside libstdc++'s std::string at -O2 and above on code that is
# fine (GCC bug 105329, fixed in GCC 13).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(coil_warnings INTERFACE $<$<COMPILE_LANGUAGE:CXX>:-Wno-restrict>)
endif()
