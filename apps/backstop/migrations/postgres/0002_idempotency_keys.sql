-- Idempotency keys live with the data they protect (docs/CONTRACT.md §9.4): a create completes its
-- key in the same transaction as the rows it writes.
CREATE TABLE idempotency_keys (
    idem_key TEXT PRIMARY KEY,          -- hex SHA-256 of (scope, Idempotency-Key)
    fingerprint TEXT NOT NULL,          -- hex SHA-256 of (method, path with query, body)
    state TEXT NOT NULL CHECK (state IN ('in_flight', 'completed')),
    claim TEXT,                         -- hex claim token while in flight
    lease_until BIGINT,                 -- unix millis, while in flight
    response BYTEA,                     -- the stored response, once completed
    expires_at BIGINT NOT NULL,         -- unix millis: when the record may be purged
    created_at BIGINT NOT NULL
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys(expires_at);
