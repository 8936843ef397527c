#pragma once
// The one rule every claim is judged by. A claim says that a measurement of one arm
// (e.g. accuracy with BN) is larger than the same measurement of another arm (without
// BN), each measured over seeds. With d = mean(claimed) - mean(other) and the pooled
// standard deviation s of the two arms:
//   supported     d >  2 s
//   contradicted  d < -2 s
//   inconclusive  otherwise, and whenever s cannot be estimated (fewer than three values
//                 in all, or one arm empty): one seed shows no noise to compare against.
// Claims of the "smaller is better" kind pass their measurement negated.
#include <string>
#include <vector>

namespace nabla::apps {

enum class Outcome { supported, contradicted, inconclusive };

struct Verdict {
    Outcome outcome = Outcome::inconclusive;
    double difference = 0.0;  // d, in the claimed direction
    double pooled_sd = 0.0;   // s
    std::string reason;       // one sentence: the numbers the rule compared
};

Verdict judge(const std::vector<double>& claimed_larger, const std::vector<double>& other);
const char* outcome_name(Outcome o);  // "supported", "contradicted", "inconclusive"

}  // namespace nabla::apps
