#include "dist/data_parallel.h"

#include "autograd/grad_hooks.h"
#include "autograd/grad_mode.h"
#include "core/error.h"
#include "dist/collectives.h"
#include "dist/mpi_detail.h"
#include "dist/world.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace nabla::dist {

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
}  // namespace

struct DataParallel::Impl {
    struct Bucket {
        std::vector<std::size_t> params;  // indices into `params`, in bucket order
        std::vector<std::int64_t> offsets;
        std::vector<float> data;
        std::size_t ready = 0;
        bool started = false;
        MPI_Request request = MPI_REQUEST_NULL;
    };

    DataParallelOptions options;
    std::vector<Tensor> params;          // reverse registration order
    std::vector<std::size_t> bucket_of;  // per parameter
    std::vector<std::size_t> slot_of;    // its index within its bucket
    std::vector<bool> ready;             // per parameter, this backward
    std::vector<Bucket> buckets;
    std::size_t next_start = 0;     // buckets start in index order on every rank
    bool pending = false;           // some gradient of this backward arrived
    MPI_Comm comm = MPI_COMM_NULL;  // a duplicate: SyncBatchNorm's blocking collectives run on the
                                    // world communicator while these requests are in flight
    std::vector<GradHookHandle> hooks;
    CommStats stats;

    void copy_in(std::size_t i) {
        Bucket& b = buckets[bucket_of[i]];
        const std::size_t k = slot_of[i];
        float* dst = b.data.data() + b.offsets[k];
        const Tensor g = params[i].grad();
        if (g.defined())
            std::copy_n(g.data(), params[i].numel(), dst);
        else
            std::fill_n(dst, params[i].numel(), 0.0f);  // no gradient here: contributes zeros
        ready[i] = true;
        ++b.ready;
        pending = true;
    }

    void start(Bucket& b) {
        const auto t0 = Clock::now();
        detail::check_mpi(MPI_Iallreduce(MPI_IN_PLACE, b.data.data(), int(b.data.size()), MPI_FLOAT, MPI_SUM,
                                         comm, &b.request),
                          "DataParallel (all-reduce of a gradient bucket)");
        b.started = true;
        stats.bytes += std::int64_t(b.data.size() * sizeof(float));
        stats.seconds += since(t0);
    }

    void on_ready(std::size_t i) {
        copy_in(i);
        if (!options.overlap) return;
        while (next_start < buckets.size() && buckets[next_start].ready == buckets[next_start].params.size())
            start(buckets[next_start++]);
        // MPI progresses non-blocking collectives inside MPI calls: poke the ones in flight.
        const auto t0 = Clock::now();
        for (std::size_t k = 0; k < next_start; ++k) {
            int done = 0;
            if (buckets[k].request != MPI_REQUEST_NULL)
                MPI_Test(&buckets[k].request, &done, MPI_STATUS_IGNORE);
        }
        stats.seconds += since(t0);
    }

    void finish() {
        if (!pending) return;
        for (std::size_t i = 0; i < params.size(); ++i)
            if (!ready[i]) copy_in(i);
        const auto t0 = Clock::now();
        while (next_start < buckets.size()) start(buckets[next_start++]);
        for (Bucket& b : buckets)
            detail::check_mpi(MPI_Wait(&b.request, MPI_STATUS_IGNORE),
                              "DataParallel (waiting for a gradient bucket)");
        const double waited = since(t0);
        stats.seconds += waited;
        stats.finish_seconds += waited;
        const float inv = 1.0f / float(world_size());
        for (std::size_t i = 0; i < params.size(); ++i) {
            const Bucket& b = buckets[bucket_of[i]];
            const float* src = b.data.data() + b.offsets[slot_of[i]];
            Tensor g = params[i].grad();
            if (!g.defined()) {
                g = empty(params[i].shape());
                params[i].set_grad(g);
            }
            for (std::int64_t k = 0; k < g.numel(); ++k) g.data()[k] = src[k] * inv;
            g.bump_version();
        }
        for (Bucket& b : buckets) {
            b.ready = 0;
            b.started = false;
        }
        std::fill(ready.begin(), ready.end(), false);
        next_start = 0;
        pending = false;
        ++stats.syncs;
    }
};

DataParallel::DataParallel(nn::Module& module, DataParallelOptions options)
    : impl_(std::make_unique<Impl>()) {
    Impl& m = *impl_;
    m.options = options;
    NABLA_CHECK(options.bucket_bytes > 0, "DataParallel", "bucket_bytes must be positive, got {}",
                options.bucket_bytes);
    if (world_size() == 1) return;  // nothing to average: no hooks, no communication
    // The same model everywhere: the same number of parameters and buffers, then each
    // tensor's shape (broadcast checks it), then rank 0's values.
    std::vector<Tensor> params = module.parameters(), buffers = module.buffers();
    detail::check_same_shape(Shape{std::int64_t(params.size()), std::int64_t(buffers.size())},
                             "DataParallel (the number of parameters and buffers)");
    {
        NoGradGuard no_grad;
        for (Tensor& t : params) broadcast(t, 0);
        for (Tensor& t : buffers) broadcast(t, 0);
    }
    m.params.assign(params.rbegin(), params.rend());
    const std::int64_t cap = std::max<std::int64_t>(1, options.bucket_bytes / std::int64_t(sizeof(float)));
    for (std::size_t i = 0; i < m.params.size(); ++i) {
        const std::int64_t n = m.params[i].numel();
        if (m.buckets.empty() ||
            (!m.buckets.back().data.empty() && std::int64_t(m.buckets.back().data.size()) + n > cap))
            m.buckets.emplace_back();
        auto& b = m.buckets.back();
        m.bucket_of.push_back(m.buckets.size() - 1);
        m.slot_of.push_back(b.params.size());
        b.params.push_back(i);
        b.offsets.push_back(std::int64_t(b.data.size()));
        b.data.resize(b.data.size() + std::size_t(n));
    }
    m.ready.assign(m.params.size(), false);
    detail::check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &m.comm), "DataParallel (MPI_Comm_dup)");
    for (std::size_t i = 0; i < m.params.size(); ++i)
        m.hooks.push_back(on_gradient_ready(m.params[i], [&m, i] { m.on_ready(i); }));
    m.hooks.push_back(on_backward_end([&m] { m.finish(); }));
}

DataParallel::~DataParallel() {
    if (!impl_ || impl_->comm == MPI_COMM_NULL) return;
    impl_->hooks.clear();
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (finalized) return;
    for (auto& b : impl_->buckets)
        if (b.request != MPI_REQUEST_NULL) MPI_Wait(&b.request, MPI_STATUS_IGNORE);
    MPI_Comm_free(&impl_->comm);
}

void DataParallel::finish_gradient_sync() { impl_->finish(); }
int DataParallel::bucket_count() const { return int(impl_->buckets.size()); }
const CommStats& DataParallel::stats() const { return impl_->stats; }
void DataParallel::reset_stats() { impl_->stats = {}; }

}  // namespace nabla::dist
