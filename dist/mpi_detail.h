#pragma once
// What dist/'s files share about MPI (not installed for users: no <mpi.h> in the public headers).
#include "core/shape.h"

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace nabla::dist::detail {

// Throws naming `op` and this rank unless `code` is MPI_SUCCESS.
void check_mpi(int code, const char* op);
// Gathers every rank's shape; throws on every rank when they differ, naming `op`.
void check_same_shape(const Shape& shape, const char* op, MPI_Comm comm = MPI_COMM_WORLD);
// Gathers one 64-bit value per rank.
std::vector<std::int64_t> all_gather_int64(std::int64_t v, const char* op, MPI_Comm comm = MPI_COMM_WORLD);
// Blocking in-place sum of doubles (SyncBatchNorm's per-channel sums).
void all_reduce_sum(double* data, std::int64_t n, const char* op, MPI_Comm comm = MPI_COMM_WORLD);

}  // namespace nabla::dist::detail
