# backstop's error messages in English: the source language. Every message written in code is one
# of these texts (an error's message, a field violation's message), which is how it is found and
# translated (see catalog.rs). Keep each text exactly as the code writes it.

## Codes: their default messages (docs/CONTRACT.md §3.1).
INVALID_REQUEST = The request is malformed or contains invalid parameters
INVALID_FORMAT = The request body is not valid JSON
MISSING_PARAMETER = A required parameter is missing
INVALID_PARAMETER = A parameter has an invalid value
INSUFFICIENT_BALANCE = Account balance is below the minimum required
AUTHENTICATION_REQUIRED = Authentication credentials were not provided
AUTHENTICATION_FAILED = Authentication failed
INVALID_API_KEY = The provided API key is invalid
EXPIRED_API_KEY = The API key has expired
REVOKED_API_KEY = The API key has been revoked
INVALID_TOKEN = The access token is invalid or has expired
PERMISSION_DENIED = You do not have permission to access this resource
INSUFFICIENT_PERMISSIONS = The credential does not have the required permissions
SUSPENDED_ACCOUNT = The account has been suspended
NOT_FOUND = The requested URL was not found
RESOURCE_NOT_FOUND = The requested resource was not found
METHOD_NOT_ALLOWED = The method is not allowed for this URL
CONFLICT = The request conflicts with the current state of the resource
DUPLICATE_EXTERNAL_ID = A resource with this external_id already exists
IDEMPOTENCY_KEY_IN_USE = A request with this idempotency key is still being processed
PAYLOAD_TOO_LARGE = The request body is too large
UNSUPPORTED_MEDIA_TYPE = The request body's media type is not supported
VALIDATION_ERROR = Request validation failed
IDEMPOTENCY_KEY_MISMATCH = This idempotency key was used with a different request
RATE_LIMIT_EXCEEDED = Rate limit exceeded
INTERNAL_ERROR = An internal server error occurred
DATABASE_ERROR = A database error occurred
EXTERNAL_SERVICE_ERROR = An external service error occurred
PROCESSING_FAILED = Processing failed
BAD_GATEWAY = An upstream service failed
SERVICE_UNAVAILABLE = The service is temporarily unavailable
TIMEOUT = The request timed out
# The token endpoint's own codes (docs/CONTRACT.md §7.4).
UNSUPPORTED_GRANT_TYPE = The grant type is not supported
INVALID_SCOPE = The requested scope is invalid or not allowed
INVALID_GRANT = The grant is invalid or has expired

## An application's `<RESOURCE>_NOT_FOUND` without a message of its own.
resource-not-found = The requested { $resource } was not found

## Messages of the server side (backstop-axum).
token-expired = The access token has expired
unsupported-scheme = Unsupported authorization scheme; use Bearer
body-unreadable = The request body could not be read
body-empty = The request body is empty; a JSON document is required
path-misconfigured = The route's path parameters are misconfigured
expected-content-type = Expected Content-Type: { $expected }
too-many-connections = The server has too many connections; retry later
overloaded = The server is overloaded; retry later
idempotency-key-empty = the Idempotency-Key header is empty
idempotency-key-too-long = the Idempotency-Key header is longer than 255 characters
idempotency-key-malformed = the Idempotency-Key header is malformed

## Field violations (docs/CONTRACT.md §5).
field-required = This field is required.
field-unknown = Unknown field.
field-expected = Expected { $expected }, got { $got }.
field-expected-only = Expected { $expected }.
field-invalid-value = Invalid value { $got }: expected { $expected }.
field-one-of = Must be one of: { $allowed }.
field-utf8 = Must be valid UTF-8.
field-invalid = Invalid value.
path-invalid = Invalid path parameters.
body-shape = The body does not match the expected shape.
form-shape = The form does not match the expected shape.
params-shape = The parameters do not match the expected shape.
field-max-length = Ensure this field has no more than { $max } characters.
field-email = Enter a valid email address.
field-date = Enter a valid date in the format YYYY-MM-DD.
field-blank = May not be blank.
field-at-least = Must be at least { $min }.
field-at-most = Must be at most { $max }.

## Words that messages take as arguments ("Expected a string, got an integer.").
field-length-min = Must have a length of at least { $min }.
field-length-max = Must have a length of at most { $max }.
field-card = Enter a valid card number.
field-pattern = Does not have the expected format.
field-contains = Must contain "{ $pattern }".
field-url = Enter a valid URL.
field-prefix = Must start with "{ $pattern }".
field-suffix = Must end with "{ $pattern }".
field-phone = Enter a valid phone number.
field-ip = Enter a valid { $kind } address.
field-matches = Must match { $field }.
field-ascii = Must contain only ASCII characters.
field-alphanumeric = Must contain only letters and digits.

value-a-single-value = a single value
value-a-string = a string
value-an-integer = an integer
value-a-non-negative-integer = a non-negative integer
value-a-number = a number
value-a-boolean = a boolean
value-an-array = an array
value-an-object = an object
value-a-valid-value = a valid value
value-null = null
