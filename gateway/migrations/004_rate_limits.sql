-- A client's own limit of requests per minute, across every gateway replica; NULL: RATE_LIMIT_PER_MINUTE; 0: none.
ALTER TABLE access.clients ADD COLUMN rate_limit_per_minute integer CHECK (rate_limit_per_minute >= 0);
