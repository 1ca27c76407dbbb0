import type { QueryPlan, QueryPlanSelectionNode } from '@apollo/query-planner';
import { OperationTypeNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { entityKeys, planFields, PlanFieldsCache, deniedPlanCoordinates, type Principal } from '../../gateway';
import { compose } from '../../subgraphs/registry';
import { builtInSubgraphs } from '../../subgraphs';

const { supergraphSdl, apiSchema } = compose(builtInSubgraphs.map(({ name, typeDefs }) => ({ name, typeDefs, url: `http://127.0.0.1/${name}` })));
const builtInKeys = entityKeys(supergraphSdl);
/** An agency subgraph that extends the entities with the keys they have in the built-ins. */
const keys = new Map([
  ...builtInKeys,
  [
    'agency',
    new Map([
      ['Citizen', new Set(['personalId'])],
      ['Household', new Set(['householdId'])],
    ]),
  ],
]);

const fetch = (serviceName: string, requires: QueryPlanSelectionNode[]) => ({
  kind: 'Fetch' as const,
  serviceName,
  requires,
  operation: '{ _entities { __typename } }',
  operationName: undefined,
  operationKind: OperationTypeNode.QUERY,
});
const field = (name: string, selections?: QueryPlanSelectionNode[]): QueryPlanSelectionNode => ({ kind: 'Field', name, ...(selections ? { selections } : {}) });

/**
 * A hand-made plan with the shapes the planner produces: the named citizen sent to a subgraph with a field beyond its
 * key; under a condition, their household sent with a nested selection that reaches other people; an unknown field.
 */
const plan: QueryPlan = {
  kind: 'QueryPlan',
  node: {
    kind: 'Sequence',
    nodes: [
      {
        kind: 'Flatten',
        path: ['citizen'],
        node: fetch('agency', [
          { kind: 'InlineFragment', typeCondition: 'Citizen', selections: [field('__typename'), field('personalId'), field('dateOfBirth')] },
        ]),
      },
      {
        kind: 'Condition',
        condition: 'withHousehold',
        ifClause: {
          kind: 'Flatten',
          path: ['citizen', 'household'],
          node: fetch('agency', [
            {
              kind: 'InlineFragment',
              typeCondition: 'Household',
              selections: [
                field('__typename'),
                field('householdId'),
                field('members', [field('citizen', [field('personalId'), field('phone')])]),
                field('secretScore', [field('x')]),
              ],
            },
          ]),
        },
      },
    ],
  },
};

const citizen: Principal = { kind: 'citizen', personalId: '001090123456' };

describe('what a query plan sends to subgraphs', () => {
  it("reads each subgraph's entity keys from the supergraph", () => {
    expect([...(builtInKeys.get('residence')?.get('Citizen') ?? [])]).toEqual(['personalId']);
    expect([...(builtInKeys.get('residence')?.get('Household') ?? [])]).toEqual(['householdId']);
    expect(builtInKeys.get('population')?.has('Household')).toBe(false);
  });

  it('lists required fields beyond the keys, through conditions and nested selections, typed over the API schema', () => {
    const fields = planFields(plan, apiSchema, keys);
    expect(fields.required.map((required) => [required.coordinate, required.ofRootEntity])).toEqual([
      ['Citizen.dateOfBirth', true],
      ['Citizen.personalId', false],
      ['Citizen.phone', false],
      ['Household.members', false],
      ['Household.secretScore', false],
      ['Household.secretScore.x', false],
      ['HouseholdMember.citizen', false],
    ]);
    expect(fields.sent).toEqual([
      'agency:Citizen.dateOfBirth',
      'agency:Citizen.personalId',
      'agency:Citizen.phone',
      'agency:Household.householdId',
      'agency:Household.members',
      'agency:Household.secretScore',
      'agency:Household.secretScore.x',
      'agency:HouseholdMember.citizen',
    ]);
  });

  it("lets a client have sent only what it was granted, and a citizen only their own record and others' ID and name", () => {
    const fields = planFields(plan, apiSchema, keys);
    const client: Principal = {
      kind: 'client',
      client: { clientId: 'c', name: 'C', role: 'PORTAL', mayIntrospect: false, trustedDocumentsOnly: false, rateLimitPerMinute: null, disabled: false },
    };
    expect(
      deniedPlanCoordinates(client, fields, new Set(['Citizen.dateOfBirth', 'Citizen.personalId', 'Household.members', 'HouseholdMember.citizen'])),
    ).toEqual(['Citizen.phone', 'Household.secretScore', 'Household.secretScore.x']);
    expect(deniedPlanCoordinates(citizen, fields, new Set())).toEqual(['Citizen.phone']);
  });

  it('takes a key only the receiving subgraph declares for a field like any other', () => {
    const madeUp = new Map([...keys, ['siphon', new Map([['Citizen', new Set(['phone'])]])]]);
    const phoneAsKey: QueryPlan = {
      kind: 'QueryPlan',
      node: {
        kind: 'Flatten',
        path: ['citizen'],
        node: fetch('siphon', [{ kind: 'InlineFragment', typeCondition: 'Citizen', selections: [field('__typename'), field('phone')] }]),
      },
    };
    expect(planFields(phoneAsKey, apiSchema, madeUp).required.map((required) => required.coordinate)).toEqual(['Citizen.phone']);
  });

  it("computes a plan's fields once, and refuses a plan over a supergraph it never saw", () => {
    const cache = new PlanFieldsCache();
    expect(() => cache.of(apiSchema, plan)).toThrow('A query plan over a supergraph whose entity keys were never read');
    cache.learn(apiSchema, supergraphSdl);
    expect(cache.of(apiSchema, plan)).toBe(cache.of(apiSchema, plan));
  });
});
