import { GraphQLError } from 'graphql';
import { badUserInput, ErrorCode } from '../../platform';
import { DateTimeScalar } from '../kit';
import type { Resolvers } from './generated/resolvers-types';
import type { AuditContext } from './context';
import {
  addComplaintNote,
  agenciesAccessing,
  clientExists,
  closeComplaint,
  complaintById,
  findAccessesTo,
  findComplaints,
  findRecords,
  isAccessTo,
  openComplaint,
  recordExtent,
  type AccessEventRow,
  type ComplaintRow,
} from './repository';
import { verifyChain, type ChainVerification } from './verify';

const MAX_PAGE = 500;

/** A verification with the extent of the log it was run on, so that a check in ranges can show its progress. */
export type AuditVerificationModel = ChainVerification & { logStart: number | null; logEnd: number | null };

/** A page of a citizen's history; the agencies for its filter are read only when asked for. */
export interface AccessHistoryPageModel {
  events: AccessEventRow[];
  nextCursor: string | null;
  personalId: string;
}
/** Longest complaint reason, note or resolution, in characters. */
const MAX_TEXT = 2000;

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

/** The signed-in citizen's personal ID, or a FORBIDDEN error naming `field`. */
function citizenOf(context: AuditContext, field: string): string {
  const personalId = context.principal?.startsWith('citizen:') ? context.principal.slice('citizen:'.length) : null;
  if (!personalId) throw new GraphQLError(`${field} is for citizens signed in as themselves`, { extensions: { code: ErrorCode.Forbidden } });
  return personalId;
}

/** Who works the complaints queue: a client (an auditor, by its grants), named with its officer. */
function auditorOf(context: AuditContext, field: string): string {
  if (!context.principal?.startsWith('client:')) throw new GraphQLError(`${field} is for auditors`, { extensions: { code: ErrorCode.Forbidden } });
  return context.officer ? `${context.principal} (${context.officer})` : context.principal;
}

function text(value: string, argument: string): string {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_TEXT)
    throw badUserInput(`${argument} must have 1 to ${MAX_TEXT} characters; got ${trimmed.length}`, argument);
  return trimmed;
}

function complaintId(id: string): number {
  const value = Number(id);
  if (!/^[1-9]\d{0,15}$/.test(id) || !Number.isSafeInteger(value))
    throw badUserInput(`id must be a complaint id (a positive integer); got "${id.slice(0, 40)}"`, 'id');
  return value;
}

/** A complaint is about its citizen: reading or working it is a read about them, and shows in their history. */
function about(context: AuditContext, complaint: ComplaintRow): ComplaintRow {
  context.subjects.add(complaint.personalId);
  return complaint;
}

/** Runs `change` on complaint `id`, which must exist and be open, and returns it as it is then. */
async function changeOpenComplaint(context: AuditContext, id: string, change: (id: number) => Promise<boolean>): Promise<ComplaintRow> {
  const key = complaintId(id);
  const before = await complaintById(context.db, key);
  if (!before) throw badUserInput(`No complaint ${id}`, 'id');
  about(context, before);
  if (!(await change(key))) throw badUserInput(`Complaint ${id} is closed; it can no longer be changed`, 'id');
  return about(context, (await complaintById(context.db, key)) ?? before);
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
    verifyAuditLog: async (_, { fromSeq, toSeq }, context) => {
      for (const [name, seq] of [
        ['fromSeq', fromSeq],
        ['toSeq', toSeq],
      ] as const) {
        if (seq != null && seq < 1) throw badUserInput(`${name} must be a record seq (1, 2, ...); got ${seq}`, name);
      }
      const [result, extent] = await Promise.all([verifyChain(context.db, { fromSeq, toSeq, ...context.trust }), recordExtent(context.db)]);
      return { ...result, logStart: extent?.first ?? null, logEnd: extent?.last ?? null };
    },
    myAccessHistory: async (_, { first, after, agency, from, to }, context) => {
      const personalId = citizenOf(context, 'myAccessHistory');
      const size = pageSize(first);
      if (from && to && from >= to) throw badUserInput(`to must be later than from; got from ${from}, to ${to}`, 'to');
      if (agency != null && !(await clientExists(context.db, agency)))
        throw badUserInput(`agency "${agency.slice(0, 64)}" is not an agency of this system`, 'agency');
      const rows = await findAccessesTo(context.db, personalId, { agency, from, to }, size, decodeCursor(after));
      return { events: rows, nextCursor: nextCursor(rows, size), personalId };
    },
    complaints: async (_, { status, first, after }, context) => {
      auditorOf(context, 'complaints');
      const size = pageSize(first);
      const rows = await findComplaints(context.db, status ?? null, size, decodeCursor(after));
      return {
        complaints: rows.map((row) => about(context, row)),
        nextCursor: nextCursor(
          rows.map((row) => ({ seq: Number(row.id) })),
          size,
        ),
      };
    },
  },
  Mutation: {
    reportAccess: async (_, { recordSeq, reason }, context) => {
      const personalId = citizenOf(context, 'reportAccess');
      context.subjects.add(personalId);
      const why = text(reason, 'reason');
      // The same answer whether the record does not exist or is not a read of this citizen's data: no probing the log.
      if (!(await isAccessTo(context.db, personalId, recordSeq))) throw badUserInput(`Record ${recordSeq} is not a read of your data`, 'recordSeq');
      return openComplaint(context.db, { recordSeq, personalId, reason: why });
    },
    noteComplaint: (_, { id, note }, context) => {
      const author = auditorOf(context, 'noteComplaint');
      const body = text(note, 'note');
      return changeOpenComplaint(context, id, (key) => addComplaintNote(context.db, key, author, body));
    },
    closeComplaint: (_, { id, resolution }, context) => {
      const closedBy = auditorOf(context, 'closeComplaint');
      const finding = text(resolution, 'resolution');
      return changeOpenComplaint(context, id, (key) => closeComplaint(context.db, key, closedBy, finding));
    },
  },
  AuditRecord: {
    proof: (record, _, context) => context.proofs.load(record.seq),
  },
  AccessHistoryPage: {
    agencies: (page, _, context) => agenciesAccessing(context.db, page.personalId),
  },
  AccessEvent: {
    recordSeq: (row) => row.seq,
    agency: (row) => row.agency ?? row.clientId ?? 'unknown',
    byAuditor: (row) => row.role === 'AUDITOR',
    procedureCode: (row) => row.purpose,
    procedureName: (row) => row.purposeName,
    fields: (row) => row.coordinates,
    proof: (row, _, context) => context.proofs.load(row.seq),
  },
  InclusionProof: {
    json: (proof) => JSON.stringify(proof),
  },
};
