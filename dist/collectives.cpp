#include "dist/collectives.h"

#include "core/error.h"
#include "dist/mpi_detail.h"
#include "dist/world.h"

#include <algorithm>
#include <array>

namespace nabla::dist {

namespace detail {

namespace {
// A shape travels as [ndim, d0, d1, ...] padded to a fixed length, so one MPI_Allgather
// of equal counts carries every rank's shape whatever its rank.
constexpr int kMaxDims = 8;
using WireShape = std::array<std::int64_t, kMaxDims + 1>;
}  // namespace

void check_mpi(int code, const char* op) {
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(code, text, &len);
    throw Error(op,
                fmt::format("MPI failed on rank {} of {}: {}", rank(), world_size(), std::string(text, len)));
}

void check_same_shape(const Shape& shape, const char* op, MPI_Comm comm) {
    NABLA_CHECK(shape.ndim() <= kMaxDims, op, "tensors of at most {} dimensions, got {} on rank {}", kMaxDims,
                shape, rank());
    WireShape mine{};
    mine[0] = shape.ndim();
    for (std::int64_t d = 0; d < shape.ndim(); ++d) mine[size_t(d + 1)] = shape[d];
    int size = 0;
    MPI_Comm_size(comm, &size);
    std::vector<WireShape> all(static_cast<size_t>(size));
    check_mpi(
        MPI_Allgather(mine.data(), kMaxDims + 1, MPI_INT64_T, all.data(), kMaxDims + 1, MPI_INT64_T, comm),
        op);
    if (std::all_of(all.begin(), all.end(), [&](const WireShape& w) { return w == mine; })) return;
    std::string shapes;
    for (int r = 0; r < size; ++r) {
        const WireShape& w = all[size_t(r)];
        std::vector<std::int64_t> dims(w.begin() + 1, w.begin() + 1 + w[0]);
        shapes += fmt::format("{}rank {}: {}", r ? ", " : "", r, Shape(dims));
    }
    throw Error(op, fmt::format("the tensor's shape differs between ranks ({}); this is rank {}: every rank "
                                "must pass a tensor of the same shape",
                                shapes, rank()));
}

std::vector<std::int64_t> all_gather_int64(std::int64_t v, const char* op, MPI_Comm comm) {
    int size = 0;
    MPI_Comm_size(comm, &size);
    std::vector<std::int64_t> all(static_cast<size_t>(size));
    check_mpi(MPI_Allgather(&v, 1, MPI_INT64_T, all.data(), 1, MPI_INT64_T, comm), op);
    return all;
}

void all_reduce_sum(double* data, std::int64_t n, const char* op, MPI_Comm comm) {
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, data, int(n), MPI_DOUBLE, MPI_SUM, comm), op);
}

}  // namespace detail

namespace {
void check_defined(const Tensor& t, const char* op) {
    NABLA_CHECK(t.defined(), op, "undefined tensor on rank {}", rank());
    NABLA_CHECK(t.numel() <= std::int64_t(1) << 31, op, "{} elements on rank {}: at most 2^31 per call",
                t.numel(), rank());
}
}  // namespace

void all_reduce(Tensor& t, ReduceOp op) {
    constexpr const char* kOp = "all_reduce";
    check_defined(t, kOp);
    if (world_size() == 1) return;
    detail::check_same_shape(t.shape(), kOp);
    detail::check_mpi(MPI_Allreduce(MPI_IN_PLACE, t.data(), int(t.numel()), MPI_FLOAT,
                                    op == ReduceOp::max ? MPI_MAX : MPI_SUM, MPI_COMM_WORLD),
                      kOp);
    if (op == ReduceOp::mean) {
        const float inv = 1.0f / float(world_size());
        std::for_each(t.data(), t.data() + t.numel(), [inv](float& v) { v *= inv; });
    }
    t.bump_version();
}

void broadcast(Tensor& t, int root) {
    constexpr const char* kOp = "broadcast";
    check_defined(t, kOp);
    NABLA_CHECK(root >= 0 && root < world_size(), kOp, "root {} is not a rank of a world of {}", root,
                world_size());
    if (world_size() == 1) return;
    detail::check_same_shape(t.shape(), kOp);
    detail::check_mpi(MPI_Bcast(t.data(), int(t.numel()), MPI_FLOAT, root, MPI_COMM_WORLD), kOp);
    t.bump_version();
}

Tensor all_gather(const Tensor& t) {
    constexpr const char* kOp = "all_gather";
    check_defined(t, kOp);
    std::vector<std::int64_t> dims{world_size()};
    for (std::int64_t d = 0; d < t.dim(); ++d) dims.push_back(t.size(d));
    Tensor out = empty(Shape(dims));
    if (world_size() == 1) {
        std::copy_n(t.data(), t.numel(), out.data());
        return out;
    }
    detail::check_same_shape(t.shape(), kOp);
    detail::check_mpi(MPI_Allgather(t.data(), int(t.numel()), MPI_FLOAT, out.data(), int(t.numel()),
                                    MPI_FLOAT, MPI_COMM_WORLD),
                      kOp);
    return out;
}

std::vector<std::string> all_gather_text(const std::string& text) {
    constexpr const char* kOp = "all_gather_text";
    if (world_size() == 1) return {text};
    const std::vector<std::int64_t> lengths = detail::all_gather_int64(std::int64_t(text.size()), kOp);
    std::vector<int> counts, displs;
    int total = 0;
    for (const std::int64_t n : lengths) {
        NABLA_CHECK(n <= (std::int64_t(1) << 30) - total, kOp, "texts of {} bytes in all: at most 2^30",
                    total + n);
        counts.push_back(int(n));
        displs.push_back(total);
        total += int(n);
    }
    std::string all(std::size_t(total), '\0');
    detail::check_mpi(MPI_Allgatherv(text.data(), int(text.size()), MPI_CHAR, all.data(), counts.data(),
                                     displs.data(), MPI_CHAR, MPI_COMM_WORLD),
                      kOp);
    std::vector<std::string> texts;
    for (std::size_t r = 0; r < counts.size(); ++r)
        texts.push_back(all.substr(std::size_t(displs[r]), std::size_t(counts[r])));
    return texts;
}

void barrier() {
    if (world_size() == 1) return;
    detail::check_mpi(MPI_Barrier(MPI_COMM_WORLD), "barrier");
}

}  // namespace nabla::dist
