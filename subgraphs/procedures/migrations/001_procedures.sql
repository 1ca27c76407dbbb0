CREATE SCHEMA IF NOT EXISTS procedures;

CREATE TABLE procedures.document_types (
  code text PRIMARY KEY
);
INSERT INTO procedures.document_types (code) VALUES
  ('BIRTH_CERTIFICATE'), ('MARRIAGE_CERTIFICATE'), ('DEATH_CERTIFICATE'), ('MARITAL_STATUS_CONFIRMATION'),
  ('RESIDENCE_CONFIRMATION'), ('BUSINESS_REGISTRATION'), ('LAND_USE_RIGHT_CERTIFICATE'), ('DRIVING_LICENCE'),
  ('CRIMINAL_RECORD_CERTIFICATE');

-- A sample of the national procedure catalogue. The codes are synthetic, in the catalogue's N.NNNNNN form.
CREATE TABLE procedures.procedure_catalogue (
  code               text PRIMARY KEY CHECK (code ~ '^[0-9]\.[0-9]{6}$'),
  name               text NOT NULL,
  domain             text NOT NULL,
  result_type        text REFERENCES procedures.document_types,
  required_documents text[] NOT NULL DEFAULT '{}'
);
INSERT INTO procedures.procedure_catalogue (code, name, domain, result_type, required_documents) VALUES
  ('1.900001', 'Đăng ký khai sinh', 'civil status', 'BIRTH_CERTIFICATE', '{MARRIAGE_CERTIFICATE}'),
  ('1.900002', 'Đăng ký kết hôn', 'civil status', 'MARRIAGE_CERTIFICATE', '{MARITAL_STATUS_CONFIRMATION}'),
  ('1.900003', 'Cấp giấy xác nhận tình trạng hôn nhân', 'civil status', 'MARITAL_STATUS_CONFIRMATION', '{}'),
  ('1.900004', 'Đăng ký khai tử', 'civil status', 'DEATH_CERTIFICATE', '{}'),
  ('1.900005', 'Xác nhận thông tin về cư trú', 'residence', 'RESIDENCE_CONFIRMATION', '{}'),
  ('1.900006', 'Đăng ký thường trú', 'residence', NULL, '{BIRTH_CERTIFICATE,MARRIAGE_CERTIFICATE}'),
  ('1.900007', 'Đăng ký thành lập hộ kinh doanh', 'enterprise', 'BUSINESS_REGISTRATION', '{RESIDENCE_CONFIRMATION}'),
  ('1.900008', 'Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu', 'land', 'LAND_USE_RIGHT_CERTIFICATE', '{MARRIAGE_CERTIFICATE,RESIDENCE_CONFIRMATION}'),
  ('1.900009', 'Cấp đổi giấy phép lái xe', 'transport', 'DRIVING_LICENCE', '{DRIVING_LICENCE}'),
  ('1.900010', 'Cấp Phiếu lý lịch tư pháp', 'justice', 'CRIMINAL_RECORD_CERTIFICATE', '{RESIDENCE_CONFIRMATION}'),
  ('1.900011', 'Tuyển sinh vào lớp 1', 'education', NULL, '{BIRTH_CERTIFICATE,RESIDENCE_CONFIRMATION}');

CREATE TABLE procedures.dossiers (
  dossier_code    text PRIMARY KEY,
  procedure_code  text NOT NULL REFERENCES procedures.procedure_catalogue,
  applicant_id    text NOT NULL CHECK (applicant_id ~ '^[0-9]{12}$'),
  handling_agency text NOT NULL,
  submitted_at    timestamptz NOT NULL,
  decided_at      timestamptz,
  status          text NOT NULL CHECK (status IN ('RECEIVED', 'IN_PROGRESS', 'SUPPLEMENT_REQUESTED', 'APPROVED', 'REJECTED', 'WITHDRAWN')),
  CHECK ((status IN ('APPROVED', 'REJECTED')) = (decided_at IS NOT NULL))
);
CREATE INDEX dossiers_applicant_idx ON procedures.dossiers (applicant_id);

CREATE TABLE procedures.issued_documents (
  document_id     text PRIMARY KEY,
  document_type   text NOT NULL REFERENCES procedures.document_types,
  number          text NOT NULL,
  holder_id       text NOT NULL CHECK (holder_id ~ '^[0-9]{12}$'),
  issuing_agency  text NOT NULL,
  issued_on       date NOT NULL,
  valid_until     date,
  revoked_on      date,
  dossier_code    text REFERENCES procedures.dossiers,
  copy_uri        text,
  copy_sha256     text CHECK (copy_sha256 ~ '^[0-9a-f]{64}$'),
  copy_signer     text,
  copy_signed_at  timestamptz,
  copy_reusable   boolean,
  CHECK ((copy_uri IS NULL) = (copy_sha256 IS NULL) AND (copy_uri IS NULL) = (copy_signer IS NULL)
         AND (copy_uri IS NULL) = (copy_signed_at IS NULL) AND (copy_uri IS NULL) = (copy_reusable IS NULL))
);
CREATE INDEX issued_documents_holder_idx ON procedures.issued_documents (holder_id);
CREATE INDEX issued_documents_dossier_idx ON procedures.issued_documents (dossier_code) WHERE dossier_code IS NOT NULL;

-- Read shapes: one JSON-ready row per document and per dossier (with its procedure and result).
CREATE VIEW procedures.document_view AS
SELECT d.document_id AS "documentId", d.document_type AS type, d.number, d.holder_id AS "holderId",
       d.issuing_agency AS "issuingAgency", d.issued_on AS "issuedOn", d.valid_until AS "validUntil",
       d.revoked_on AS "revokedOn", d.dossier_code AS "dossierCode",
       CASE WHEN d.copy_uri IS NULL THEN NULL ELSE
         json_build_object('uri', d.copy_uri, 'sha256', d.copy_sha256, 'signer', d.copy_signer,
                           'signedAt', d.copy_signed_at, 'reusable', d.copy_reusable) END AS "electronicCopy"
  FROM procedures.issued_documents d;

CREATE VIEW procedures.procedure_view AS
SELECT p.code, p.name, p.domain, p.result_type AS "resultType", p.required_documents AS "requiredDocuments"
  FROM procedures.procedure_catalogue p;

CREATE VIEW procedures.dossier_view AS
SELECT s.dossier_code AS "dossierCode", s.applicant_id AS "applicantId", s.handling_agency AS "handlingAgency",
       s.submitted_at AS "submittedAt", s.decided_at AS "decidedAt", s.status,
       to_json(pv) AS procedure,
       (SELECT d.document_id FROM procedures.issued_documents d WHERE d.dossier_code = s.dossier_code
         ORDER BY d.issued_on DESC LIMIT 1) AS "resultDocumentId"
  FROM procedures.dossiers s
  JOIN procedures.procedure_view pv ON pv.code = s.procedure_code;
