import { assertScalarType, buildSchema, graphql, parseValue, type GraphQLSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DateScalar } from '../../subgraphs/kit';

const HOSTILE: ReadonlyArray<readonly [string, unknown, string]> = [
  ['a day February lacks', '2024-02-31', 'got "2024-02-31", which is no day in the calendar'],
  ['29 February of a common year', '2023-02-29', 'got "2023-02-29", which is no day in the calendar'],
  ['a thirteenth month', '2024-13-01', 'got "2024-13-01", which is no day in the calendar'],
  ['an empty string', '', 'got "", which is not written YYYY-MM-DD'],
  ['a word', 'x', 'got "x", which is not written YYYY-MM-DD'],
  ['a timestamp', '2024-01-01T00:00:00Z', 'got "2024-01-01T00:00:00Z", which is not written YYYY-MM-DD'],
  ['a number', 20240101, 'got 20240101, which is not a string'],
  ['null inside a list', [null], 'got [null], which is not a string'],
  ['a very long string (quoted only in part)', `2024-01-01${'9'.repeat(100_000)}`, `got "2024-01-01${'9'.repeat(30)}...", which is not written YYYY-MM-DD`],
];
const PREFIX = 'Date must be a calendar date written YYYY-MM-DD; ';

/** A schema that takes and returns a Date, executed in process as a subgraph would. */
const schema: GraphQLSchema = buildSchema('scalar Date type Query { dayAfter(on: Date!): Date }');
Object.assign(assertScalarType(schema.getType('Date')), {
  parseValue: DateScalar.parseValue,
  parseLiteral: DateScalar.parseLiteral,
  serialize: DateScalar.serialize,
});
const rootValue = { dayAfter: ({ on }: { on: string }) => new Date(Date.parse(`${on}T00:00:00Z`) + 86_400_000) };

describe('the Date scalar (graphql-scalars LocalDate semantics)', () => {
  it('takes and gives calendar days, including 29 February of a leap year', async () => {
    expect(DateScalar.parseValue('2024-02-29')).toBe('2024-02-29');
    expect(DateScalar.parseLiteral(parseValue('"1999-12-31"'))).toBe('1999-12-31');
    expect(DateScalar.serialize('2024-01-31')).toBe('2024-01-31');
    expect(DateScalar.serialize(new Date('2024-03-01T00:00:00Z'))).toBe('2024-03-01');
    expect(await graphql({ schema, rootValue, source: '{ dayAfter(on: "2024-02-28") }' })).toEqual({ data: { dayAfter: '2024-02-29' } });
    expect(DateScalar.name).toBe('Date');
  });

  for (const [what, value, problem] of HOSTILE) {
    it(`refuses ${what} as BAD_USER_INPUT, as a variable and as a literal`, async () => {
      expect(() => DateScalar.parseValue(value)).toThrow(expect.objectContaining({ message: PREFIX + problem, extensions: { code: 'BAD_USER_INPUT' } }));
      const variable = await graphql({ schema, rootValue, source: 'query ($on: Date!) { dayAfter(on: $on) }', variableValues: { on: value } });
      expect(variable.data).toBeUndefined();
      expect(variable.errors?.[0]?.message).toContain(PREFIX + problem);
      expect(variable.errors?.[0]?.originalError).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      const literal = await graphql({ schema, rootValue, source: `{ dayAfter(on: ${JSON.stringify(value)}) }` });
      expect(literal.errors).toEqual([expect.objectContaining({ message: PREFIX + problem, extensions: { code: 'BAD_USER_INPUT' } })]);
    });
  }

  it("refuses to give out a day the calendar lacks (a resolver bug, not the caller's)", () => {
    expect(() => DateScalar.serialize('2024-02-31')).toThrow(`${PREFIX}got "2024-02-31", which is no day in the calendar`);
  });
});
