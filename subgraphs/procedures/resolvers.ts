import { DateScalar, DateTimeScalar } from '../kit';
import type { ProceduresContext } from './context';
import { checkRequiredDocuments, isValidOn } from './document-check';
import type { Resolvers } from './generated/resolvers-types';

const proceduresOf = async (personalId: string, context: ProceduresContext) =>
  (await context.proceduresOf.load(personalId)) ?? { personalId, documents: [], dossiers: [] };

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query: {
    procedureRecord: (_, { dossierCode }, context) => context.dossiers.load(dossierCode),
    procedures: (_, __, context) => context.repository.listProcedures(),
  },
  Citizen: {
    __resolveReference: ({ personalId }) => ({ personalId }),
    documents: async ({ personalId }, { types }, context) => {
      const { documents } = await proceduresOf(personalId, context);
      return types ? documents.filter((document) => types.includes(document.type)) : documents;
    },
    procedureRecords: async ({ personalId }, _, context) => (await proceduresOf(personalId, context)).dossiers,
    documentCheck: async ({ personalId }, { required }, context) => {
      const requirements = checkRequiredDocuments(required, (await proceduresOf(personalId, context)).documents, context.today);
      const missing = requirements.filter((requirement) => requirement.status !== 'HELD_REUSABLE').map((requirement) => requirement.type);
      return { requirements, missing, complete: missing.length === 0 };
    },
  },
  DocumentRequirement: {
    mustAskCitizen: (requirement) => requirement.status !== 'HELD_REUSABLE',
  },
  IssuedDocument: {
    __resolveReference: ({ documentId }, context) => context.documents.load(documentId),
    holder: (document) => ({ personalId: document.holderId }),
    valid: (document, _, context) => isValidOn(document, context.today),
    procedureRecord: (document, _, context) => (document.dossierCode ? context.dossiers.load(document.dossierCode) : null),
  },
  ProcedureRecord: {
    __resolveReference: ({ dossierCode }, context) => context.dossiers.load(dossierCode),
    applicant: (dossier) => ({ personalId: dossier.applicantId }),
    procedure: (dossier) => dossier.procedure,
    result: (dossier, _, context) => (dossier.resultDocumentId ? context.documents.load(dossier.resultDocumentId) : null),
  },
};
