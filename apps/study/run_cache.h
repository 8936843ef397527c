#pragma once
// The study's completed runs, one JSON file each under <out>/runs/, written atomically
// the moment a run finishes: an interrupted study loses only the run in progress, and a
// rerun with the same output folder skips every run already there.
#include "apps/study/run_result.h"

#include <filesystem>
#include <optional>
#include <string>

namespace nabla::apps {

class RunCache {
public:
    // fresh: forget every stored run (the files are deleted) and start over.
    RunCache(std::filesystem::path out_dir, bool fresh);
    std::optional<RunResult> find(const std::string& id) const;  // a stored run, read back
    void store(const RunResult& r) const;
    std::filesystem::path file(const std::string& id) const;

private:
    std::filesystem::path dir_;
};

}  // namespace nabla::apps
