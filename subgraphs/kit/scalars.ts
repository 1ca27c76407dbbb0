import { GraphQLScalarType, Kind } from 'graphql';
import { badUserInput } from '../../platform';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseDate(value: unknown): string {
  if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw badUserInput(`Date must be a calendar date written YYYY-MM-DD; got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A calendar date without time zone, written YYYY-MM-DD (ISO 8601). */
export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date without time zone, written YYYY-MM-DD (ISO 8601).',
  serialize: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : parseDate(value)),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
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
    if (typeof value !== 'string' || Number.isNaN(instant.getTime())) throw badUserInput(`DateTime must be an ISO 8601 timestamp; got ${JSON.stringify(value)}`);
    return instant.toISOString();
  },
});
