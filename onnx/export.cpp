#include "onnx/export.h"

#include "autograd/tape.h"
#include "autograd/trace.h"
#include "core/error.h"
#include "layers/atomic_file.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace nabla::nn {

namespace {

using Key = const TensorImpl*;

// One op the forward ran, with the path of the module it ran in ("" for the root).
struct Recorded {
    TracedOp op;
    std::string path;
};

std::string unmapped(const std::string& op) { return fmt::format("op '{}' has no ONNX mapping", op); }

// The op observer of one export: collects the traced ops and the module path of each. An
// op that the tape recorded but that did not trace (one written outside the library) is
// remembered, and the first traced op that reads its output reports it as unmapped.
class Tracer : public OpObserver {
public:
    explicit Tracer(const Module& root, std::string root_label) : root_label_(std::move(root_label)) {
        paths_[&root] = "";
        for (const auto& [name, m] : root.named_modules()) paths_.emplace(m.get(), name);
    }

    void on_enter_module(const void* module) override {
        const auto it = paths_.find(module);
        stack_.push_back(it != paths_.end() ? it->second : current());
    }
    void on_exit_module() override {
        if (!stack_.empty()) stack_.pop_back();
    }
    void on_record(const char* op, const Tensor& output) override {
        untraced_[output.impl()] = {op, current()};
    }
    void on_op(TracedOp t) override {
        untraced_.erase(t.output.impl());
        for (const Tensor& x : t.inputs) check_traced(x);
        ops_.push_back({std::move(t), current()});
    }

    // Throws (after the forward, so no layer wraps the message) for the first untraced op.
    void check_traced(const Tensor& x) {
        if (!x.defined() || error_) return;
        const auto it = untraced_.find(x.impl());
        if (it != untraced_.end()) error_ = Error(label(it->second.second), unmapped(it->second.first));
    }
    void throw_if_failed() const {
        if (error_) throw *error_;
    }

    std::string label(const std::string& path) const { return path.empty() ? root_label_ : path; }
    std::vector<Recorded>& ops() { return ops_; }

private:
    std::string current() const { return stack_.empty() ? "" : stack_.back(); }

    std::string root_label_;
    std::unordered_map<const void*, std::string> paths_;
    std::vector<std::string> stack_;
    std::vector<Recorded> ops_;
    std::unordered_map<Key, std::pair<std::string, std::string>> untraced_;  // op, path
    std::optional<Error> error_;
};

// Restores the train/eval mode of a module and each descendant (parents first, so each
// train() call is overridden by its children's own afterwards).
class ModeRestorer {
public:
    explicit ModeRestorer(Module& root) {
        modes_.emplace_back(&root, root.is_training());
        for (const auto& [name, m] : root.named_modules()) modes_.emplace_back(m.get(), m->is_training());
    }
    ~ModeRestorer() {
        for (const auto& [m, on] : modes_) m->train(on);
    }
    ModeRestorer(const ModeRestorer&) = delete;
    ModeRestorer& operator=(const ModeRestorer&) = delete;

private:
    std::vector<std::pair<Module*, bool>> modes_;
};

void set_ints(onnx::NodeProto* n, const char* name, const std::vector<std::int64_t>& values) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto v : values) a->add_ints(v);
}
void set_int(onnx::NodeProto* n, const char* name, std::int64_t value) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
}
void set_float(onnx::NodeProto* n, const char* name, float value) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(value);
}

void set_value_info(onnx::ValueInfoProto* v, const std::string& name, const Shape& shape,
                    bool symbolic_batch) {
    v->set_name(name);
    auto* t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    auto* s = t->mutable_shape();
    for (std::int64_t i = 0; i < shape.ndim(); ++i) {
        auto* d = s->add_dim();
        if (i == 0 && symbolic_batch)
            d->set_dim_param("batch");
        else
            d->set_dim_value(shape[i]);
    }
}

