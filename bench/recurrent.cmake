# bench/recurrent: tshape's GRU and LSTM (one step, whole sequences) against the same cells in Eigen.
find_package(Eigen3 3.4 REQUIRED CONFIG)
add_executable(recurrent ${CMAKE_CURRENT_LIST_DIR}/recurrent.cpp)
target_link_libraries(recurrent PRIVATE tshape_project_flags Eigen3::Eigen)
# g++ 12 warns inside its own AVX-512 intrinsics once Eigen's kernels are inlined (a false positive).
target_compile_options(recurrent PRIVATE $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized -Wno-uninitialized>)
