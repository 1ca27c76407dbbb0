import { GraphQLScalarType, valueFromASTUntyped, type ValueNode } from 'graphql';
import { GraphQLLocalDate } from 'graphql-scalars';
import { badUserInput } from '../../platform';

const localDate = GraphQLLocalDate.toConfig();
/** How much of a refused value an error message repeats: enough to recognise it, not a megabyte sent back. */
const QUOTED_CHARS = 40;

/** What is wrong with a value LocalDate refused, in the caller's terms. */
function dateProblem(value: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- JSON.stringify answers undefined for undefined and functions, which its type omits
  const quoted = JSON.stringify(typeof value === 'string' && value.length > QUOTED_CHARS ? `${value.slice(0, QUOTED_CHARS)}...` : value) ?? String(value);
  if (typeof value !== 'string') return `got ${quoted}, which is not a string`;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `got ${quoted}, which is no day in the calendar` : `got ${quoted}, which is not written YYYY-MM-DD`;
}

/** `check` by graphql-scalars' LocalDate, its refusal as BAD_USER_INPUT that says what is wrong with `value`. */
function asLocalDate(value: unknown, check: () => string): string {
  try {
    return check();
  } catch {
    throw badUserInput(`Date must be a calendar date written YYYY-MM-DD; ${dateProblem(value)}`);
  }
}

/**
 * A calendar date without time zone, written YYYY-MM-DD (ISO 8601): graphql-scalars' LocalDate (which refuses days
 * the calendar lacks, such as 2024-02-31), under the name the subgraphs' schemas already use.
 */
export const DateScalar = new GraphQLScalarType<string, string>({
  ...localDate,
  name: 'Date',
  description: 'A calendar date without time zone, written YYYY-MM-DD (ISO 8601).',
  serialize: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : asLocalDate(value, () => localDate.serialize(value))),
  parseValue: (value) => asLocalDate(value, () => localDate.parseValue(value)),
  parseLiteral: (ast: ValueNode) => asLocalDate(valueFromASTUntyped(ast), () => localDate.parseLiteral(ast)),
});

/** An instant, written as an ISO 8601 timestamp in UTC. */
export const DateTimeScalar = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'An instant, written as an ISO 8601 timestamp in UTC.',
  serialize: (value) => {
    const instant = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(instant.getTime())) throw new TypeError(`DateTime cannot represent ${String(value)}`);
    return instant.toISOString();
  },
  parseValue: (value) => {
    const instant = new Date(String(value));
    if (typeof value !== 'string' || Number.isNaN(instant.getTime()))
      throw badUserInput(`DateTime must be an ISO 8601 timestamp; got ${JSON.stringify(value)}`);
    return instant.toISOString();
  },
});
