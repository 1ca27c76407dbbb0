CREATE SCHEMA IF NOT EXISTS social_insurance;

CREATE TABLE social_insurance.books (
  book_number          text PRIMARY KEY CHECK (book_number ~ '^[0-9]{10}$'),
  personal_id          text NOT NULL UNIQUE CHECK (personal_id ~ '^[0-9]{12}$'),
  status               text NOT NULL CHECK (status IN ('PARTICIPATING', 'PAUSED', 'CLOSED')),
  contribution_months  integer NOT NULL CHECK (contribution_months >= 0),
  employer             text,
  last_contribution_on date
);
