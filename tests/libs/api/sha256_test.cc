// SHA-256 against the FIPS 180-2 test vectors, from one thread and from several at once (each
// thread reuses a digest context of its own).
#include "libs/api/sha256.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace throughline::api {
namespace {

constexpr char kAbcDigest[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(Sha256Test, MatchesTheStandardsTestVectors) {
  EXPECT_EQ(HexEncode(Sha256("abc")), kAbcDigest);
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // The context a call used does not leak into the next.
  EXPECT_EQ(HexEncode(Sha256("abc")), kAbcDigest);
}

TEST(Sha256Test, ThreadsHashingAtOnceGetTheRightDigests) {
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&wrong, t] {
      for (int i = 0; i < 1000; ++i) wrong[t] += HexEncode(Sha256("abc")) != kAbcDigest;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace throughline::api
