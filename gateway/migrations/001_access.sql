CREATE SCHEMA IF NOT EXISTS access;

-- Systems that call the gateway: e-service portals, agency systems, auditors, administrators.
CREATE TABLE access.clients (
  client_id      text PRIMARY KEY CHECK (client_id ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  name           text NOT NULL,
  role           text NOT NULL CHECK (role IN ('PORTAL', 'AGENCY', 'AUDITOR', 'ADMIN')),
  may_introspect boolean NOT NULL DEFAULT false,
  disabled_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now()
);

-- API keys are shown once when issued; only the SHA-256 of the secret part is kept.
CREATE TABLE access.api_keys (
  key_id        text PRIMARY KEY CHECK (key_id ~ '^[a-z0-9]{12}$'),
  client_id     text NOT NULL REFERENCES access.clients ON DELETE CASCADE,
  secret_sha256 text NOT NULL CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz
);

-- What a request may be for: a procedure of the national catalogue, or an internal purpose.
CREATE TABLE access.purposes (
  code text PRIMARY KEY,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('PROCEDURE', 'AUDIT', 'DEVELOPMENT'))
);
INSERT INTO access.purposes (code, name, kind) VALUES
  ('1.900001', 'Đăng ký khai sinh', 'PROCEDURE'),
  ('1.900002', 'Đăng ký kết hôn', 'PROCEDURE'),
  ('1.900003', 'Cấp giấy xác nhận tình trạng hôn nhân', 'PROCEDURE'),
  ('1.900004', 'Đăng ký khai tử', 'PROCEDURE'),
  ('1.900005', 'Xác nhận thông tin về cư trú', 'PROCEDURE'),
  ('1.900006', 'Đăng ký thường trú', 'PROCEDURE'),
  ('1.900007', 'Đăng ký thành lập hộ kinh doanh', 'PROCEDURE'),
  ('1.900008', 'Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu', 'PROCEDURE'),
  ('1.900009', 'Cấp đổi giấy phép lái xe', 'PROCEDURE'),
  ('1.900010', 'Cấp Phiếu lý lịch tư pháp', 'PROCEDURE'),
  ('1.900011', 'Tuyển sinh vào lớp 1', 'PROCEDURE'),
  ('AUDIT', 'Review of the access log', 'AUDIT'),
  ('DEVELOPMENT', 'Schema introspection and development tooling, no citizen data', 'DEVELOPMENT');

-- Default deny: a client may read a schema coordinate for a purpose only if a grant says so, with its legal basis.
CREATE TABLE access.grants (
  client_id   text NOT NULL REFERENCES access.clients ON DELETE CASCADE,
  purpose     text NOT NULL REFERENCES access.purposes,
  coordinate  text NOT NULL CHECK (coordinate ~ '^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$'),
  legal_basis text NOT NULL CHECK (length(legal_basis) > 0),
  granted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, purpose, coordinate)
);
