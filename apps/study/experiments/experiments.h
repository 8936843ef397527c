#pragma once
// The claims of the study, one experiment each (experiments/<key>.cpp), in report order.
#include "apps/study/experiment_kit.h"
#include "apps/study/networks.h"
#include "apps/study/subsets.h"

#include <string>
#include <vector>

namespace nabla::apps {

Experiment convergence_experiment(const StudyData& d, const Scale& s);     // 1: fewer steps
Experiment learning_rate_experiment(const StudyData& d, const Scale& s);   // 2: higher rates
Experiment saturation_experiment(const StudyData& d, const Scale& s);      // 3: sigmoid saturation
Experiment ioffe_experiment(const StudyData& d, const Scale& s);           // 4: Ioffe & Szegedy, Figure 1
Experiment batch_size_experiment(const StudyData& d, const Scale& s);      // 5: small batches
Experiment bias_experiment(const StudyData& d, const Scale& s);            // 6: the bias before BN
Experiment placement_experiment(const StudyData& d, const Scale& s);       // 7: BN before the activation
Experiment regularisation_experiment(const StudyData& d, const Scale& s);  // 8: BN, dropout and weight decay
Experiment imbalance_experiment(const StudyData& d, const Scale& s);       // 9: a 99:1 binary task
Experiment depth_experiment(const StudyData& d, const Scale& s);           // depth: plain against ResNet

// Every experiment's key, in report order.
const std::vector<std::string>& experiment_keys();
// The experiments with these keys, in report order; throws naming an unknown key.
std::vector<Experiment> make_experiments(const std::vector<std::string>& keys, const StudyData& d,
                                         const Scale& s);

}  // namespace nabla::apps
