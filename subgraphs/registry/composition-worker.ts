import { parentPort } from 'node:worker_threads';
import { errorCauses, Supergraph } from '@apollo/federation-internals';
import { diff } from '@graphql-inspector/core';
import { GraphQLError, parse, Source, type DocumentNode } from 'graphql';
import { compose, CompositionError, describeLocations } from './compose';
import { dataFlows } from './flows';
import { definedFields, type CompositionJob, type CompositionOutcome, type CompositionProblem, type SubgraphEntry } from './composition-job';

/**
 * Parses, composes, loads as the gateways do, diffs and analyses proposed sets of subgraphs off the thread that
 * serves requests: the SDL is the agency's, and a hostile one can take seconds or overflow the stack. Answers each
 * CompositionJob it is sent with one CompositionOutcome (or `{ failed }`), one job at a time.
 */
function parseSdl(entry: SubgraphEntry): DocumentNode {
  return parse(new Source(entry.sdl, `${entry.name}/schema.graphql`));
}

function problemsOf(error: unknown): CompositionProblem[] {
  if (error instanceof CompositionError)
    return error.errors.map((problem) => ({
      code: typeof problem.extensions.code === 'string' ? problem.extensions.code : 'COMPOSITION_ERROR',
      message: problem.message,
      locations: describeLocations(problem),
    }));
  if (error instanceof GraphQLError) return [{ code: 'INVALID_GRAPHQL', message: error.message, locations: describeLocations(error) }];
  if (error instanceof RangeError) return [{ code: 'SDL_TOO_DEEP', message: 'The SDL nests deeper than the registry analyses', locations: [] }];
  throw error;
}

/**
 * Why @apollo/gateway would refuse to load `supergraphSdl`, if it would: every replica's health check builds it first
 * with `Supergraph.build(sdl)` (the default options: only the features the gateway supports, validated), and refuses
 * a version it throws on, e.g. one using `@authenticated`, `@requiresScopes`, `@policy` or `@context`, which compose.
 * The supergraph's own locations mean nothing to the agency, so none are given.
 */
function gatewayProblems(supergraphSdl: string): CompositionProblem[] {
  try {
    Supergraph.build(supergraphSdl);
    return [];
  } catch (error) {
    const causes = error instanceof Error ? errorCauses(error) : undefined;
    if (!causes) throw error;
    return causes.map((cause) => ({
      code: typeof cause.extensions.code === 'string' ? cause.extensions.code : 'INVALID_SUPERGRAPH',
      message: `the gateways would refuse the composed supergraph: ${cause.message}`,
      locations: [],
    }));
  }
}

async function run(job: CompositionJob): Promise<CompositionOutcome> {
  const outcome: CompositionOutcome = { supergraphSdl: null, problems: [], changes: [], flows: [], candidateFields: [] };
  let documents: Map<string, DocumentNode>;
  try {
    documents = new Map(job.proposed.map((entry) => [entry.name, parseSdl(entry)]));
  } catch (error) {
    return { ...outcome, problems: problemsOf(error) };
  }
  const owned = job.proposed.map((entry) => ({
    name: entry.name,
    owner: job.owners[entry.name] ?? 'unknown',
    document: documents.get(entry.name) as DocumentNode,
  }));
  try {
    for (const subgraph of owned.filter((candidate) => job.analyse.includes(candidate.name))) {
      outcome.flows.push(...dataFlows(subgraph, owned).map((flow) => ({ subgraph: subgraph.name, ...flow })));
    }
    const candidate = job.candidate ? documents.get(job.candidate) : undefined;
    if (candidate) outcome.candidateFields = definedFields(candidate);
    if (!job.compose) return outcome;
    const { supergraphSdl, apiSchema } = compose(
      owned.map(({ name, document }) => ({ name, url: job.proposed.find((entry) => entry.name === name)?.url ?? '', typeDefs: document })),
    );
    const refusals = gatewayProblems(supergraphSdl);
    if (refusals.length > 0) return { ...outcome, problems: refusals };
    outcome.supergraphSdl = supergraphSdl;
    if (job.liveSupergraphSdl) {
      const before = Supergraph.build(job.liveSupergraphSdl).apiSchema().toGraphQLJSSchema();
      outcome.changes = (await diff(before, apiSchema)).map((change) => ({
        level: change.criticality.level,
        type: change.type as string,
        message: change.message,
        path: change.path ?? null,
      }));
    }
    return outcome;
  } catch (error) {
    return { ...outcome, supergraphSdl: null, changes: [], problems: problemsOf(error) };
  }
}

parentPort?.on('message', (job: CompositionJob) => {
  run(job).then(
    (outcome) => parentPort?.postMessage(outcome),
    (error: unknown) => parentPort?.postMessage({ failed: error instanceof Error ? error.message : String(error) }),
  );
});
parentPort?.postMessage({ ready: true });
