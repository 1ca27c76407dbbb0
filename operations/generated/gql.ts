/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query AuditSearch($filter: AuditFilter, $first: Int = 50, $after: String) {\n  auditRecords(filter: $filter, first: $first, after: $after) {\n    records {\n      seq\n      at\n      clientId\n      officer\n      purpose\n      caseNumber\n      operationName\n      coordinates\n      subjects\n      outcome\n      errorCodes\n      hash\n    }\n    nextCursor\n  }\n}": typeof types.AuditSearchDocument,
    "query CitizenProfile($id: ID!) {\n  citizen(personalId: $id) {\n    fullName\n    dateOfBirth\n    sex\n    hometown\n    maritalStatus\n    identityCard {\n      number\n      issuedOn\n      expiresOn\n    }\n    father {\n      fullName\n    }\n    mother {\n      fullName\n    }\n    household {\n      residenceFileNumber\n      address {\n        text\n        scheme\n      }\n      members {\n        relationshipToHead\n        citizen {\n          personalId\n          fullName\n          dateOfBirth\n        }\n      }\n    }\n  }\n}": typeof types.CitizenProfileDocument,
    "query EnrolInPrimarySchool($id: ID!) {\n  citizen(personalId: $id) {\n    documentCheck(required: [BIRTH_CERTIFICATE, RESIDENCE_CONFIRMATION]) {\n      complete\n      missing\n      requirements {\n        type\n        status\n        mustAskCitizen\n        document {\n          number\n          issuingAgency\n          issuedOn\n          electronicCopy {\n            uri\n            sha256\n            reusable\n          }\n        }\n      }\n    }\n  }\n}": typeof types.EnrolInPrimarySchoolDocument,
    "query MyAccessHistory($first: Int = 20, $after: String) {\n  myAccessHistory(first: $first, after: $after) {\n    events {\n      at\n      agency\n      officer\n      procedureCode\n      procedureName\n      caseNumber\n      fields\n    }\n    nextCursor\n  }\n}": typeof types.MyAccessHistoryDocument,
    "query ProcedureCatalogue {\n  procedures {\n    code\n    name\n    domain\n    resultType\n    requiredDocuments\n  }\n}": typeof types.ProcedureCatalogueDocument,
    "query ResidenceConfirmation($id: ID!) {\n  residenceConfirmation(personalId: $id) {\n    asOf\n    relationshipToHead\n    permanentResidence {\n      registeredOn\n      address {\n        text\n      }\n    }\n    temporaryResidences {\n      registeredOn\n      validUntil\n      address {\n        text\n      }\n    }\n    household {\n      head {\n        fullName\n      }\n    }\n  }\n}": typeof types.ResidenceConfirmationDocument,
    "query VerifyAuditLog($fromSeq: Int, $toSeq: Int) {\n  verifyAuditLog(fromSeq: $fromSeq, toSeq: $toSeq) {\n    ok\n    checked\n    firstBroken {\n      seq\n      reason\n    }\n  }\n}": typeof types.VerifyAuditLogDocument,
};
const documents: Documents = {
    "query AuditSearch($filter: AuditFilter, $first: Int = 50, $after: String) {\n  auditRecords(filter: $filter, first: $first, after: $after) {\n    records {\n      seq\n      at\n      clientId\n      officer\n      purpose\n      caseNumber\n      operationName\n      coordinates\n      subjects\n      outcome\n      errorCodes\n      hash\n    }\n    nextCursor\n  }\n}": types.AuditSearchDocument,
    "query CitizenProfile($id: ID!) {\n  citizen(personalId: $id) {\n    fullName\n    dateOfBirth\n    sex\n    hometown\n    maritalStatus\n    identityCard {\n      number\n      issuedOn\n      expiresOn\n    }\n    father {\n      fullName\n    }\n    mother {\n      fullName\n    }\n    household {\n      residenceFileNumber\n      address {\n        text\n        scheme\n      }\n      members {\n        relationshipToHead\n        citizen {\n          personalId\n          fullName\n          dateOfBirth\n        }\n      }\n    }\n  }\n}": types.CitizenProfileDocument,
    "query EnrolInPrimarySchool($id: ID!) {\n  citizen(personalId: $id) {\n    documentCheck(required: [BIRTH_CERTIFICATE, RESIDENCE_CONFIRMATION]) {\n      complete\n      missing\n      requirements {\n        type\n        status\n        mustAskCitizen\n        document {\n          number\n          issuingAgency\n          issuedOn\n          electronicCopy {\n            uri\n            sha256\n            reusable\n          }\n        }\n      }\n    }\n  }\n}": types.EnrolInPrimarySchoolDocument,
    "query MyAccessHistory($first: Int = 20, $after: String) {\n  myAccessHistory(first: $first, after: $after) {\n    events {\n      at\n      agency\n      officer\n      procedureCode\n      procedureName\n      caseNumber\n      fields\n    }\n    nextCursor\n  }\n}": types.MyAccessHistoryDocument,
    "query ProcedureCatalogue {\n  procedures {\n    code\n    name\n    domain\n    resultType\n    requiredDocuments\n  }\n}": types.ProcedureCatalogueDocument,
    "query ResidenceConfirmation($id: ID!) {\n  residenceConfirmation(personalId: $id) {\n    asOf\n    relationshipToHead\n    permanentResidence {\n      registeredOn\n      address {\n        text\n      }\n    }\n    temporaryResidences {\n      registeredOn\n      validUntil\n      address {\n        text\n      }\n    }\n    household {\n      head {\n        fullName\n      }\n    }\n  }\n}": types.ResidenceConfirmationDocument,
    "query VerifyAuditLog($fromSeq: Int, $toSeq: Int) {\n  verifyAuditLog(fromSeq: $fromSeq, toSeq: $toSeq) {\n    ok\n    checked\n    firstBroken {\n      seq\n      reason\n    }\n  }\n}": types.VerifyAuditLogDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AuditSearch($filter: AuditFilter, $first: Int = 50, $after: String) {\n  auditRecords(filter: $filter, first: $first, after: $after) {\n    records {\n      seq\n      at\n      clientId\n      officer\n      purpose\n      caseNumber\n      operationName\n      coordinates\n      subjects\n      outcome\n      errorCodes\n      hash\n    }\n    nextCursor\n  }\n}"): (typeof documents)["query AuditSearch($filter: AuditFilter, $first: Int = 50, $after: String) {\n  auditRecords(filter: $filter, first: $first, after: $after) {\n    records {\n      seq\n      at\n      clientId\n      officer\n      purpose\n      caseNumber\n      operationName\n      coordinates\n      subjects\n      outcome\n      errorCodes\n      hash\n    }\n    nextCursor\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CitizenProfile($id: ID!) {\n  citizen(personalId: $id) {\n    fullName\n    dateOfBirth\n    sex\n    hometown\n    maritalStatus\n    identityCard {\n      number\n      issuedOn\n      expiresOn\n    }\n    father {\n      fullName\n    }\n    mother {\n      fullName\n    }\n    household {\n      residenceFileNumber\n      address {\n        text\n        scheme\n      }\n      members {\n        relationshipToHead\n        citizen {\n          personalId\n          fullName\n          dateOfBirth\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query CitizenProfile($id: ID!) {\n  citizen(personalId: $id) {\n    fullName\n    dateOfBirth\n    sex\n    hometown\n    maritalStatus\n    identityCard {\n      number\n      issuedOn\n      expiresOn\n    }\n    father {\n      fullName\n    }\n    mother {\n      fullName\n    }\n    household {\n      residenceFileNumber\n      address {\n        text\n        scheme\n      }\n      members {\n        relationshipToHead\n        citizen {\n          personalId\n          fullName\n          dateOfBirth\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query EnrolInPrimarySchool($id: ID!) {\n  citizen(personalId: $id) {\n    documentCheck(required: [BIRTH_CERTIFICATE, RESIDENCE_CONFIRMATION]) {\n      complete\n      missing\n      requirements {\n        type\n        status\n        mustAskCitizen\n        document {\n          number\n          issuingAgency\n          issuedOn\n          electronicCopy {\n            uri\n            sha256\n            reusable\n          }\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query EnrolInPrimarySchool($id: ID!) {\n  citizen(personalId: $id) {\n    documentCheck(required: [BIRTH_CERTIFICATE, RESIDENCE_CONFIRMATION]) {\n      complete\n      missing\n      requirements {\n        type\n        status\n        mustAskCitizen\n        document {\n          number\n          issuingAgency\n          issuedOn\n          electronicCopy {\n            uri\n            sha256\n            reusable\n          }\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query MyAccessHistory($first: Int = 20, $after: String) {\n  myAccessHistory(first: $first, after: $after) {\n    events {\n      at\n      agency\n      officer\n      procedureCode\n      procedureName\n      caseNumber\n      fields\n    }\n    nextCursor\n  }\n}"): (typeof documents)["query MyAccessHistory($first: Int = 20, $after: String) {\n  myAccessHistory(first: $first, after: $after) {\n    events {\n      at\n      agency\n      officer\n      procedureCode\n      procedureName\n      caseNumber\n      fields\n    }\n    nextCursor\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ProcedureCatalogue {\n  procedures {\n    code\n    name\n    domain\n    resultType\n    requiredDocuments\n  }\n}"): (typeof documents)["query ProcedureCatalogue {\n  procedures {\n    code\n    name\n    domain\n    resultType\n    requiredDocuments\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ResidenceConfirmation($id: ID!) {\n  residenceConfirmation(personalId: $id) {\n    asOf\n    relationshipToHead\n    permanentResidence {\n      registeredOn\n      address {\n        text\n      }\n    }\n    temporaryResidences {\n      registeredOn\n      validUntil\n      address {\n        text\n      }\n    }\n    household {\n      head {\n        fullName\n      }\n    }\n  }\n}"): (typeof documents)["query ResidenceConfirmation($id: ID!) {\n  residenceConfirmation(personalId: $id) {\n    asOf\n    relationshipToHead\n    permanentResidence {\n      registeredOn\n      address {\n        text\n      }\n    }\n    temporaryResidences {\n      registeredOn\n      validUntil\n      address {\n        text\n      }\n    }\n    household {\n      head {\n        fullName\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query VerifyAuditLog($fromSeq: Int, $toSeq: Int) {\n  verifyAuditLog(fromSeq: $fromSeq, toSeq: $toSeq) {\n    ok\n    checked\n    firstBroken {\n      seq\n      reason\n    }\n  }\n}"): (typeof documents)["query VerifyAuditLog($fromSeq: Int, $toSeq: Int) {\n  verifyAuditLog(fromSeq: $fromSeq, toSeq: $toSeq) {\n    ok\n    checked\n    firstBroken {\n      seq\n      reason\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;