import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { DocumentNode } from 'graphql';
import manifest from './generated/persisted-documents.json' with { type: 'json' };

/**
 * The operations portals, auditors and citizens send, as typed documents generated from operations/*.graphql
 * (`npm run codegen`), and the persisted-documents manifest generated with them.
 */
export * from './generated/graphql';
export type { ResultOf, VariablesOf } from '@graphql-typed-document-node/core';

/** SHA-256 of each operation's text -> the text: what `npm run once -- documents add <client> --manifest` registers. */
export const persistedDocuments: Readonly<Record<string, string>> = manifest;

/** The hash the client preset embedded in a generated document (`__meta__.hash`), under which the gateway knows its text. */
export function persistedHash(document: DocumentNode): string {
  const hash = (document as { __meta__?: { hash?: unknown } }).__meta__?.hash;
  if (typeof hash !== 'string' || !Object.hasOwn(persistedDocuments, hash))
    throw new Error('this document carries no hash of persisted-documents.json: run `npm run codegen`');
  return hash;
}

/**
 * The body of a request that sends a generated operation by its hash alone, as a trusted-documents-only client must:
 * its variables are checked against the operation's variables type.
 */
export function persistedRequest<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables) {
  return { variables, extensions: { persistedQuery: { version: 1, sha256Hash: persistedHash(document) } } };
}