// The folded weights of "layer then BatchNorm (eval)": per output channel c,
// scale = gamma / sqrt(var + eps), W'[c] = W[c] * scale, b' = (b - mean) * scale + beta.
std::pair<Tensor, Tensor> fold_weights(const Tensor& weight, const Tensor& bias, const Tensor& gamma,
                                       const Tensor& beta, const Tensor& mean, const Tensor& var, float eps) {
    const std::int64_t C = weight.size(0), per = weight.numel() / C;
    Tensor w = empty(weight.shape()), b = empty({C});
    for (std::int64_t c = 0; c < C; ++c) {
        const double g = gamma.defined() ? gamma.data()[c] : 1.0, be = beta.defined() ? beta.data()[c] : 0.0;
        const double scale = g / std::sqrt(double(var.data()[c]) + double(eps));
        for (std::int64_t k = 0; k < per; ++k)
            w.data()[c * per + k] = float(weight.data()[c * per + k] * scale);
        const double b0 = bias.defined() ? bias.data()[c] : 0.0;
        b.data()[c] = float((b0 - mean.data()[c]) * scale + be);
    }
    return {w, b};
}

// Turns the traced ops into an ONNX graph.
class GraphBuilder {
public:
    GraphBuilder(onnx::GraphProto* graph, const Module& module, const Tracer& tracer,
                 const OnnxExportOptions& options)
        : g_(graph), tracer_(tracer), options_(options) {
        for (const auto& [name, t] : module.named_parameters()) state_names_.emplace(t.impl(), name);
        for (const auto& [name, t] : module.named_buffers()) state_names_.emplace(t.impl(), name);
    }

    void set_input(const Tensor& x) {
        names_[x.impl()] = options_.input_name;
        dynamic_.insert(x.impl());
        batch_ = x.size(0);
    }

    void build(std::vector<Recorded>& ops, const Tensor& output) {
        for (const Recorded& r : ops)
            for (const Tensor& x : r.op.inputs)
                if (x.defined()) ++uses_[x.impl()];
        ++uses_[output.impl()];
        for (Recorded& r : ops) add(r);
        finish(output);
    }

private:
    // --- values ---
    std::string fresh(const std::string& path, const std::string& what) {
        return fmt::format("{}{}{}_{}", path, path.empty() ? "" : ".", what, counter_++);
    }

    std::string initializer(const Tensor& t, const std::string& name) {
        auto* p = g_->add_initializer();
        p->set_name(name);
        p->set_data_type(onnx::TensorProto::FLOAT);
        for (auto d : t.shape().dims()) p->add_dims(d);
        p->set_raw_data(t.data(), size_t(t.numel()) * sizeof(float));
        return name;
    }

    std::string int64_initializer(const std::vector<std::int64_t>& values, const std::string& name) {
        auto* t = g_->add_initializer();
        t->set_name(name);
        t->set_data_type(onnx::TensorProto::INT64);
        t->add_dims(std::int64_t(values.size()));
        for (auto v : values) t->add_int64_data(v);
        return name;
    }

    // The constant [D, D] of 1 / D whose product with [..., D] gives every element its
    // row's mean; one per D in the graph.
    std::string mean_matrix(std::int64_t D, const std::string& path) {
        const auto it = mean_matrices_.find(D);
        if (it != mean_matrices_.end()) return it->second;
        Tensor m = empty({D, D});
        m.fill_(1.0f / float(D));
        return mean_matrices_[D] = initializer(m, fresh(path, "mean_matrix"));
    }

    std::string scalar(float v, const std::string& path) {
        Tensor t = empty({1});
        t.data()[0] = v;
        return initializer(t, fresh(path, "scalar"));
    }

    // The graph name of a tensor an op reads: a value already in the graph, or a new
    // initializer (a parameter or buffer by its module path, else a constant by its data).
    std::string value(const Tensor& t, const std::string& path) {
        const auto it = names_.find(t.impl());
        if (it != names_.end()) return it->second;
        const auto s = state_names_.find(t.impl());
        const auto c = const_names_.find(t.impl());
        const std::string name = s != state_names_.end()   ? s->second
                                 : c != const_names_.end() ? c->second
                                                           : fresh(path, "constant");
        names_[t.impl()] = initializer(t, name);
        return name;
    }

    bool is_dynamic(const Tensor& t) const { return t.defined() && dynamic_.count(t.impl()) > 0; }

