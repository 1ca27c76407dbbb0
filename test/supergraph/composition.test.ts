import { parse, Source } from 'graphql';
import { describe, expect, it } from 'vitest';
import { builtInSubgraphs } from '../../subgraphs';
import { composeSupergraph, CompositionError } from '../../subgraphs/registry';

const sources = builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: `http://127.0.0.1/${name}` }));

describe('composition', () => {
  it('composes the built-in subgraphs, with Citizen owned jointly by all three', () => {
    const supergraph = composeSupergraph(sources);
    const citizen = supergraph.slice(supergraph.indexOf('type Citizen'), supergraph.indexOf('{', supergraph.indexOf('type Citizen')));
    expect(citizen.match(/@join__type\(graph: (\w+), key: "personalId"\)/g)).toHaveLength(3);
  });

  it('refuses a subgraph whose SDL contradicts the others, with codes and locations', () => {
    const clash = {
      name: 'tax',
      url: 'http://127.0.0.1/tax',
      typeDefs: parse(
        new Source(
          `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
         type Query { taxpayer(code: ID!): Citizen }
         type Citizen @key(fields: "personalId") { personalId: Int! taxCode: String }`,
          'tax/schema.graphql',
        ),
      ),
    };
    try {
      composeSupergraph([...sources, clash]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CompositionError);
      expect((error as CompositionError).message).toMatch(
        /^Composition failed with \d+ errors?:\n {2}\[FIELD_TYPE_MISMATCH\] Type of field "Citizen.personalId" is incompatible/,
      );
      expect((error as CompositionError).message).toMatch(/\(at population\/schema\.graphql:\d+:\d+, .*tax\/schema\.graphql:3:\d+\)$/);
      expect((error as CompositionError).errors.length).toBeGreaterThan(0);
    }
  });
});
