import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import fc from 'fast-check';
import { Kind, parse, print, validate, visit, type DocumentNode, type FieldNode, type SelectionNode, type SelectionSetNode } from 'graphql';
import { median, PLANNERS, timed } from '../../bench';
import { shopArguments, shopSupergraph } from './fixtures/shop';
import { operations } from './operations';

/**
 * Apollo's query planner beside Hive Router's on the random operations of the differential tests (their generator,
 * seed 13), over the shop fixture and Once's supergraph: per planner, the valid operations it refuses (throws on), the
 * median time of a first plan on a warm planner, and the subgraph requests of all its plans (a Fetch, or one of Hive's
 * BatchFetch nodes, is a request). For the operations both plan, whether the plans fetch the same fields from the same
 * subgraphs (operation names, aliases, fragments and `__typename` aside), and when not, whether Apollo's plan of the
 * operation without the selections that literal conditions skip would (Hive's planner drops them; Apollo's sends them);
 * the operations where it would not are printed with the fields only one plan fetches. `npm run bench:planner-compare`;
 * BENCH_OPERATIONS (default 500) per supergraph.
 */
const COUNT = Number(process.env.BENCH_OPERATIONS ?? 500);
const SEED = 13;

const onceArguments = {
  'Query.citizen': '(personalId: "001099000001")',
  'Query.citizens': '(personalIds: ["001099000001", "001099000002"])',
  'Query.household': '(householdId: "HH-1")',
  'Query.residenceConfirmation': '(personalId: "001099000001")',
  'Query.procedureRecord': '(dossierCode: "D-1")',
  'Citizen.documentCheck': '(required: [BIRTH_CERTIFICATE, RESIDENCE_CONFIRMATION])',
  'Mutation.reportAccess': '(recordSeq: 1, reason: "not me")',
  'Mutation.registerSubgraph': '(name: "planned")',
};
const supergraphs = [
  { name: 'shop fixture', sdl: shopSupergraph.supergraphSdl, arguments: shopArguments },
  {
    name: 'Once',
    sdl: readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'),
    arguments: Object.fromEntries(Object.entries(onceArguments).map(([coordinate, text]) => [coordinate, fc.constant(text)])),
  },
];

interface Fetch {
  serviceName: string;
  operation: string;
}

/** A planner's plan of one operation, by its fetches, and how long it took; null where the planner refused (threw). */
type Outcome = { fetches: Fetch[]; ms: number } | null;

/** The fetches of a plan in either format, in every branch (conditions, deferred parts). */
function fetchesOf(node: unknown): Fetch[] {
  if (Array.isArray(node)) return node.flatMap(fetchesOf);
  if (typeof node !== 'object' || node === null) return [];
  const { kind } = node as { kind?: unknown };
  if (kind === 'Fetch' || kind === 'BatchFetch') return [node as Fetch];
  return Object.values(node).flatMap(fetchesOf);
}

/** A selection a literal condition skips: `@skip(if: true)`, `@include(if: false)`. */
function skipped(selection: SelectionNode): boolean {
  return (selection.directives ?? []).some(({ name, arguments: [condition] = [] }) => {
    const value = condition?.value;
    return (name.value === 'skip' || name.value === 'include') && value?.kind === Kind.BOOLEAN && value.value === (name.value === 'skip');
  });
}

/** `service field.path` for every field a document selects, by name, through fragments (not `__typename`, nor what literal conditions skip). */
function fieldsOf(document: DocumentNode, service: string): string[] {
  const fragments = new Map(
    document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION).map((fragment) => [fragment.name.value, fragment]),
  );
  const walk = (selectionSet: SelectionSetNode, path: string): string[] =>
    selectionSet.selections.flatMap((selection) => {
      if (skipped(selection)) return [];
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === '__typename') return [];
        const here = `${path}.${selection.name.value}`;
        return [`${service} ${here}`, ...(selection.selectionSet ? walk(selection.selectionSet, here) : [])];
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      return fragment ? walk(fragment.selectionSet, path) : [];
    });
  return document.definitions.flatMap((definition) => (definition.kind === Kind.OPERATION_DEFINITION ? walk(definition.selectionSet, '') : []));
}