    onnx::NodeProto* node(const std::string& type, const std::vector<std::string>& inputs,
                          const std::string& output, const std::string& path) {
        auto* n = g_->add_node();
        n->set_op_type(type);
        n->set_name(fresh(path, type));
        for (const auto& i : inputs) n->add_input(i);
        n->add_output(output);
        return n;
    }

    // A node whose one output is the op's output.
    onnx::NodeProto* emit(const Recorded& r, const std::string& type,
                          const std::vector<std::string>& inputs) {
        const std::string out = fresh(r.path, r.op.op);
        auto* n = node(type, inputs, out, r.path);
        names_[r.op.output.impl()] = out;
        return n;
    }

    std::vector<std::int64_t> ints(const Recorded& r, const char* name) const {
        const auto& v = r.op.attribute(name);
        return std::vector<std::int64_t>(v.begin(), v.end());
    }

    // Reduced dims of a traced reduction, wrapped to be non-negative.
    std::vector<std::int64_t> axes(const Recorded& r) const {
        std::vector<std::int64_t> a = ints(r, "dims");
        const std::int64_t rank = r.op.inputs[0].dim();
        for (auto& d : a)
            if (d < 0) d += rank;
        return a;
    }

    [[noreturn]] void fail(const Recorded& r, const std::string& why) const {
        throw Error(tracer_.label(r.path), why);
    }

    // --- ops ---
    void add(const Recorded& r) {
        const TracedOp& op = r.op;
        bool dynamic = false;
        for (const Tensor& x : op.inputs) dynamic = dynamic || is_dynamic(x);
        if (!dynamic) {
            // Computed from constants alone: the traced value is the constant.
            const_names_.emplace(op.output.impl(), fresh(r.path, op.op));
            return;
        }
        dynamic_.insert(op.output.impl());
        const std::string& name = op.op;
        if (!track_expanded(r)) return;
        const auto in = [&](std::size_t k) { return value(op.inputs[k], r.path); };
        static const std::map<std::string, std::string> elementwise = {
            {"add", "Add"},   {"sub", "Sub"},         {"mul", "Mul"},   {"div", "Div"},
            {"neg", "Neg"},   {"exp", "Exp"},         {"log", "Log"},   {"sqrt", "Sqrt"},
            {"relu", "Relu"}, {"sigmoid", "Sigmoid"}, {"tanh", "Tanh"}, {"matmul", "MatMul"}};
        if (const auto it = elementwise.find(name); it != elementwise.end()) {
            std::vector<std::string> inputs;
            for (std::size_t k = 0; k < op.inputs.size(); ++k) inputs.push_back(in(k));
            emit(r, it->second, inputs);
        } else if (name == "add_scalar" || name == "mul_scalar" || name == "pow") {
            const float s = float(op.attribute(name == "pow" ? "exponent" : "scalar")[0]);
            emit(r,
                 name == "add_scalar"   ? "Add"
                 : name == "mul_scalar" ? "Mul"
                                        : "Pow",
                 {in(0), scalar(s, r.path)});
        } else if (name == "linear") {
            add_linear(r);
        } else if (name == "conv2d") {
            add_conv(r);
        } else if (name == "max_pool2d" || name == "avg_pool2d") {
            const std::int64_t k = ints(r, "kernel")[0], s = ints(r, "stride")[0], p = ints(r, "padding")[0];
            auto* n = emit(r, name == "max_pool2d" ? "MaxPool" : "AveragePool", {in(0)});
            set_ints(n, "kernel_shape", {k, k});
            set_ints(n, "strides", {s, s});
            set_ints(n, "pads", {p, p, p, p});
            if (name == "avg_pool2d") set_int(n, "count_include_pad", ints(r, "count_include_pad")[0]);
        } else if (name == "reshape") {
            add_reshape(r);
        } else if (name == "transpose") {
            const auto d = ints(r, "dims");
            std::vector<std::int64_t> perm(size_t(op.inputs[0].dim()));
            for (size_t i = 0; i < perm.size(); ++i) perm[i] = std::int64_t(i);
            std::swap(perm[size_t(d[0])], perm[size_t(d[1])]);
            set_ints(emit(r, "Transpose", {in(0)}), "perm", perm);
        } else if (name == "cat") {
            std::vector<std::string> inputs;
            for (std::size_t k = 0; k < op.inputs.size(); ++k) inputs.push_back(in(k));
            set_int(emit(r, "Concat", inputs), "axis", ints(r, "dim")[0]);
        } else if (name == "mean" && is_last_dim_mean(r)) {
            // OpenCV 4.6 computes neither ReduceMean over the last axis nor a Sub that
            // broadcasts two computed values, so the mean over the last dimension D is a
            // MatMul with a constant [D, D] of 1 / D: every element holds its row's mean,
            // already broadcast. The consumers, all elementwise (track_expanded), compute
            // the same values from it.
            const std::int64_t D = op.inputs[0].shape()[op.inputs[0].dim() - 1];
            emit(r, "MatMul", {in(0), mean_matrix(D, r.path)});
            expanded_[op.output.impl()] = onnx_shape(op.inputs[0]);
        } else if (name == "mean" || name == "max") {
            auto* n = emit(r, name == "mean" ? "ReduceMean" : "ReduceMax", {in(0)});
            if (!op.attribute("dims").empty()) set_ints(n, "axes", axes(r));
            set_int(n, "keepdims", ints(r, "keepdim")[0]);
        } else if (name == "sum") {
            // Opset 13 takes ReduceSum's axes as an input.
            std::vector<std::string> inputs{in(0)};
            if (!op.attribute("dims").empty()) {
                inputs.push_back(int64_initializer(axes(r), fresh(r.path, "axes")));
            }
            set_int(emit(r, "ReduceSum", inputs), "keepdims", ints(r, "keepdim")[0]);
        } else if (name == "log_softmax") {
            set_int(emit(r, "LogSoftmax", {in(0)}), "axis", ints(r, "dim")[0]);
        } else if (name == "batch_norm") {
            add_batch_norm(r);
        } else if (name == "layer_norm") {
            add_layer_norm(r);
        } else {
            fail(r, unmapped(name));
        }
    }

