# ===- OSTMacros.cmake - helpers shared by ost's CMake files --------------=== #

# ost_link_mlir(target PUBLIC|PRIVATE libs...)
# Links MLIR libraries the right way in both build modes: against libMLIR.so
# when OST_LINK_MLIR_DYLIB is ON (one copy of every TypeID and registry),
# against the static archives otherwise.
function(ost_link_mlir target visibility)
  mlir_target_link_libraries(${target} ${visibility} ${ARGN})
endfunction()

# add_ost_library(name sources... DEPENDS ... LINK_OST ... LINK_MLIR ...)
# A static library of ost's own code. LINK_OST lists ost libraries (plain
# target_link_libraries); LINK_MLIR lists MLIR libraries (ost_link_mlir).
function(add_ost_library name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;LINK_OST;LINK_MLIR;LINK_OTHER" ${ARGN})
  add_mlir_library(${name} ${ARG_UNPARSED_ARGUMENTS}
    PARTIAL_SOURCES_INTENDED
    DISABLE_INSTALL
    DEPENDS ${ARG_DEPENDS})
  if(ARG_LINK_OST)
    target_link_libraries(${name} PUBLIC ${ARG_LINK_OST})
  endif()
  if(ARG_LINK_MLIR)
    ost_link_mlir(${name} PUBLIC ${ARG_LINK_MLIR})
  endif()
  if(ARG_LINK_OTHER)
    target_link_libraries(${name} PUBLIC ${ARG_LINK_OTHER})
  endif()
endfunction()
