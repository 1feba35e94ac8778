#include "tools/benchmark/client.h"

#include <chrono>

#include "absl/time/clock.h"

namespace throughline::benchmark {

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& address, int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    // Channels with equal arguments would share one connection (the global subchannel pool).
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("throughline.bench.channel", i);
    channels.push_back(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

void Prepare(grpc::ClientContext& context, const ClientOptions& options) {
  context.AddMetadata("authorization", "Bearer " + options.token);
  context.set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
}

}  // namespace throughline::benchmark
