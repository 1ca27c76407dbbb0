import { parsePersonalId } from '../../platform';
import { DateScalar, DateTimeScalar } from '../kit';
import type { ResidenceContext } from './context';
import type { CitizenResolvers, Resolvers, ResidenceConfirmationResolvers } from './generated/resolvers-types';
import type { CitizenKey, ResidenceRecordRow } from './repository';

/** In force on `today`: not deregistered, and within its declared duration if it has one. */
export function isCurrent(record: ResidenceRecordRow, today: string): boolean {
  return record.deregisteredOn === null && (record.validUntil === null || record.validUntil >= today);
}

async function currentRecords({ personalId }: CitizenKey, context: ResidenceContext, kind: ResidenceRecordRow['kind']) {
  const residence = await context.residenceOf.load(personalId);
  return (residence?.records ?? []).filter((record) => record.kind === kind && isCurrent(record, context.today));
}

/** The fields a Citizen and a ResidenceConfirmation share, both keyed by the person. */
const residenceFields = {
  household: async ({ personalId }: CitizenKey, _: unknown, context: ResidenceContext) => (await context.residenceOf.load(personalId))?.household ?? null,
  relationshipToHead: async ({ personalId }: CitizenKey, _: unknown, context: ResidenceContext) =>
    (await context.residenceOf.load(personalId))?.relationshipToHead ?? null,
  permanentResidence: async (citizen: CitizenKey, _: unknown, context: ResidenceContext) => (await currentRecords(citizen, context, 'PERMANENT'))[0] ?? null,
  temporaryResidences: (citizen: CitizenKey, _: unknown, context: ResidenceContext) => currentRecords(citizen, context, 'TEMPORARY'),
} satisfies CitizenResolvers & ResidenceConfirmationResolvers;

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query: {
    household: (_, { householdId }, context) => context.households.load(householdId),
    residenceConfirmation: async (_, { personalId }, context) => {
      parsePersonalId(personalId);
      const residence = await context.residenceOf.load(personalId);
      return residence && (residence.household || residence.records.length > 0) ? { personalId } : null;
    },
  },
  Citizen: {
    __resolveReference: ({ personalId }) => ({ personalId }),
    ...residenceFields,
    residenceHistory: async ({ personalId }, _, context) => (await context.residenceOf.load(personalId))?.records ?? [],
  },
  ResidenceConfirmation: {
    citizen: ({ personalId }) => ({ personalId }),
    ...residenceFields,
    asOf: () => new Date(),
  },
  Household: {
    __resolveReference: ({ householdId }, context) => context.households.load(householdId),
    head: (household) => ({ personalId: household.headId }),
  },
  HouseholdMember: {
    citizen: (member) => ({ personalId: member.personalId }),
  },
  ResidenceRecord: {
    household: (record, _, context) => (record.householdId ? context.households.load(record.householdId) : null),
    current: (record, _, context) => isCurrent(record, context.today),
  },
  Address: {
    text: (address) => [address.detail, address.commune, address.district, address.province].filter(Boolean).join(', '),
  },
};
