#include "onnx/export.h"

#include "autograd/tape.h"
#include "autograd/trace.h"
#include "core/error.h"
#include "layers/atomic_file.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

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

void set_value_info(onnx::ValueInfoProto* v, const std::string& name, const Shape& shape, bool symbolic_batch) {
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
        for (std::int64_t k = 0; k < per; ++k) w.data()[c * per + k] = float(weight.data()[c * per + k] * scale);
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
    onnx::NodeProto* emit(const Recorded& r, const std::string& type, const std::vector<std::string>& inputs) {
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
        const auto in = [&](std::size_t k) { return value(op.inputs[k], r.path); };
        static const std::map<std::string, std::string> elementwise = {
            {"add", "Add"},   {"sub", "Sub"},   {"mul", "Mul"},   {"div", "Div"},         {"neg", "Neg"},
            {"exp", "Exp"},   {"log", "Log"},   {"sqrt", "Sqrt"}, {"relu", "Relu"},       {"sigmoid", "Sigmoid"},
            {"tanh", "Tanh"}, {"matmul", "MatMul"}};
        if (const auto it = elementwise.find(name); it != elementwise.end()) {
            std::vector<std::string> inputs;
            for (std::size_t k = 0; k < op.inputs.size(); ++k) inputs.push_back(in(k));
            emit(r, it->second, inputs);
        } else if (name == "add_scalar" || name == "mul_scalar" || name == "pow") {
            const float s = float(op.attribute(name == "pow" ? "exponent" : "scalar")[0]);
            emit(r, name == "add_scalar" ? "Add" : name == "mul_scalar" ? "Mul" : "Pow", {in(0), scalar(s, r.path)});
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
        } else if (name == "mean" || name == "max") {
            auto* n = emit(r, name == "mean" ? "ReduceMean" : "ReduceMax", {in(0)});
            if (!op.attribute("dims").empty()) set_ints(n, "axes", axes(r));
            set_int(n, "keepdims", ints(r, "keepdim")[0]);
        } else if (name == "sum") {
            // Opset 13 takes ReduceSum's axes as an input.
            std::vector<std::string> inputs{in(0)};
            if (!op.attribute("dims").empty()) {
                const auto a = axes(r);
                auto* t = g_->add_initializer();
                t->set_name(fresh(r.path, "axes"));
                t->set_data_type(onnx::TensorProto::INT64);
                t->add_dims(std::int64_t(a.size()));
                for (auto v : a) t->add_int64_data(v);
                inputs.push_back(t->name());
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
            fail(r, fmt::format("reshape from {} to {} changes the batch dimension; export with fixed_batch", from,
                                to));
        std::vector<std::int64_t> dims = to.dims();
        if (keeps_batch && !options_.fixed_batch) dims[0] = 0;
        auto* t = g_->add_initializer();
        t->set_name(fresh(r.path, "shape"));
        t->set_data_type(onnx::TensorProto::INT64);
        t->add_dims(std::int64_t(dims.size()));
        for (auto v : dims) t->add_int64_data(v);
        emit(r, "Reshape", {x, t->name()});
    }

    void add_batch_norm(const Recorded& r) {
        const auto& in = r.op.inputs;  // x, gamma, beta, running_mean, running_var
        if (r.op.attribute("use_batch_stats")[0] != 0.0)
            fail(r, "op 'batch_norm' normalising with batch statistics (training, or no running statistics) has "
                    "no ONNX mapping");
        for (std::size_t k = 1; k < in.size(); ++k)
            if (is_dynamic(in[k])) fail(r, "batch_norm with parameters computed from the input has no ONNX mapping");
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
        const auto [w, b] = fold_weights(layer->op.inputs[1], layer->op.inputs[2], in[1], in[2], in[3], in[4], eps);
        n->set_input(1, initializer(w, fresh(r.path, "folded_weight")));
        n->set_input(2, initializer(b, fresh(r.path, "folded_bias")));
        names_[r.op.output.impl()] = names_.at(in[0].impl());
        return true;
    }

    // y = (x - mean) / sqrt(var + eps) * weight + bias over the last k dimensions.
    void add_layer_norm(const Recorded& r) {
        const auto& in = r.op.inputs;
        const std::int64_t rank = in[0].dim(), k = std::int64_t(r.op.attribute("normalized_shape").size());
        std::vector<std::int64_t> a;
        for (std::int64_t d = rank - k; d < rank; ++d) a.push_back(d);
        const auto step = [&](const std::string& type, const std::vector<std::string>& inputs) {
            const std::string out = fresh(r.path, "layer_norm");
            auto* n = node(type, inputs, out, r.path);
            if (type == "ReduceMean") {
                set_ints(n, "axes", a);
                set_int(n, "keepdims", 1);
            }
            return out;
        };
        const std::string x = value(in[0], r.path);
        const std::string centred = step("Sub", {x, step("ReduceMean", {x})});
        const std::string var = step("ReduceMean", {step("Mul", {centred, centred})});
        const float eps = float(r.op.attribute("eps")[0]);
        std::string y = step("Div", {centred, step("Sqrt", {step("Add", {var, scalar(eps, r.path)})})});
        if (in[1].defined()) y = step("Mul", {y, value(in[1], r.path)});
        if (in[2].defined()) y = step("Add", {y, value(in[2], r.path)});
        names_[r.op.output.impl()] = y;
    }

    // The graph output: the value that computes the module's result, renamed.
    void finish(const Tensor& output) {
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
    std::unordered_map<Key, int> uses_;                 // how many ops read each value
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

std::string export_onnx_bytes(Module& module, const Shape& example_input_shape, const OnnxExportOptions& options) {
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
        Tracer tracer(module, module.name());
        Tensor x = dummy_input(example_input_shape), y;
        {
            // Grad mode stays on, so that an op which records without tracing is seen;
            // the tape entries die with the traced tensors and are pruned below.
            ModeRestorer restore(module);
            module.eval();
            OpObserverGuard observe(&tracer);
            y = module(x);
            tracer.check_traced(y);
        }
        tracer.throw_if_failed();
        NABLA_CHECK(y.defined(), "export_onnx", "{} returned an undefined tensor", module.name());
        GraphBuilder builder(graph, module, tracer, options);
        builder.set_input(x);
        set_value_info(graph->add_input(), options.input_name, example_input_shape, !options.fixed_batch);
        builder.build(tracer.ops(), y);
    }
    prune_tape();
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
