#include "crypto/password_hash.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

namespace {

using stoa::crypto::Argon2Params;
using stoa::crypto::PasswordHasher;

// Argon2id at the OWASP minimum costs ~50 ms a hash: the suite makes one
// hasher and one hash and shares them.
class PasswordHasherTest : public testing::Test {
protected:
    static void SetUpTestSuite() {
        ASSERT_GE(sodium_init(), 0);
        auto created = PasswordHasher::create(Argon2Params{});
        ASSERT_TRUE(created.ok()) << created.error();
        hasher_.emplace(std::move(created).value());
        auto hashed = hasher_->hash(kPassword);
        ASSERT_TRUE(hashed.ok()) << hashed.error();
        hash_ = std::move(hashed).value();
    }
    static void TearDownTestSuite() { hasher_.reset(); }

    static constexpr const char* kPassword = "correct horse battery staple";
    static inline std::optional<PasswordHasher> hasher_;
    static inline std::string hash_;
};

TEST_F(PasswordHasherTest, HashIsArgon2idWithTheConfiguredParameters) {
    EXPECT_EQ(hash_.rfind("$argon2id$", 0), 0u) << hash_;
    EXPECT_NE(hash_.find("$m=19456,t=2,p=1$"), std::string::npos) << hash_;
}

TEST_F(PasswordHasherTest, RightPasswordVerifies) {
    EXPECT_TRUE(hasher_->verify(hash_, kPassword));
}

TEST_F(PasswordHasherTest, WrongPasswordDoesNotVerify) {
    EXPECT_FALSE(hasher_->verify(hash_, "correct horse battery stapler"));
    EXPECT_FALSE(hasher_->verify(hash_, "Correct horse battery staple")) << "case matters";
    EXPECT_FALSE(hasher_->verify(hash_, ""));
}

TEST_F(PasswordHasherTest, MalformedHashDoesNotVerify) {
    EXPECT_FALSE(hasher_->verify("", kPassword));
    EXPECT_FALSE(hasher_->verify("not a hash", kPassword));
    EXPECT_FALSE(hasher_->verify(hash_.substr(0, hash_.size() - 5), kPassword)) << "truncated";
    EXPECT_FALSE(hasher_->verify(hash_ + std::string(1, '\0') + "x", kPassword)) << "embedded NUL";
    EXPECT_FALSE(hasher_->verify(std::string(4096, '$'), kPassword)) << "longer than any hash";
    EXPECT_FALSE(hasher_->verify("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
                                 kPassword))
        << "bcrypt is not understood";
}

TEST_F(PasswordHasherTest, SamePasswordHashesDifferentlyEachTime) {
    const auto again = hasher_->hash(kPassword);
    ASSERT_TRUE(again.ok()) << again.error();
    EXPECT_NE(again.value(), hash_) << "each hash needs its own salt";
}

TEST_F(PasswordHasherTest, PasswordBytesAfterANulCount) {
    const std::string with_nul("pass\0word", 9);
    const auto hashed = hasher_->hash(with_nul);
    ASSERT_TRUE(hashed.ok()) << hashed.error();
    EXPECT_TRUE(hasher_->verify(hashed.value(), with_nul));
    EXPECT_FALSE(hasher_->verify(hashed.value(), "pass")) << "the password must not be cut at NUL";
}

TEST_F(PasswordHasherTest, NeedsRehashOnlyWhenParametersDiffer) {
    EXPECT_FALSE(hasher_->needs_rehash(hash_)) << "same parameters";

    auto stronger = PasswordHasher::create(Argon2Params{.opslimit = 3});
    ASSERT_TRUE(stronger.ok()) << stronger.error();
    EXPECT_TRUE(stronger->needs_rehash(hash_)) << "opslimit raised from 2 to 3";

    EXPECT_TRUE(hasher_->needs_rehash("")) << "malformed";
    EXPECT_TRUE(hasher_->needs_rehash("not a hash")) << "malformed";
    std::string argon2i = hash_;
    argon2i.replace(0, 10, "$argon2i$");
    EXPECT_TRUE(hasher_->needs_rehash(argon2i)) << "argon2i, not argon2id";
}

TEST(PasswordHasherCreate, RefusesParametersBelowOwaspMinimum) {
    ASSERT_GE(sodium_init(), 0);
    const auto few_passes = PasswordHasher::create(Argon2Params{.opslimit = 1});
    EXPECT_FALSE(few_passes.ok()) << "t=1 at 19 MiB is below the minimum";
    if (!few_passes.ok()) {
        EXPECT_NE(few_passes.error().find("opslimit"), std::string::npos);
    }

    const auto little_memory = PasswordHasher::create(
        Argon2Params{.opslimit = 2, .memlimit_bytes = 19 * 1024 * 1024 - 1024});
    EXPECT_FALSE(little_memory.ok()) << "m below 19 MiB";
    if (!little_memory.ok()) {
        EXPECT_NE(little_memory.error().find("memlimit"), std::string::npos);
    }
}

// verify_dummy must cost a real verification; a no-op would let login timing
// reveal which accounts exist. Loose bound: timing on a shared CI box is noisy.
TEST_F(PasswordHasherTest, VerifyDummyTakesAboutAsLongAsVerify) {
    using Clock = std::chrono::steady_clock;
    auto fastest = [](auto&& run) {
        auto best = Clock::duration::max();
        for (int i = 0; i < 2; ++i) {
            const auto start = Clock::now();
            run();
            best = std::min(best, Clock::now() - start);
        }
        return best;
    };
    const auto real = fastest([] { EXPECT_FALSE(hasher_->verify(hash_, "wrong password")); });
    const auto dummy = fastest([] { hasher_->verify_dummy("wrong password"); });
    EXPECT_GT(dummy * 4, real) << "dummy " << dummy.count() << " vs real " << real.count();
    EXPECT_LT(dummy, real * 4) << "dummy " << dummy.count() << " vs real " << real.count();
}

}  // namespace
