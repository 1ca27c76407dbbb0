import { GraphQLError } from 'graphql';
import { badUserInput, ErrorCode } from '../common/errors';
import { DateTimeScalar } from '../common/scalars';
import type { Resolvers } from './generated/resolvers-types';
import { findAccessesTo, findRecords } from './repository';
import { verifyChain } from './verify';

const MAX_PAGE = 500;

function pageSize(first: number | null | undefined): number {
  const size = first ?? 50;
  if (size < 1 || size > MAX_PAGE) throw badUserInput(`first must be between 1 and ${MAX_PAGE}; got ${size}`, 'first');
  return size;
}

/** Cursors are opaque to clients: the seq of the last record on the page. */
function decodeCursor(after: string | null | undefined): number | null {
  if (!after) return null;
  const seq = Number(Buffer.from(after, 'base64url').toString());
  if (!Number.isInteger(seq) || seq < 1) throw badUserInput('after is not a cursor returned by this API', 'after');
  return seq;
}

function nextCursor(rows: ReadonlyArray<{ seq: number }>, size: number): string | null {
  const last = rows.at(-1);
  return rows.length === size && last ? Buffer.from(String(last.seq)).toString('base64url') : null;
}

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    auditRecords: async (_, { filter, first, after }, context) => {
      const size = pageSize(first);
      // Searching a citizen's records is a read about them: it shows in their own access history.
      if (filter?.subject) context.subjects.add(filter.subject);
      const records = await findRecords(context.db, filter ?? {}, size, decodeCursor(after));
      return { records, nextCursor: nextCursor(records, size) };
    },
    verifyAuditLog: (_, { fromSeq, toSeq }, context) => {
      for (const [name, seq] of [['fromSeq', fromSeq], ['toSeq', toSeq]] as const) {
        if (seq != null && seq < 1) throw badUserInput(`${name} must be a record seq (1, 2, ...); got ${seq}`, name);
      }
      return verifyChain(context.db, { fromSeq, toSeq, ...context.trust });
    },
    myAccessHistory: async (_, { first, after }, context) => {
      const personalId = context.principal?.startsWith('citizen:') ? context.principal.slice('citizen:'.length) : null;
      if (!personalId) throw new GraphQLError('myAccessHistory is for citizens signed in as themselves', { extensions: { code: ErrorCode.Forbidden } });
      const size = pageSize(first);
      const rows = await findAccessesTo(context.db, personalId, size, decodeCursor(after));
      return { events: rows, nextCursor: nextCursor(rows, size) };
    },
  },
  AuditRecord: {
    proof: (record, _, context) => context.proofs.load(record.seq),
  },
  AccessEvent: {
    agency: (row) => row.agency ?? row.clientId ?? 'unknown',
    procedureCode: (row) => row.purpose,
    procedureName: (row) => row.purposeName,
    fields: (row) => row.coordinates,
    proof: (row, _, context) => context.proofs.load(row.seq),
  },
  InclusionProof: {
    json: (proof) => JSON.stringify(proof),
  },
};
