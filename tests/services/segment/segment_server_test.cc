// What grpcurl-style tools and load balancers see: grpc.health.v1 and server reflection. The
// client speaks them through gRPC's generic stub and reads and writes the few fields it needs
// by number (see /usr/share/grpc-proto/grpc/{health/v1,reflection/v1alpha}), so the test needs
// no generated code for them.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <future>

#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "tests/services/segment/segment_fixture.h"

namespace throughline::segment::testing {
namespace {

using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;
using ::testing::IsSupersetOf;

// A message with one string field: the requests of both protocols are such messages.
std::string MessageWithString(int field, const std::string& value) {
  UnknownFieldSet fields;
  fields.AddLengthDelimited(field, value);
  std::string bytes;
  fields.SerializeToString(&bytes);
  return bytes;
}

// The length-delimited values (strings, bytes, messages) of field `number` of a message.
std::vector<std::string> LengthDelimited(const std::string& message, int number) {
  UnknownFieldSet fields;
  EXPECT_TRUE(fields.ParseFromString(message));
  std::vector<std::string> values;
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& field = fields.field(i);
    if (field.number() == number && field.type() == UnknownField::TYPE_LENGTH_DELIMITED) {
      values.push_back(field.length_delimited());
    }
  }
  return values;
}

// The varint field `number` of a message; 0 (the proto3 default) when absent.
uint64_t Varint(const std::string& message, int number) {
  UnknownFieldSet fields;
  EXPECT_TRUE(fields.ParseFromString(message));
  for (int i = 0; i < fields.field_count(); ++i) {
    if (fields.field(i).number() == number && fields.field(i).type() == UnknownField::TYPE_VARINT) {
      return fields.field(i).varint();
    }
  }
  return 0;
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const auto& slice : slices) bytes.append(slice.begin(), slice.end());
  return bytes;
}

// Sends one request on a bidirectional stream, half-closes, and collects every response.
class OneRequestStream : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  OneRequestStream(grpc::GenericStub& stub, const std::string& method, const std::string& request)
      : context_(Authorized("", absl::Seconds(10))), request_(ToBuffer(request)) {
    stub.PrepareBidiStreamingCall(context_.get(), method, grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }

  // The responses once the stream has ended, and its status.
  std::pair<std::vector<std::string>, grpc::Status> Await() {
    grpc::Status status = done_.get_future().get();
    return {std::move(responses_), status};
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    responses_.push_back(FromBuffer(response_));
    StartRead(&response_);
  }
  void OnDone(const grpc::Status& status) override { done_.set_value(status); }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::vector<std::string> responses_;
  std::promise<grpc::Status> done_;
};

class SegmentServerTest : public SegmentServiceTest {
 protected:
  // grpc.health.v1.Health/Check of `service`: "SERVING", "NOT_SERVING", ..., or the error.
  std::string HealthOf(const std::string& service) {
    grpc::GenericStub stub(channel());
    auto context = Authorized("");
    const grpc::ByteBuffer request = ToBuffer(MessageWithString(/*service=*/1, service));
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(context.get(), "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                   &response, [&done](grpc::Status status) { done.set_value(std::move(status)); });
    const grpc::Status status = done.get_future().get();
    if (!status.ok()) return Describe(status);
    constexpr const char* kStatuses[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};
    const uint64_t serving = Varint(FromBuffer(response), /*status=*/1);
    return serving < 4 ? kStatuses[serving] : absl::StrCat("status ", serving);
  }

  // One grpc.reflection.v1alpha request with the string field `field` set; its one response.
  std::string Reflect(int field, const std::string& value) {
    grpc::GenericStub stub(channel());
    OneRequestStream stream(stub, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                            MessageWithString(field, value));
    auto [responses, status] = stream.Await();
    EXPECT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(responses.size(), 1u);
    return responses.empty() ? "" : responses[0];
  }
};

TEST_F(SegmentServerTest, HealthReportsServingForTheServerAndTheService) {
  EXPECT_EQ(HealthOf(""), "SERVING");
  EXPECT_EQ(HealthOf("throughline.segment.v1.SegmentService"), "SERVING");
  EXPECT_THAT(HealthOf("throughline.offering.v1.OfferingService"),
              ::testing::StartsWith("code 5"));  // NOT_FOUND: not served here
}

TEST_F(SegmentServerTest, ReflectionListsAndDescribesTheSegmentService) {
  // ServerReflectionRequest.list_services = 7 -> ServerReflectionResponse.list_services_response
  // = 6 -> ListServiceResponse.service = 1 -> ServiceResponse.name = 1.
  const std::string listed = Reflect(7, "");
  std::vector<std::string> names;
  for (const auto& services : LengthDelimited(listed, 6)) {
    for (const auto& service : LengthDelimited(services, 1)) {
      for (const auto& name : LengthDelimited(service, 1)) names.push_back(name);
    }
  }
  EXPECT_THAT(names,
              IsSupersetOf({"throughline.segment.v1.SegmentService", "grpc.health.v1.Health"}));

  // Enough to call the service without its protos: file_containing_symbol = 4 answers with
  // file_descriptor_response = 4 -> file_descriptor_proto = 1, the defining file first.
  const std::string described = Reflect(4, "throughline.segment.v1.SegmentService");
  const auto responses = LengthDelimited(described, 4);
  ASSERT_EQ(responses.size(), 1u) << "no file_descriptor_response";
  const auto files = LengthDelimited(responses[0], 1);
  ASSERT_FALSE(files.empty());
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(file.ParseFromString(files[0]));
  EXPECT_EQ(file.name(), "throughline/segment/v1/segment_service.proto");
  ASSERT_EQ(file.service_size(), 1);
  EXPECT_EQ(file.service(0).name(), "SegmentService");
  std::vector<std::string> methods;
  for (const auto& method : file.service(0).method()) methods.push_back(method.name());
  EXPECT_THAT(methods, IsSupersetOf({"CreateMarket", "ListSegments", "UpdateSegment",
                                     "WatchSegmentEvents"}));
}

}  // namespace
}  // namespace throughline::segment::testing
