-- Error records keep the trace id of the request's W3C traceparent (docs/CONTRACT.md §4), next
-- to its request id. NULL when the request carried none, and for records written before.
ALTER TABLE error_records ADD COLUMN trace_id TEXT;
