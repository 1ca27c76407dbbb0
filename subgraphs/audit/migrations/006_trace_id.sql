-- The OpenTelemetry trace id of the request a record is about (32 hex digits), linking the record to its trace across
-- gateway, subgraphs and SQL. Null when tracing is off and in records written before; the chain hash covers it only
-- when it is set, so those records' hashes still hold.
ALTER TABLE audit.records ADD COLUMN trace_id text;
