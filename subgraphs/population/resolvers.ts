import { badUserInput, parsePersonalId } from '../../platform';
import { DateScalar } from '../kit';
import type { PopulationContext } from './context';
import type { Resolvers } from './generated/resolvers-types';
import type { CitizenRecord } from './repository';

const load = (context: PopulationContext, personalId: string | null) => (personalId ? context.citizens.load(personalId) : null);

export const resolvers: Resolvers = {
  Date: DateScalar,
  Query: {
    citizen: (_, { personalId }, context) => {
      parsePersonalId(personalId);
      return context.citizens.load(personalId);
    },
    citizens: (_, { personalIds }, context) => {
      if (personalIds.length > context.maxCitizensPerQuery) {
        throw badUserInput(`personalIds has ${personalIds.length} IDs; at most ${context.maxCitizensPerQuery} may be asked at once`, 'personalIds');
      }
      personalIds.forEach((id, index) => parsePersonalId(id, `personalIds[${index}]`));
      return Promise.all(personalIds.map((id) => context.citizens.load(id)));
    },
  },
  Citizen: {
    __resolveReference: ({ personalId }, context) => context.citizens.load(personalId),
    identityCard: (citizen) =>
      citizen.idCardIssuedOn && citizen.idCardIssuedBy
        ? { number: citizen.personalId, issuedOn: citizen.idCardIssuedOn, issuedBy: citizen.idCardIssuedBy, expiresOn: citizen.idCardExpiresOn }
        : null,
    father: (citizen, _, context) => load(context, citizen.fatherId),
    mother: (citizen, _, context) => load(context, citizen.motherId),
    spouse: (citizen, _, context) => load(context, citizen.spouseId),
    children: async (citizen, _, context) =>
      (await Promise.all(citizen.childIds.map((id) => context.citizens.load(id)))).filter((child): child is CitizenRecord => child !== null),
  },
};
