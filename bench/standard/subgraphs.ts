import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { GATEWAYS_BENCHMARK_FILES } from './files';

/**
 * The four subgraphs of the public gateways benchmark (gateways-benchmark/ beside this file), behaving exactly as its
 * README says, on one HTTP server (BENCH_SUBGRAPHS_PORT, default 4200): /accounts, /inventory, /products, /reviews.
 * Parsed and validated operations are cached, so the subgraphs stay cheaper than any gateway in front of them.
 */
const DATA_DIR = process.env.GATEWAYS_BENCHMARK_DIR ?? GATEWAYS_BENCHMARK_FILES;
const data = JSON.parse(readFileSync(`${DATA_DIR}/data.json`, 'utf8')) as {
  accounts: { users: Array<{ id: string; name: string; username: string; birthday: number }> };
  products: { products: Array<{ upc: string; name: string; price: number | null; weight: number | null }> };
  inventory: { products: Array<{ upc: string; inStock: boolean }> };
  reviews: { reviews: Array<{ id: string; body: string; productUpc: string }> };
};

const federation = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", "@requires", "@provides"])';
const reviewById = new Map(data.reviews.reviews.map((review) => [review.id, review]));
const firstReviews = [reviewById.get('1'), reviewById.get('2')];

const schemas: Record<string, GraphQLSchema> = {
  accounts: buildSubgraphSchema([
    {
      typeDefs: parse(`${federation}
        type Query { me: User  user(id: ID!): User  users: [User] }
        type User @key(fields: "id") { id: ID!  name: String  username: String  birthday: Int }`),
      resolvers: {
        Query: {
          me: () => data.accounts.users[0],
          user: (_: unknown, { id }: { id: string }) => data.accounts.users.find((user) => user.id === id),
          users: () => data.accounts.users,
        },
        User: { __resolveReference: ({ id }: { id: string }) => data.accounts.users.find((user) => user.id === id) },
      },
    },
  ]),
  products: buildSubgraphSchema([
    {
      typeDefs: parse(`${federation}
        type Query { topProducts(first: Int = 5): [Product] }
        type Product @key(fields: "upc") { upc: String!  name: String  price: Int  weight: Int }`),
      resolvers: {
        Query: { topProducts: (_: unknown, { first }: { first: number }) => data.products.products.slice(0, first) },
        Product: { __resolveReference: ({ upc }: { upc: string }) => data.products.products.find((product) => product.upc === upc) },
      },
    },
  ]),
  inventory: buildSubgraphSchema([
    {
      typeDefs: parse(`${federation}
        type Product @key(fields: "upc") {
          upc: String!  weight: Int @external  price: Int @external  inStock: Boolean
          shippingEstimate: Int @requires(fields: "price weight")
        }`),
      resolvers: {
        Product: {
          __resolveReference: (reference: { upc: string; price?: number | null; weight?: number | null }) => ({
            ...reference,
            inStock: data.inventory.products.find((product) => product.upc === reference.upc)?.inStock,
          }),
          shippingEstimate: ({ price, weight }: { price?: number | null; weight?: number | null }) => {
            if (price == null) return null;
            if (price > 1000) return 0;
            return weight == null ? null : Math.floor(weight / 2);
          },
        },
      },
    },
  ]),
  reviews: buildSubgraphSchema([
    {
      typeDefs: parse(`${federation}
        type Review @key(fields: "id") { id: ID!  body: String  product: Product  author: User @provides(fields: "username") }
        type User @key(fields: "id") { id: ID!  username: String @external  reviews: [Review] }
        type Product @key(fields: "upc") { upc: String!  reviews: [Review] }`),
      resolvers: {
        Review: {
          __resolveReference: ({ id }: { id: string }) => reviewById.get(id),
          product: (review: { productUpc: string }) => ({ upc: review.productUpc }),
          author: () => ({ id: '1', username: 'urigo', reviews: firstReviews }),
        },
        User: {
          __resolveReference: ({ id }: { id: string }) => ({ id, username: 'user', reviews: firstReviews }),
        },
        Product: {
          __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
          reviews: ({ upc }: { upc: string }) => data.reviews.reviews.filter((review) => review.productUpc === upc),
        },
      },
    },
  ]),
};

const documents = new Map<string, DocumentNode>();
function documentFor(name: string, schema: GraphQLSchema, query: string): DocumentNode {
  const key = `${name}\n${query}`;
  let document = documents.get(key);
  if (!document) {
    document = parse(query);
    const [invalid] = validate(schema, document);
    if (invalid) throw invalid;
    if (documents.size > 10_000) documents.clear();
    documents.set(key, document);
  }
  return document;
}

const server = createServer((request, response) => {
  const name = request.url?.slice(1).split('?')[0] ?? '';
  if (name === 'health') return void response.end('ok');
  const schema = schemas[name];
  if (!schema) {
    response.statusCode = 404;
    return void response.end();
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the handler catches what it awaits; the rest cannot throw
  request.on('end', async () => {
    let body: string;
    try {
      const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString()) as {
        query: string;
        variables?: Record<string, unknown>;
        operationName?: string;
      };
      body = JSON.stringify(
        await execute({ schema, document: documentFor(name, schema, query), variableValues: variables ?? {}, operationName: operationName ?? null }),
      );
    } catch (error) {
      body = JSON.stringify({ errors: [{ message: (error as Error).message }] });
    }
    response.setHeader('content-type', 'application/json');
    response.end(body);
  });
});

server.listen(Number(process.env.BENCH_SUBGRAPHS_PORT ?? 4200), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ ready: { port: (server.address() as AddressInfo).port } })}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