const fetchedFields = (fetches: Fetch[]) => new Set(fetches.flatMap(({ serviceName, operation }) => fieldsOf(parse(operation), serviceName)));
const only = (these: Set<string>, those: Set<string>) => [...these].filter((field) => !those.has(field));

/** A selection of nothing but the type's name: in place of a skipped one, it leaves no selection set empty. */
const TYPENAME: FieldNode = { kind: Kind.FIELD, name: { kind: Kind.NAME, value: '__typename' } };

/** The operation with `__typename` in place of the selections literal conditions skip, as Hive's planner plans it. */
function withoutSkipped(query: string): string {
  const replace = (selection: SelectionNode) => (skipped(selection) ? TYPENAME : undefined);
  return print(visit(parse(query), { Field: replace, InlineFragment: replace, FragmentSpread: replace }));
}

const lines = [
  `Planners on ${COUNT} random operations per supergraph (the differential tests' generator, seed ${SEED}):`,
  '',
  '| supergraph | valid operations | planner | refused | of which ask for nothing once literal conditions apply | first plan, warm planner (ms, median) | subgraph requests, all plans |',
  '|---|---|---|---|---|---|---|',
];
const notes: string[] = [];
for (const { name, sdl, arguments: argumentLists } of supergraphs) {
  const schema = Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
  const drawn = fc.sample(operations({ schema, arguments: argumentLists, maxDepth: 5 }), { seed: SEED, numRuns: COUNT });
  const valid = drawn.map(({ query }) => query).filter((query) => validate(schema, parse(query)).length === 0);
  const built = Object.entries(PLANNERS).map(([plannerName, build]) => ({ plannerName, planner: build(sdl) }));
  const results = built.map(({ plannerName, planner }) => {
    const outcomes = valid.map((query): Outcome => {
      try {
        const [plan, ms] = timed(() => planner.plan(query));
        return { fetches: fetchesOf(plan), ms };
      } catch {
        return null;
      }
    });
    const planned = outcomes.filter((outcome) => outcome !== null);
    const refused = valid.filter((_, index) => outcomes[index] === null);
    const empty = refused.filter((query) => fieldsOf(parse(query), '').length === 0).length;
    const requests = planned.reduce((sum, outcome) => sum + outcome.fetches.length, 0);
    lines.push(
      `| ${name} | ${valid.length} | ${plannerName} | ${refused.length} | ${empty} | ${median(planned.map((outcome) => outcome.ms)).toFixed(2)} | ${requests} |`,
    );
    const [firstOther] = refused.filter((query) => fieldsOf(parse(query), '').length > 0);
    if (firstOther) notes.push(`${name}, ${plannerName} refuses, for one:\n${firstOther}`);
    return outcomes;
  });
  const [apollo, hive] = [results[0] ?? [], results[1] ?? []];
  let both = 0;
  let otherFields = 0;
  let explained = 0;
  let fewer = 0;
  let more = 0;
  for (const [index, ours] of apollo.entries()) {
    const theirs = hive[index];
    const query = valid[index] ?? '';
    if (!ours || !theirs) continue;
    both++;
    if (theirs.fetches.length < ours.fetches.length) fewer++;
    if (theirs.fetches.length > ours.fetches.length) more++;
    const hiveFields = fetchedFields(theirs.fetches);
    if (only(fetchedFields(ours.fetches), hiveFields).length === 0 && only(hiveFields, fetchedFields(ours.fetches)).length === 0) continue;
    otherFields++;
    const apolloFields = fetchedFields(fetchesOf(built[0]?.planner.plan(withoutSkipped(query))));
    const [apolloOnly, hiveOnly] = [only(apolloFields, hiveFields), only(hiveFields, apolloFields)];
    if (apolloOnly.length === 0 && hiveOnly.length === 0) explained++;
    else notes.push(`${name}: only Apollo's plan fetches [${apolloOnly.join(', ')}], only Hive's [${hiveOnly.join(', ')}], for\n${query}`);
  }
  notes.push(
    `${name}: of ${both} operations both plan, ${otherFields} are planned to fetch other fields or from other subgraphs, ${explained} of them only ` +
      `because Apollo's plan fetches what literal conditions skip; Hive's plan sends fewer subgraph requests for ${fewer}, more for ${more}.`,
  );
}
process.stdout.write(`${[...lines, '', ...notes].join('\n')}\n`);
