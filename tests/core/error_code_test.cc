#include "core/error_code.h"

#include <gtest/gtest.h>

#include "config/config_loader.h"
#include "core/result.h"

namespace sluice {
namespace {

TEST(ErrorCode, SortsIntoTheThreeClassesOfRetries) {
  EXPECT_EQ(error_class(ErrorCode::kUnavailable), ErrorClass::kRetryable);
  EXPECT_EQ(error_class(ErrorCode::kDeadlineExceeded), ErrorClass::kRetryable);
  EXPECT_EQ(error_class(ErrorCode::kResourceExhausted), ErrorClass::kRetryable);
  EXPECT_EQ(error_class(ErrorCode::kUnknown), ErrorClass::kRetryable);
  EXPECT_EQ(error_class(ErrorCode::kInvalidArgument), ErrorClass::kPermanent);
  EXPECT_EQ(error_class(ErrorCode::kNotFound), ErrorClass::kConfiguration);
  EXPECT_EQ(error_class(ErrorCode::kUnauthenticated), ErrorClass::kConfiguration);
  EXPECT_EQ(error_class(ErrorCode::kPermissionDenied), ErrorClass::kConfiguration);
}

TEST(ErrorCode, MapsToHttpStatuses) {
  EXPECT_EQ(http_status(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(http_status(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(http_status(ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(http_status(ErrorCode::kNotFound), 404);
  EXPECT_EQ(http_status(ErrorCode::kAlreadyExists), 409);
  EXPECT_EQ(http_status(ErrorCode::kResourceExhausted), 429);
  EXPECT_EQ(http_status(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(http_status(ErrorCode::kInternal), 500);
  EXPECT_EQ(to_string(ErrorCode::kFailedPrecondition), "failed_precondition");
}

TEST(ErrorCode, AnErrorWithoutACodeIsUnknownAndConfigurationErrorsAreInvalidArguments) {
  EXPECT_EQ(Error("x").code(), ErrorCode::kUnknown);
  auto bad = load_config_string("[[service]]\nid = 1\n", "t.toml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  auto syntax = load_config_string("[[service]\n", "t.toml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code(), ErrorCode::kInvalidArgument);
  auto missing = load_config_file("/nonexistent/sluice.toml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace sluice
