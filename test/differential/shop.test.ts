import type { GraphQLDataSource } from '@apollo/gateway';
import fc from 'fast-check';
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessSubgraph } from './fixtures/in-process';
import { shopArguments, shopSubgraphs, shopSupergraph } from './fixtures/shop';
import { expectSameAnswer, pointsAtNull, startDifferential, type Differential } from './harness';
import { operations } from './operations';
import { DIFFERENTIAL_RUNS, DIFFERENTIAL_SEED } from './settings';

const { supergraphSdl, apiSchema } = shopSupergraph;
const services = Object.fromEntries(shopSubgraphs.map((subgraph) => [subgraph.name, new InProcessSubgraph(subgraph)]));

/** Hand-written shapes that each exercise one part of the executor; the random ones below combine them. */
const SHAPES: Array<[string, string, Record<string, unknown>?]> = [
  [
    'an entity chain through all four subgraphs, with @requires on a nested value type',
    '{ me { name reviews { body product { upc name price ... on Book { isbn shippingEstimate inStock } ... on Furniture { shippingEstimate inStock } } } } }',
  ],
  [
    'an interface object (reviews) resolved to its implementations (products)',
    '{ latestReviews { id product { __typename upc name averageRating reviews { id rating } } } }',
  ],
  ['@provides: the author username comes from reviews, the name from accounts', '{ latestReviews { author { id username name } } }'],
  [
    'the same entity under many parents is asked for once and written to each',
    '{ latestReviews { product { upc name } author { name } } topProducts { upc name reviews { author { name } } } }',
  ],
  [
    'unions with inline fragments and __typename, members that do not match',
    '{ users { id account { __typename ... on PasswordAccount { email } ... on SMSAccount { number } } } brands { __typename ... on Ikea { aisle } } }',
  ],
  [
    'aliases on entity fields and on __typename',
    '{ first: topProducts(first: 2) { id: upc label: name t: __typename ... on Book { code: isbn } } second: topProducts(first: 1) { upc } }',
  ],
  [
    '@skip and @include with variables and literals',
    'query Q($on: Boolean!, $off: Boolean!) { users { id name @include(if: $on) username @skip(if: $on) reviews @include(if: $off) { body } } me @skip(if: false) { id } }',
    { on: true, off: false },
  ],
  [
    'variables inside conditions on fragments',
    'query Q($on: Boolean!) { topProducts { upc ... on Book @include(if: $on) { isbn } ...Priced @skip(if: $on) } } fragment Priced on Product { price dimensions { size weight } }',
    { on: false },
  ],
  ['a subgraph error at the root, with its code and the subgraph named', '{ topProducts(first: 50) { upc } me { id } }'],
  ['subgraph errors inside entities, mapped to each entity path', '{ users { id username } latestReviews { id rating } }'],
  ['null propagation from a non-null field a subgraph returned null for', '{ latestReviews { id body } users { id name } }'],
  ['null list elements and non-null entity fields', '{ topProducts(first: 6) { upc ... on Book { isbn } } }'],
  ['arguments on entity fields', '{ users { birthDate(locale: "vi") plain: birthDate } }'],
  ['a value type shared by two subgraphs', '{ product(upc: "5") { dimensions { size weight } ... on Book { shippingEstimate } } }'],
  ['an entity that does not exist', '{ user(id: "404") { id name reviews { id } } product(upc: "404") { upc } review(id: "404") { id } }'],
  ['numberOfReviews: a non-null field of an entity (null for one user) nulls that user', '{ users { id numberOfReviews } }'],
  [
    'mutations of two subgraphs in one operation, one after the other, with entity chains from what they return',
    'mutation { login(username: "ada") { name reviews { body } } reviewProduct(upc: "3", body: "Sat on it") { id author { name } product { name ... on Furniture { shippingEstimate } } } }',
  ],
  [
    'mutations refused: errors at their root fields',
    'mutation { reviewProduct(upc: "1", body: " ") { id } login(username: "nobody") { id } again: login(username: "ada") { id } }',
  ],
];

