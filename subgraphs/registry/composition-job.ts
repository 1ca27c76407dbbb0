import { Kind, type DocumentNode } from 'graphql';
import type { DataFlow } from './flows';

/*
 * What the registry and its composition worker thread share. The worker imports only this (with composition and the
 * flow analysis), so that starting one loads none of the platform.
 */

export interface SubgraphEntry {
  name: string;
  url: string;
  sdl: string;
}

export interface CompositionProblem {
  code: string;
  message: string;
  locations: string[];
}

/** A change of the API schema as `@graphql-inspector/core` reports it, before its use is counted. */
export interface ApiChange {
  level: 'BREAKING' | 'DANGEROUS' | 'NON_BREAKING';
  type: string;
  message: string;
  path: string | null;
}

export interface CompositionJob {
  /** The whole set of subgraphs the change would make live. */
  proposed: SubgraphEntry[];
  /** Owning agency of each subgraph by name (`system` for the built-ins). */
  owners: Record<string, string>;
  /** Subgraphs whose cross-agency data flows to list. */
  analyse: string[];
  /** The subgraph whose defined fields to return, for the routing-URL probe. */
  candidate: string | null;
  /** Whether to compose (and diff against `liveSupergraphSdl`), or only to list flows. */
  compose: boolean;
  liveSupergraphSdl: string | null;
}

export interface CompositionOutcome {
  /** Null when the set does not compose into a supergraph the gateways load (then `problems` says why) or was not composed. */
  supergraphSdl: string | null;
  problems: CompositionProblem[];
  changes: ApiChange[];
  flows: Array<DataFlow & { subgraph: string }>;
  candidateFields: string[];
}

/** Field coordinates a document defines, to compare what a URL serves with what is being checked. */
export function definedFields(document: DocumentNode): string[] {
  const fields: string[] = [];
  for (const definition of document.definitions) {
    if ('fields' in definition && 'name' in definition && definition.fields) {
      for (const field of definition.fields) fields.push(`${definition.name.value}.${field.name.value}`);
    }
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION || definition.kind === Kind.ENUM_TYPE_EXTENSION) {
      for (const value of definition.values ?? []) fields.push(`${definition.name.value}.${value.name.value}`);
    }
  }
  return fields;
}
