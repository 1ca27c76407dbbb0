-- Approvals of cross-agency data flows: a federation directive in one agency's subgraph that reaches fields or
-- entities another agency owns. An agency requests one; an administrator approves it with a legal basis; for
-- @override the owning agency consents too. A revoked approval stays as history; the next request starts anew.
CREATE TABLE registry.flow_approvals (
  id           serial PRIMARY KEY,
  agency       text NOT NULL,
  subgraph     text NOT NULL REFERENCES registry.subgraphs (name),
  directive    text NOT NULL CHECK (directive IN ('OVERRIDE', 'REQUIRES', 'PROVIDES', 'SHAREABLE', 'EXTERNAL', 'INTERFACE_OBJECT', 'KEY')),
  coordinate   text NOT NULL,
  target       text NOT NULL,
  owner        text NOT NULL,
  reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
  requested_by text NOT NULL,
  requested_at timestamptz NOT NULL DEFAULT now(),
  legal_basis  text CHECK (length(legal_basis) BETWEEN 1 AND 2000),
  approved_by  text,
  approved_at  timestamptz,
  consented_by text,
  consented_at timestamptz,
  revoked_by   text,
  revoked_at   timestamptz,
  CHECK ((legal_basis IS NULL) = (approved_at IS NULL) AND (approved_by IS NULL) = (approved_at IS NULL)),
  CHECK ((consented_by IS NULL) = (consented_at IS NULL)),
  CHECK ((revoked_by IS NULL) = (revoked_at IS NULL))
);

-- At most one open (not revoked) approval per flow.
CREATE UNIQUE INDEX flow_approvals_open ON registry.flow_approvals (subgraph, directive, coordinate, target, owner) WHERE revoked_at IS NULL;
