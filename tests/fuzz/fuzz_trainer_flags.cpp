// Fuzzes the trainers' command line: the input is split at NUL bytes into arguments and
// parsed as mnist_mlp's (or, when the first byte is odd, mnist_cnn's) flags. Parsing only:
// nothing trains, prints or touches a file.
#include "apps/trainer/flags.h"

#include <cstdlib>
#include <string>
#include <vector>

using namespace nabla::apps;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const ModelKind kind = data[0] % 2 ? ModelKind::cnn : ModelKind::mlp;
    std::vector<std::string> args{kind == ModelKind::cnn ? "mnist_cnn" : "mnist_mlp"};
    std::string cur;
    for (std::size_t i = 1; i < size; ++i) {
        if (data[i] == 0) {
            args.push_back(cur);
            cur.clear();
        } else {
            cur.push_back(static_cast<char>(data[i]));
        }
    }
    args.push_back(cur);
    if (args.size() > 64) return 0;
    std::vector<const char*> argv;
    for (const std::string& a : args) argv.push_back(a.c_str());

    const auto parsed =
        parse_trainer_flags(static_cast<int>(argv.size()), argv.data(), kind, {.epochs = 3, .lr = 0.01f});
    if (const auto* f = std::get_if<Flags>(&parsed)) {
        // What validation promises the training loop.
        if (f->epochs < 0 || f->batch_size < 1 || f->threads < 0 || f->limit_train < 0 || f->limit_test < 0 ||
            f->log_every < 1 || (f->eval_only && f->resume.empty()))
            std::abort();
    } else if (std::get<FlagsExit>(parsed).text.empty()) {
        std::abort();  // every stop explains itself
    }
    return 0;
}
