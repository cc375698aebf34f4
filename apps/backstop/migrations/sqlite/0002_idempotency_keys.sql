-- Idempotency keys live with the data they protect (docs/CONTRACT.md §9.4): a create completes its
-- key in the same transaction as the rows it writes.
CREATE TABLE idempotency_keys (
    idem_key TEXT PRIMARY KEY,          -- hex SHA-256 of (scope, Idempotency-Key)
    fingerprint TEXT NOT NULL,          -- hex SHA-256 of (method, path with query, body)
    state TEXT NOT NULL CHECK (state IN ('in_flight', 'completed')),
    claim TEXT,                         -- hex claim token while in flight
    lease_until INTEGER,                -- unix millis, while in flight
    response BLOB,                      -- the stored response, once completed
    expires_at INTEGER NOT NULL,        -- unix millis: when the record may be purged
    created_at INTEGER NOT NULL
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys(expires_at);