    static bool is_elementwise(const std::string& op) {
        static const std::unordered_set<std::string> ops = {
            "add",  "sub", "mul",  "div",     "neg",  "exp",        "log",
            "sqrt", "pow", "relu", "sigmoid", "tanh", "add_scalar", "mul_scalar"};
        return ops.count(op) > 0;
    }

    bool is_last_dim_mean(const Recorded& r) const {
        const auto a = axes(r);
        const Tensor& x = r.op.inputs[0];
        return x.dim() >= 2 && a.size() == 1 && a[0] == x.dim() - 1 && r.op.attribute("keepdim")[0] != 0.0 &&
               expanded_.count(x.impl()) == 0;
    }

    // The shape a value has in the graph: its own, unless it is an expanded mean (or
    // computed elementwise from one), which holds its values broadcast to a larger shape.
    Shape onnx_shape(const Tensor& t) const {
        const auto it = expanded_.find(t.impl());
        return it != expanded_.end() ? it->second : t.shape();
    }

    // Elementwise ops carry expanded values on; any other op must not read one. False
    // when the op is the expanded mean itself (add() emits it).
    bool track_expanded(const Recorded& r) {
        const TracedOp& op = r.op;
        bool any = false;
        for (const Tensor& x : op.inputs) any = any || (x.defined() && expanded_.count(x.impl()) > 0);
        if (!any) return true;
        if (!is_elementwise(op.op))
            fail(r,
                 fmt::format("op '{}' reads a mean over the last dimension that the graph keeps broadcast; "
                             "it has no ONNX mapping",
                             op.op));
        Shape out = onnx_shape(op.inputs[0]);
        for (std::size_t k = 1; k < op.inputs.size(); ++k)
            out = broadcast_shapes(out, onnx_shape(op.inputs[k]), op.op.c_str());
        if (out != op.output.shape()) expanded_[op.output.impl()] = out;
        return true;
    }

    // A bias for Gemm and Conv, which OpenCV wants present: the op's, or zeros.
    std::string bias_of(const Recorded& r, std::int64_t out) {
        if (r.op.inputs[2].defined()) return value(r.op.inputs[2], r.path);
        return initializer(zeros({out}), fresh(r.path, "zero_bias"));
    }