describe('Once and Apollo executors on federation fixtures (accounts, products, inventory, reviews)', () => {
  let differential: Differential<object>;
  beforeAll(async () => {
    differential = await startDifferential({ supergraphSdl, services, context: () => ({}) });
  });
  afterAll(async () => differential.stop());

  for (const [shape, query, variables] of SHAPES) {
    it(`answers alike: ${shape}`, async () => {
      const { once, apollo } = await differential.run(query, variables);
      expectSameAnswer(once.result, apollo.result, query);
      expect(once.result.data ?? once.result.errors, 'an answer with something in it').toBeTruthy();
    });
  }

  it('differs where Apollo misplaces an entity error: at the object it came from, not at the n-th object of the list', async () => {
    // topProducts is [Book 1, Book 2, null, Furniture 3, Furniture 4, Book 5]; only the Furniture send a
    // representation to inventory, and inventory fails for the first of them (upc 3, index 3 of the list).
    const query = '{ topProducts(first: 6) { ... on Furniture { upc shippingEstimate } } }';
    const { once, apollo } = await differential.run(query);
    expect(JSON.stringify(once.result.data)).toBe(JSON.stringify(apollo.result.data));
    const [ours] = once.result.errors ?? [];
    const [theirs] = apollo.result.errors ?? [];
    expect(ours).toMatchObject({
      message: 'no carrier for this size',
      path: ['topProducts', 3, 'shippingEstimate'],
      extensions: { code: 'SHIPPING_UNAVAILABLE', serviceName: 'inventory' },
    });
    expect(pointsAtNull(once.result.data, ['topProducts', 3, 'shippingEstimate'])).toBe(true);
    // Apollo's path names Book 1, which was never sent to inventory and has no shippingEstimate in the response.
    expect(theirs?.path).toEqual(['topProducts', 0, 'shippingEstimate']);
    expect((once.result.data?.topProducts as unknown[])[0]).toEqual({});
  });

  it("calls the gateway's plan hook before running a plan, as Apollo's does: a plan it refuses is not run", async () => {
    const refusing = await startDifferential({
      supergraphSdl,
      services,
      context: () => ({}),
      didResolveQueryPlan: ({ queryPlan }) => {
        if (JSON.stringify(queryPlan).includes('"serviceName":"inventory"'))
          throw new GraphQLError('this plan reads inventory', { extensions: { code: 'FORBIDDEN' } });
      },
    });
    try {
      const inventory = services.inventory as InProcessSubgraph;
      const sentBefore = inventory.sent.length;
      const { once, apollo } = await refusing.run('{ product(upc: "1") { name ... on Book { inStock } } }');
      expectSameAnswer(once.result, apollo.result, 'refused plan');
      expect(once.result.errors?.[0]).toMatchObject({ message: 'this plan reads inventory', extensions: { code: 'FORBIDDEN' } });
      expect(inventory.sent.length).toBe(sentBefore);
      const allowed = await refusing.run('{ product(upc: "1") { name } }');
      expect(allowed.once.result.data).toEqual({ product: { name: 'Table of Contents' } });
    } finally {
      await refusing.stop();
    }
  });

  it('fails alike when a subgraph answers in a shape its schema rules out (an object where a list belongs)', async () => {
    const accounts = services.accounts as InProcessSubgraph;
    const lying: GraphQLDataSource = {
      async process(options) {
        const response = await accounts.process(options);
        const data = response.data as { users?: unknown[] } | undefined;
        return data?.users ? { ...response, data: { ...data, users: data.users[0] } } : response;
      },
    };
    const broken = await startDifferential({ supergraphSdl, services: { ...services, accounts: lying }, context: () => ({}) });
    try {
      const { once, apollo } = await broken.run('{ users { id username } }');
      expectSameAnswer(once.result, apollo.result, 'object for a list');
      expect(once.result.data ?? null).toBeNull();
      expect(once.result.errors?.[0]?.message).toBe('Invalid non-list value [object Object] returned by subgraph for list type [User!]');
    } finally {
      await broken.stop();
    }
  });

  it("leaves introspection to Apollo's executor, counted, with the same answer", async () => {
    const before = differential.stats().fallbacks.introspection ?? 0;
    const { once, apollo } = await differential.run('{ __schema { queryType { name } } __type(name: "Book") { fields { name } } me { id } }');
    expectSameAnswer(once.result, apollo.result, 'introspection');
    expect(once.result.data?.__schema).toEqual({ queryType: { name: 'Query' } });
    expect(differential.stats().fallbacks.introspection).toBe(before + 1);
  });

  it(`answers alike for ${DIFFERENTIAL_RUNS} random operations (seed ${DIFFERENTIAL_SEED})`, async () => {
    const space = { schema: apiSchema, arguments: shopArguments, maxDepth: 5 };
    const servedBefore = differential.stats().served;
    await fc.assert(
      fc.asyncProperty(operations(space), async ({ query, variables }) => {
        const { once, apollo } = await differential.run(query, variables);
        expectSameAnswer(once.result, apollo.result, query);
      }),
      { seed: DIFFERENTIAL_SEED, numRuns: DIFFERENTIAL_RUNS },
    );
    expect(Object.keys(differential.stats().fallbacks)).toEqual(['introspection']);
    // Operations both gateways refuse (two fields under one alias, say) never reach an executor; most must.
    expect(differential.stats().served - servedBefore).toBeGreaterThan(DIFFERENTIAL_RUNS * 0.8);
  }, 600_000);
});
