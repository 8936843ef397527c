#pragma once
// Collectives on tensors over every process of the World (dist/world.h). Every rank must
// call the same collectives in the same order (MPI's rule). Each call first gathers every
// rank's shape, so a tensor whose shape differs between ranks is an error on every rank,
// naming the collective, this rank and the shape on each rank, rather than a sum of
// mismatched buffers or a hang. In a world of one each call returns its input unchanged.
#include "core/tensor.h"

#include <string>
#include <vector>

namespace nabla::dist {

enum class ReduceOp { sum, mean, max };

// In place: every rank ends with the elementwise sum, mean or max over ranks.
void all_reduce(Tensor& t, ReduceOp op = ReduceOp::sum);
// In place: every rank ends with root's values (same shape on every rank).
void broadcast(Tensor& t, int root = 0);
// [world_size, ...t.shape()]: rank r's tensor at index r (same shape on every rank).
Tensor all_gather(const Tensor& t);
// Every rank's text, by rank; the texts may differ in length (e.g. each rank's command
// line, to check that they agree).
std::vector<std::string> all_gather_text(const std::string& text);
void barrier();

}  // namespace nabla::dist
