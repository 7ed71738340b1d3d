# bench/conv: tshape's Conv2D kernels against oneDNN and im2col + cblas_sgemm, in one run.
find_package(dnnl REQUIRED CONFIG)
find_package(OpenMP REQUIRED)
find_package(Threads REQUIRED)
add_executable(conv ${CMAKE_CURRENT_LIST_DIR}/conv.cpp)
target_link_libraries(conv PRIVATE tshape_project_flags DNNL::dnnl OpenMP::OpenMP_CXX Threads::Threads)
if(NOT TSHAPE_USE_BLAS)
  # tshape runs without BLAS; the im2col baseline still needs one.
  set(BLA_VENDOR OpenBLAS)
  find_package(BLAS REQUIRED)
  target_link_libraries(conv PRIVATE BLAS::BLAS)
endif()
