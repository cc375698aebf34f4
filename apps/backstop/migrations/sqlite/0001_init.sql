-- Portable column types: ids TEXT, timestamps INTEGER unix millis, amounts INTEGER (64-bit).
CREATE TABLE partners (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
    created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    prefix TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX api_keys_partner ON api_keys(partner_id);

CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE businesses (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    external_id TEXT NOT NULL,
    legal_name TEXT NOT NULL,
    email TEXT NOT NULL,
    country TEXT NOT NULL,
    base_currency TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (partner_id, external_id)
);

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX customers_business ON customers(business_id, created_at);

CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    business_id TEXT NOT NULL REFERENCES businesses(id),
    customer_id TEXT NOT NULL REFERENCES customers(id),
    external_id TEXT,
    currency TEXT NOT NULL,
    due_date TEXT NOT NULL,
    total INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (business_id, external_id)
);
CREATE INDEX invoices_business ON invoices(business_id, created_at);

CREATE TABLE invoice_line_items (
    invoice_id TEXT NOT NULL REFERENCES invoices(id),
    position INTEGER NOT NULL,
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_amount INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    PRIMARY KEY (invoice_id, position)
);

CREATE TABLE error_records (
    request_id TEXT PRIMARY KEY,
    partner_id TEXT,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    status INTEGER NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    details TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX error_records_created ON error_records(created_at);
