#include "apps/study/run_cache.h"

#include <nabla.h>

#include <fstream>
#include <sstream>

namespace nabla::apps {

RunCache::RunCache(std::filesystem::path out_dir, bool fresh) : dir_(std::move(out_dir) / "runs") {
    if (fresh) std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
}

std::filesystem::path RunCache::file(const std::string& id) const {
    std::string name = id;
    for (char& c : name)
        if (c == '/' || c == ' ') c = '_';
    return dir_ / (name + ".json");
}

std::optional<RunResult> RunCache::find(const std::string& id) const {
    std::ifstream f(file(id));
    if (!f) return std::nullopt;
    std::stringstream ss;
    ss << f.rdbuf();
    try {
        RunResult r = run_result_from_json(ss.str());
        if (r.id == id) return r;
    } catch (const Error&) {  // unreadable: run it again, the new file replaces it
    }
    return std::nullopt;
}

void RunCache::store(const RunResult& r) const {
    write_file_atomic(file(r.id).string(), to_json(r), "run_cache");
}

}  // namespace nabla::apps
