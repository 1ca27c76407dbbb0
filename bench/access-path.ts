import { createHash } from 'node:crypto';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { builtInSubgraphs } from '../subgraphs';
import { compose } from '../subgraphs/registry';
import {
  operationFields,
  OperationShapes,
  withVariables,
  type OperationFields,
  deniedCoordinates,
  subjectsInArguments,
  reachableCoordinates,
  type Principal,
} from '../gateway';
import { PORTAL_MIX, PORTAL_ROOTS } from './portal-mix';

/**
 * The gateway's per-request policy work on the portal mix, in this process, without HTTP or subgraphs: the
 * operation walk redone for every request against the walk cached per operation (variables applied to the root
 * fields only), each followed by the grant check and the subjects. CPU microseconds per request, best of five
 * rounds. `npm run bench:access`.
 */
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 50_000);
const { apiSchema } = compose(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: `http://127.0.0.1/${name}` })));
const grants = new Set(reachableCoordinates(apiSchema, PORTAL_ROOTS));
const portal: Principal = {
  kind: 'client',
  client: { clientId: 'bench', name: 'Bench', role: 'PORTAL', mayIntrospect: false, trustedDocumentsOnly: false, rateLimitPerMinute: null, disabled: false },
};
const operations = PORTAL_MIX.map((query) => {
  const document = parse(query);
  const operation = document.definitions.find((definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION);
  if (!operation) throw new Error('the portal mix holds an operation without a definition');
  return { document, operation, queryHash: createHash('sha256').update(query).digest('hex') };
});
const variables = Array.from({ length: 1_000 }, (_, index) => ({ id: `0010${String(90_000_000 + index).padStart(8, '0')}` }));

function measure(analyse: (index: number) => OperationFields): number {
  let best = Infinity;
  for (let round = 0; round < 5; round += 1) {
    const before = process.cpuUsage();
    for (let index = 0; index < REQUESTS; index += 1) {
      const fields = analyse(index);
      if (deniedCoordinates(portal, fields, grants).length > 0 || subjectsInArguments(fields).length !== 1)
        throw new Error('the portal mix should be allowed and name one citizen');
    }
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / REQUESTS);
  }
  return best;
}

const pick = (index: number) => {
  const operation = operations[index % operations.length];
  const vars = variables[index % variables.length];
  if (!operation || !vars) throw new Error('no operations or variables to measure');
  return { ...operation, vars };
};
const walked = measure((index) => {
  const { document, operation, vars } = pick(index);
  return operationFields(apiSchema, document, operation, vars);
});
const shapes = new OperationShapes();
const cached = measure((index) => {
  const { document, operation, queryHash, vars } = pick(index);
  return withVariables(shapes.of(apiSchema, document, operation, queryHash), vars);
});
process.stdout.write(
  [
    `Policy work per request on the portal mix (${REQUESTS} requests, best of 5 rounds, CPU microseconds)`,
    '| operation walk | µs / request |',
    '|---|---|',
    `| walked for every request | ${walked.toFixed(2)} |`,
    `| walked once per operation and schema, variables applied per request | ${cached.toFixed(2)} |`,
    '',
  ].join('\n'),
);