    void add_linear(const Recorded& r) {
        const Tensor& w = r.op.inputs[1];
        if (is_dynamic(w)) fail(r, "linear with a weight computed from the input has no ONNX mapping");
        auto* n = emit(r, "Gemm", {value(r.op.inputs[0], r.path), value(w, r.path), bias_of(r, w.size(0))});
        set_float(n, "alpha", 1.0f);
        set_float(n, "beta", 1.0f);
        set_int(n, "transB", 1);
        producers_[r.op.output.impl()] = {n, &r};
    }

    void add_conv(const Recorded& r) {
        const Tensor& w = r.op.inputs[1];
        if (is_dynamic(w)) fail(r, "conv2d with a weight computed from the input has no ONNX mapping");
        const std::int64_t s = ints(r, "stride")[0], p = ints(r, "padding")[0];
        auto* n = emit(r, "Conv", {value(r.op.inputs[0], r.path), value(w, r.path), bias_of(r, w.size(0))});
        set_ints(n, "kernel_shape", {w.size(2), w.size(3)});
        set_ints(n, "strides", {s, s});
        set_ints(n, "pads", {p, p, p, p});
        set_ints(n, "dilations", {1, 1});
        set_int(n, "group", 1);
        producers_[r.op.output.impl()] = {n, &r};
    }

    // Flatten where it fits (OpenCV's preference); otherwise a constant shape whose 0 in
    // the first place copies the batch size, so the file keeps a symbolic batch.
    void add_reshape(const Recorded& r) {
        const Shape& from = r.op.inputs[0].shape();
        const Shape& to = r.op.output.shape();
        const std::string x = value(r.op.inputs[0], r.path);
        if (from == to) {
            emit(r, "Identity", {x});
            return;
        }
        const bool keeps_batch = from.ndim() >= 1 && to.ndim() >= 1 && from[0] == to[0] && from[0] == batch_;
        if (keeps_batch && to.ndim() == 2) {
            set_int(emit(r, "Flatten", {x}), "axis", 1);
            return;
        }
        if (!keeps_batch && !options_.fixed_batch)
            fail(r, fmt::format("reshape from {} to {} changes the batch dimension; export with fixed_batch",
                                from, to));
        std::vector<std::int64_t> dims = to.dims();
        if (keeps_batch && !options_.fixed_batch) dims[0] = 0;
        emit(r, "Reshape", {x, int64_initializer(dims, fresh(r.path, "shape"))});
    }

    void add_batch_norm(const Recorded& r) {
        const auto& in = r.op.inputs;  // x, gamma, beta, running_mean, running_var
        if (r.op.attribute("use_batch_stats")[0] != 0.0)
            fail(r,
                 "op 'batch_norm' normalising with batch statistics (training, or no running statistics) has "
                 "no ONNX mapping");
        for (std::size_t k = 1; k < in.size(); ++k)
            if (is_dynamic(in[k]))
                fail(r, "batch_norm with parameters computed from the input has no ONNX mapping");
        const float eps = float(r.op.attribute("eps")[0]);
        const std::int64_t C = in[0].size(1);
        if (options_.fold_batchnorm && fold_into_producer(r, eps)) return;
        const auto param = [&](std::size_t k, float fill) {
            if (in[k].defined()) return value(in[k], r.path);
            Tensor t = empty({C});
            t.fill_(fill);
            return initializer(t, fresh(r.path, k == 1 ? "ones" : "zeros"));
        };
        auto* n = emit(r, "BatchNormalization",
                       {value(in[0], r.path), param(1, 1.0f), param(2, 0.0f), value(in[3], r.path),
                        value(in[4], r.path)});
        set_float(n, "epsilon", eps);
    }

