#pragma once

#include <cstdint>
#include <string_view>

namespace sluice {

// The three classes of DESIGN "Retries": what a sink does with a failed delivery.
enum class ErrorClass : uint8_t {
  kRetryable,      // timeouts, 5xx, 429, throttling: try again after a backoff
  kPermanent,      // 4xx validation: this batch can never succeed; dead letter, counted
  kConfiguration,  // unknown stream, bad credentials: report, keep queueing, wait for a fix
  kCount
};

// Canonical error codes, after abseil's StatusCode, on every Error: they sort an error into
// one of the three classes for sinks, and into an HTTP status for the API.
enum class ErrorCode : uint8_t {
  kUnknown,             // not classified: treated as retryable
  kInvalidArgument,     // bad input: a configuration field, a request body, a record
  kNotFound,            // the named thing does not exist (a service, a stream)
  kAlreadyExists,       // a name used twice
  kPermissionDenied,    // authenticated, but not allowed
  kUnauthenticated,     // no or bad credentials
  kResourceExhausted,   // a queue, a disk or a rate limit is full
  kFailedPrecondition,  // the system is not in a state to do it (shutting down, not verified)
  kUnavailable,         // the destination cannot be reached now
  kDeadlineExceeded,    // it took too long
  kInternal,            // a bug or a broken invariant
};

[[nodiscard]] constexpr std::string_view to_string(ErrorCode c) {
  switch (c) {
    case ErrorCode::kUnknown:
      return "unknown";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

// What a sink does with a delivery that failed with `c`.
[[nodiscard]] constexpr ErrorClass error_class(ErrorCode c) {
  switch (c) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kAlreadyExists:
      return ErrorClass::kPermanent;
    case ErrorCode::kNotFound:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kFailedPrecondition:
      return ErrorClass::kConfiguration;
    default:
      return ErrorClass::kRetryable;
  }
}

// The HTTP status the API answers an error with.
[[nodiscard]] constexpr int http_status(ErrorCode c) {
  switch (c) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 412;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDeadlineExceeded:
      return 504;
    case ErrorCode::kUnknown:
    case ErrorCode::kInternal:
      break;
  }
  return 500;
}

}  // namespace sluice
