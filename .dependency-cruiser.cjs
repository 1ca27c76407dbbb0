/**
 * Once's layers, as rules `npm run deps` (and `npm test`) enforces; README "Layout" draws them.
 *
 *   platform/                  infrastructure every process shares; imports nothing of ours
 *   subgraphs/kit/             what only subgraphs share (defineSubgraph, the entity cache, loaders, scalars)
 *   subgraphs/<name>/          one subgraph each: agencies' (population, residence, ...) and the operator's (audit, registry)
 *   gateway/                   the gateway and its CLIs
 *   operations/, deploy/, bench/, examples/, test/   what uses the above
 *
 * A folder's public face is its index.ts: from another folder (another top-level folder, or another folder under
 * subgraphs/) only that is imported; within a folder, relative imports are free. Tests and benchmarks follow the same
 * rule, with no exception.
 */

/** Top-level folders whose code others import, and so which have a face. */
const FACED = '(platform|gateway|operations|deploy|bench)';
/** The subgraphs the operator runs for every deployment; every other folder under subgraphs/ is an agency's, but these. */
const NOT_AGENCIES = '(?:kit|seed|audit|registry)';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle makes two modules one: neither can be understood, tested or moved without the other. Cycles through a ' +
        "subgraph's generated/ resolver types are codegen's by design (its mappers name the repository's rows as parents, " +
        'which name the generated types back), and type-only.',
      from: {},
      to: { circular: true, viaNot: '/generated/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing fails at run time (or in the release build).',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A module nothing imports and that imports nothing is dead code (configuration files, declarations and test files, which vitest runs, aside).',
      from: { orphan: true, pathNot: ['\\.d\\.ts$', '(^|/)\\.[^/]+\\.(c|m)?js$', '^(vitest\\.config|codegen)\\.ts$', '\\.test\\.ts$'] },
      to: {},
    },
    {
      name: 'platform-imports-nothing-of-ours',
      severity: 'error',
      comment: 'platform/ is the bottom layer, shared by every process: nothing gateway- or subgraph-specific may leak into it.',
      from: { path: '^platform/' },
      to: { path: '^(gateway|subgraphs|operations|deploy|bench|test|examples)/' },
    },
    {
      name: 'subgraphs-do-not-import-the-gateway',
      severity: 'error',
      comment:
        'A subgraph runs in its own process, behind any gateway; it knows the gateway only by the headers it signs (and the ' +
        'registry by the type of the health check its process gives it: gateway/registry-server.ts).',
      from: { path: '^subgraphs/' },
      to: { path: '^gateway/' },
    },
    {
      name: 'agencies-do-not-import-each-other',
      severity: 'error',
      comment:
        "An agency's subgraph gets what another agency knows through federation, never through its code. The seed tool " +
        'is not an agency: an agency derives its demo data from the people it generates (social-insurance/server.ts).',
      from: { path: `^subgraphs/(?!${NOT_AGENCIES}/)([^/]+)/` },
      to: { path: '^subgraphs/', pathNot: ['^subgraphs/$1/', '^subgraphs/kit/', '^subgraphs/seed/index\\.ts$'] },
    },
    {
      name: 'only-faces-of-top-level-folders',
      severity: 'error',
      comment:
        "From another top-level folder, import a folder's index.ts only. operations/api-schema.ts is a second entry point: " +
        'the API schema for codegen and tests, kept out of operations/index.ts so that a portal loads none of composition.',
      from: { path: '^([^/]+)' },
      to: {
        path: `^${FACED}/`,
        pathNot: ['^$1/', `^${FACED}/index\\.ts$`, '^operations/api-schema\\.ts$'],
      },
    },
    {
      name: 'only-faces-of-subgraph-folders',
      severity: 'error',
      comment: 'From outside a folder under subgraphs/, import its index.ts only (subgraphs/index.ts lists the built-in ones).',
      from: { path: '^([^/]+/[^/]+)' },
      to: { path: '^subgraphs/[^/]+/', pathNot: ['^$1/', '^subgraphs/[^/]+/index\\.ts$'] },
    },
    {
      name: 'worker-threads-stay-light',
      severity: 'error',
      comment:
        'A worker thread loads its whole module graph each time one starts (plan warm-up, a registry check): it reaches ' +
        'no face, so that starting one loads neither the platform nor the gateway (query-plan-protocol.ts, composition-job.ts).',
      from: { path: '^(gateway/query-plan-worker|subgraphs/registry/composition-worker)\\.ts$' },
      to: { path: ['^(platform|gateway|subgraphs)/index\\.ts$', '^subgraphs/[^/]+/index\\.ts$'], reachable: true },
    },
    {
      name: 'nothing-imports-tests-or-examples',
      severity: 'error',
      comment: 'test/ and examples/ use the code; the code never uses them.',
      from: { path: '^([^/]+)/' },
      to: { path: '^(test|examples)/', pathNot: '^$1/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // test/fixtures/layers/ breaks every rule on purpose (test/unit/boundaries.test.ts cruises it on its own).
    exclude: { path: '(^|/)(node_modules|dist|\\.build)/|^test/fixtures/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // mainFields: some packages are types only (@graphql-typed-document-node/core names its declarations in `typings`).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