    // With fold_batchnorm: the Gemm or Conv that produced x, read by nothing else, takes
    // the folded weights, and the BatchNorm's output is its output.
    bool fold_into_producer(const Recorded& r, float eps) {
        const auto& in = r.op.inputs;
        const auto p = producers_.find(in[0].impl());
        if (p == producers_.end() || uses_[in[0].impl()] != 1) return false;
        auto [n, layer] = p->second;
        const auto [w, b] =
            fold_weights(layer->op.inputs[1], layer->op.inputs[2], in[1], in[2], in[3], in[4], eps);
        n->set_input(1, initializer(w, fresh(r.path, "folded_weight")));
        n->set_input(2, initializer(b, fresh(r.path, "folded_bias")));
        names_[r.op.output.impl()] = names_.at(in[0].impl());
        return true;
    }

    // y = (x - mean) / sqrt(var + eps) * weight + bias over the last k dimensions, with
    // the means as MatMuls by a constant [D, D] of 1 / D (see the last-dimension mean): a
    // form OpenCV 4.6 computes. Over several trailing dimensions ([N, C, H, W] normalised
    // over C, H, W) the input is flattened to [N, D] first and reshaped back at the end.
    void add_layer_norm(const Recorded& r) {
        const auto& in = r.op.inputs;
        const Shape& shape = in[0].shape();
        const std::int64_t rank = in[0].dim(), k = std::int64_t(r.op.attribute("normalized_shape").size());
        const bool flatten = k > 1;
        if (flatten && rank != k + 1)
            fail(r,
                 fmt::format("op 'layer_norm' over the last {} dimensions of an input {} has no ONNX mapping "
                             "(only over all dimensions but the batch, or the last one)",
                             k, shape));
        std::int64_t D = 1;
        for (std::int64_t d = rank - k; d < rank; ++d) D *= shape[d];
        const auto step = [&](const std::string& type, const std::vector<std::string>& inputs) {
            const std::string out = fresh(r.path, "layer_norm");
            node(type, inputs, out, r.path);
            return out;
        };
        // Weight and bias as [D] when the input is flattened.
        const auto flat = [&](const Tensor& t, const char* what) {
            if (!flatten) return value(t, r.path);
            Tensor c = empty({D});  // a copy: no op runs (and records) while building
            std::copy_n(t.data(), D, c.data());
            return initializer(c, fresh(r.path, what));
        };
        std::string x = value(in[0], r.path);
        if (flatten) {
            x = step("Flatten", {x});
            set_int(g_->mutable_node(g_->node_size() - 1), "axis", 1);
        }
        const std::string means = mean_matrix(D, r.path);
        const std::string centred = step("Sub", {x, step("MatMul", {x, means})});
        const std::string var = step("MatMul", {step("Mul", {centred, centred}), means});
        const float eps = float(r.op.attribute("eps")[0]);
        std::string y = step("Div", {centred, step("Sqrt", {step("Add", {var, scalar(eps, r.path)})})});
        if (in[1].defined()) y = step("Mul", {y, flat(in[1], "flat_weight")});
        if (in[2].defined()) y = step("Add", {y, flat(in[2], "flat_bias")});
        if (flatten) {
            if (!options_.fixed_batch && shape[0] != batch_)
                fail(r,
                     fmt::format("op 'layer_norm' on an input {} without the batch first has no ONNX mapping",
                                 shape));
            std::vector<std::int64_t> dims = shape.dims();
            if (!options_.fixed_batch) dims[0] = 0;
            y = step("Reshape", {y, int64_initializer(dims, fresh(r.path, "shape"))});
        }
        names_[r.op.output.impl()] = y;
    }

    // The graph output: the value that computes the module's result, renamed.
    void finish(const Tensor& output) {
        NABLA_CHECK(
            expanded_.count(output.impl()) == 0, "export_onnx",
            "the output is a mean over the last dimension, which the graph keeps broadcast; it has no "
            "ONNX mapping");
        const bool symbolic = !options_.fixed_batch;
        std::string last = value(output, "");
        if (!is_dynamic(output) || last == options_.input_name) {
            node("Identity", {last}, options_.output_name, "");
        } else {
            for (auto& n : *g_->mutable_node()) {
                for (auto& i : *n.mutable_input())
                    if (i == last) i = options_.output_name;
                for (auto& o : *n.mutable_output())
                    if (o == last) o = options_.output_name;
            }
        }
        // Folded BatchNorms leave their layer's original weights unread.
        std::unordered_set<std::string> read;
        for (const auto& n : g_->node())
            for (const auto& i : n.input()) read.insert(i);
        auto* inits = g_->mutable_initializer();
        for (int i = inits->size() - 1; i >= 0; --i)
            if (read.count(inits->Get(i).name()) == 0) inits->DeleteSubrange(i, 1);
        const bool batch_first = output.dim() >= 1 && output.size(0) == batch_ && is_dynamic(output);
        set_value_info(g_->add_output(), options_.output_name, output.shape(), symbolic && batch_first);
    }

