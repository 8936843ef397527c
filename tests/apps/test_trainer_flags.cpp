// The trainers' flag parsing, driven without training (parse_trainer_flags).
#include "apps/trainer/flags.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace nabla::apps;

namespace {

std::variant<Flags, FlagsExit> parse(std::vector<const char*> args) {
    args.insert(args.begin(), "mnist_mlp");
    return parse_trainer_flags(static_cast<int>(args.size()), args.data(), ModelKind::mlp,
                               {.epochs = 12, .lr = 0.01f});
}

}  // namespace

TEST_CASE("trainer flags start from the program's defaults", "[apps][flags]") {
    const auto parsed = parse({});
    REQUIRE(std::holds_alternative<Flags>(parsed));
    const Flags& f = std::get<Flags>(parsed);
    REQUIRE(f.epochs == 12);
    REQUIRE(f.optimizer.lr == 0.01f);
    REQUIRE_FALSE(f.detect_anomaly);
}

TEST_CASE("the trainer flag --detect-anomaly turns anomaly mode on", "[apps][flags][anomaly]") {
    const auto parsed = parse({"--detect-anomaly", "--bn", "--epochs", "2"});
    REQUIRE(std::holds_alternative<Flags>(parsed));
    REQUIRE(std::get<Flags>(parsed).detect_anomaly);
    REQUIRE(std::get<Flags>(parsed).bn);
    REQUIRE(std::get<Flags>(parsed).epochs == 2);
}

TEST_CASE("trainer flag parsing reports help, malformed and invalid flags instead of training",
          "[apps][flags]") {
    SECTION("--help exits 0 with the usage") {
        const auto parsed = parse({"--help"});
        REQUIRE(std::holds_alternative<FlagsExit>(parsed));
        REQUIRE(std::get<FlagsExit>(parsed).code == 0);
        REQUIRE(std::get<FlagsExit>(parsed).text.find("--detect-anomaly") != std::string::npos);
    }
    SECTION("an unknown flag") {
        const auto parsed = parse({"--bogus"});
        REQUIRE(std::holds_alternative<FlagsExit>(parsed));
        REQUIRE(std::get<FlagsExit>(parsed).code != 0);
        REQUIRE(std::get<FlagsExit>(parsed).text.find("--bogus") != std::string::npos);
    }
    SECTION("a value validation refuses") {
        const auto parsed = parse({"--batch-size", "0"});
        REQUIRE(std::holds_alternative<FlagsExit>(parsed));
        REQUIRE(std::get<FlagsExit>(parsed).code == 1);
        REQUIRE(std::get<FlagsExit>(parsed).text.find("--batch-size must be >= 1, got 0") !=
                std::string::npos);
    }
}

TEST_CASE("the trainer flag sync-bn needs bn, and turns synchronised BatchNorm on with it",
          "[apps][flags][mpirun-flags]") {
    const auto refused = parse({"--sync-bn"});
    REQUIRE(std::holds_alternative<FlagsExit>(refused));
    REQUIRE(std::get<FlagsExit>(refused).code == 1);
    REQUIRE(std::get<FlagsExit>(refused).text.find("--sync-bn needs --bn") != std::string::npos);
    const auto parsed = parse({"--bn", "--sync-bn"});
    REQUIRE(std::holds_alternative<Flags>(parsed));
    REQUIRE(std::get<Flags>(parsed).sync_bn);
    REQUIRE_FALSE(std::get<Flags>(parse({"--bn"})).sync_bn);  // per-rank statistics by default
}
