// SDK-HMAC-SHA256: the pure, stateless core of Huawei's AK/SK request signing
// (sdk-wire.md §6, contract §2.2). One implementation with two users: the
// server verifies with it, csrctl and the tests sign with it.
//
// Everything here is a pure function of its arguments and thread-safe. Date
// windows, AK lookup, lockouts and replay are the stateful verifier's job.
//
// Error messages never contain a secret, a signature or a header value; they
// may name a header (names are not secret).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/status.h"

namespace csrd::identity {

inline constexpr std::string_view kSdkHmacSha256 = "SDK-HMAC-SHA256";
// SHA-256 of the empty string: the payload hash of a request without a body.
inline constexpr std::string_view kEmptyBodySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct SdkAuthorization {
  std::string access;                       // the AK, 1..40 of [A-Za-z0-9]
  std::vector<std::string> signed_headers;  // lower-case, in the order listed
  std::string signature;                    // 64 lower-case hex characters
};

// Parses "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b;c, Signature=hex".
// Spaces and tabs around the value, ',' and '=' are tolerated; the scheme and
// the three keys are case-sensitive; each key must appear exactly once, in any
// order. SignedHeaders must be non-empty with no empty name; names are
// lower-cased. Signature must be 64 hex characters of either case and is
// returned lower-cased (so a replay cache keyed on it cannot be dodged by
// changing case). Anything else is InvalidArgument with a short reason that
// never echoes the value.
// An AK as the verifier and the {access} path accept it: 1..40 of [A-Za-z0-9].
bool IsAccessKeyId(std::string_view access);

// At most this many names, none twice, in SignedHeaders.
inline constexpr size_t kMaxSignedHeaders = 64;
Result<SdkAuthorization> ParseSdkAuthorization(std::string_view header_value);

// "YYYYMMDDTHHMMSSZ" exactly (a real UTC calendar time, second 00..59) ->
// milliseconds since the epoch. Anything else is InvalidArgument.
Result<int64_t> ParseSdkDate(std::string_view value);

// epoch_ms (floored to the second) as "YYYYMMDDTHHMMSSZ", for years 0..9999.
std::string FormatSdkDate(int64_t epoch_ms);

// Canonical URI (§6.1 step 5.2): percent-decode the raw path once, split on
// '/', re-encode each segment keeping only A-Z a-z 0-9 - _ . ~ (upper-case
// hex), join with '/', append '/' unless it already ends with one. "" gives
// "/". A '%' not followed by two hex digits is InvalidArgument.
Result<std::string> CanonicalUri(std::string_view raw_path);

// Canonical query (§6.2 step 5) from the raw query (without '?'): pieces split
// on '&' (empty pieces skipped), name/value split on the first '=' (none: empty
// value), both percent-decoded ('+' stays a literal '+'), sorted by name then
// value in byte order, re-encoded as in CanonicalUri, joined as "n=v" with
// '&'. "" gives "". A malformed escape is InvalidArgument.
Result<std::string> CanonicalQuery(std::string_view raw_query);

// Looks a header up by its lower-case name, case-insensitively; returns the
// first value, or nullopt when the request lacks it.
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view lower_name)>;

// A request as received or about to be sent. All views are borrowed and must
// outlive the calls that use the struct.
struct SignableRequest {
  std::string_view method;     // e.g. "GET"; upper-cased for signing
  std::string_view raw_path;   // as on the wire, before any decoding
  std::string_view raw_query;  // as on the wire, without '?'; "" if none
  HeaderLookup header;
  std::string_view body;  // bytes exactly as sent/received
};

// The six-part canonical request of §6.1 step 5 for signed_headers (taken in
// the given order, lower-cased; values trimmed of surrounding whitespace).
// payload_hash is used verbatim; the server always passes PayloadHash(body).
// A listed header missing from the request is InvalidArgument naming it; a
// malformed path or query escape is InvalidArgument.
Result<std::string> CanonicalRequest(const SignableRequest& req,
                                     const std::vector<std::string>& signed_headers,
                                     std::string_view payload_hash);

// "SDK-HMAC-SHA256\n" + sdk_date + "\n" + hex(SHA-256(canonical_request)).
std::string StringToSign(std::string_view sdk_date, std::string_view canonical_request);

// hex(HMAC-SHA256(key = secret_key bytes, string_to_sign)), lower-case.
std::string ComputeSignature(std::string_view secret_key, std::string_view string_to_sign);

// The body hash as the server computes it: kEmptyBodySha256 for "", else the
// hex SHA-256 of the bytes.
std::string PayloadHash(std::string_view body);

// Client side (csrctl, tests). headers are exactly the ones the client will
// send that should be signed, as (name, value); they must include X-Sdk-Date
// (its value is the date signed) and usually Host and Content-Type. Signs all
// of them as the Python SDK does: names lower-cased and sorted, names
// containing '_' skipped. The payload hash is always PayloadHash(body) (no
// X-Sdk-Content-Sha256 shortcut). Returns the Authorization header value.
// InvalidArgument for: an AK outside 1..40 of [A-Za-z0-9], no X-Sdk-Date, a
// header named twice (case-insensitively), an Authorization header, an empty
// header name, or a malformed path/query escape.
Result<std::string> SignRequest(std::string_view access_key, std::string_view secret_key,
                                std::string_view method, std::string_view raw_path,
                                std::string_view raw_query,
                                const std::vector<std::pair<std::string, std::string>>& headers,
                                std::string_view body);

// Server side, the pure part of verification: rebuilds the canonical request
// from req with auth.signed_headers and PayloadHash(req.body), signs it with
// secret_key and sdk_date (the X-Sdk-Date value, verbatim) and compares with
// auth.signature in constant time. Returns OK, Unauthenticated("verify aksk
// signature fail") on a mismatch, or InvalidArgument when the canonical
// request cannot be built (a signed header is missing, a malformed escape):
// the caller answers 401 for both, but may treat the latter as malformed
// rather than as a wrong signature (contract §2.2 lockout counting). Does not
// check the date, the AK, lockouts or replay.
Status VerifySignature(const SignableRequest& req, const SdkAuthorization& auth,
                       std::string_view secret_key, std::string_view sdk_date);

}  // namespace csrd::identity
