import { DateScalar } from '../kit';
import type { Resolvers } from './generated/resolvers-types';

export const resolvers: Resolvers = {
  Date: DateScalar,
  Query: {
    socialInsuranceBook: (_, { bookNumber }, context) => context.books.load(bookNumber),
  },
  Citizen: {
    __resolveReference: ({ personalId }) => ({ personalId }),
    socialInsurance: ({ personalId }, _, context) => context.bookOf.load(personalId),
  },
};