    onnx::GraphProto* g_;
    const Tracer& tracer_;
    const OnnxExportOptions& options_;
    std::int64_t batch_ = 0;
    std::int64_t counter_ = 0;
    std::unordered_map<Key, std::string> names_;        // values in the graph
    std::unordered_map<Key, std::string> state_names_;  // parameters and buffers by module path
    std::unordered_map<Key, std::string> const_names_;  // constants the forward computed
    std::unordered_set<Key> dynamic_;                   // values that depend on the input
    std::unordered_map<Key, Shape> expanded_;           // last-dimension means kept broadcast
    std::unordered_map<Key, int> uses_;
    std::unordered_map<std::int64_t, std::string> mean_matrices_;  // how many ops read each value
    std::unordered_map<Key, std::pair<onnx::NodeProto*, const Recorded*>> producers_;  // Gemm and Conv
};

// An input of the example shape with values that vary (no random engine: exporting leaves
// the global generator alone).
Tensor dummy_input(const Shape& shape) {
    Tensor x = empty(shape);
    for (std::int64_t i = 0; i < x.numel(); ++i) x.data()[i] = 0.5f * std::sin(0.37f * float(i) + 0.1f);
    return x;
}

}  // namespace

std::string export_onnx_bytes(Module& module, const Shape& example_input_shape,
                              const OnnxExportOptions& options) {
    NABLA_CHECK(example_input_shape.ndim() >= 1 && example_input_shape.numel() > 0, "export_onnx",
                "the example input shape {} must have a batch dimension and no empty dimension",
                example_input_shape);
    NABLA_CHECK(options.opset >= 13, "export_onnx", "opset {} is older than 13, the oldest supported",
                options.opset);
    onnx::ModelProto model;
    model.set_ir_version(onnx::IR_VERSION);
    model.set_producer_name("nabla");
    model.set_producer_version("0.1.0");
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(options.opset);
    auto* graph = model.mutable_graph();
    graph->set_name(module.name());
    {
        const std::uint64_t first_entry = next_tape_id();
        Tracer tracer(module, module.name());
        Tensor x = dummy_input(example_input_shape), y;
        {
            // Grad mode stays on, so that an op which records without tracing is seen;
            // the entries this forward records are discarded right after it.
            ModeRestorer restore(module);
            module.eval();
            OpObserverGuard observe(&tracer);
            try {
                y = module(x);
            } catch (...) {
                discard_tape_entries_since(first_entry);
                throw;
            }
            tracer.check_traced(y);
        }
        discard_tape_entries_since(first_entry);
        tracer.throw_if_failed();
        NABLA_CHECK(y.defined(), "export_onnx", "{} returned an undefined tensor", module.name());
        GraphBuilder builder(graph, module, tracer, options);
        builder.set_input(x);
        set_value_info(graph->add_input(), options.input_name, example_input_shape, !options.fixed_batch);
        builder.build(tracer.ops(), y);
    }
    try {
        onnx::checker::check_model(model);
    } catch (const std::exception& e) {
        throw Error("export_onnx", fmt::format("the ONNX checker rejected the model: {}", e.what()));
    }
    std::string bytes;
    NABLA_CHECK(model.SerializeToString(&bytes), "export_onnx", "could not serialize the model of {}",
                module.name());
    return bytes;
}

void export_onnx(Module& module, const Shape& example_input_shape, const std::string& path,
                 const OnnxExportOptions& options) {
    const std::string bytes = export_onnx_bytes(module, example_input_shape, options);
    AtomicFile file(path, "export_onnx");
    file.write(bytes);
    file.commit();
}

}  // namespace nabla::nn
