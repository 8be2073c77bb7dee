// The layering of docs/ARCHITECTURE.md, enforced by `npm run lint` (depcruise src).
// Lower rooms never import higher ones; no import cycles between files or between folders.
//
//   base      units, errors, stats, random (src/*.ts)
//   core      onnx < network < features < dataset < models < predict, evaluate < report  (pure: no fs, no processes)
//   edge      host (cgroups, swap, page cache) < executor (worker, runs, weights) < machine (fingerprint, doctor);
//             the file readers beside their codecs: dataset/files.ts, network/load.ts, predict/model-bundle.ts, predict/user-files.ts
//   profile   the profiling orchestrator (plan, loop, session)
//   api       api.ts, api-tools.ts, api-calibrate.ts, verify.ts, index.ts (the library)
//   cli       src/cli/ (commands speak to the library API only)

const BASE = '^src/(units|errors|stats|random)[.]ts$';
const READERS = '^src/(dataset/files|network/load|predict/model-bundle|predict/user-files)[.]ts$';
const CORE_FOLDERS = ['onnx', 'network', 'features', 'dataset', 'models', 'predict', 'evaluate', 'report'];
const CORE = `^src/(${CORE_FOLDERS.join('|')})/`;
const EDGE_AND_UP = '^src/(host|executor|machine|profile|cli)/|^src/(api|api-tools|api-calibrate|verify|index)[.]ts$';
const API = '^src/(api|api-tools|api-calibrate|verify|index)[.]ts$';

/** Rank of each core folder: a core folder imports only core folders of lower rank. */
const CORE_RANK = { onnx: 1, network: 2, features: 3, dataset: 4, models: 5, predict: 6, evaluate: 6, report: 7 };

/** What any CLI file may import from src/: the library API, the CLI's own helpers, errors and units. */
const CLI_ALLOWED = '^src/(api|api-tools|api-calibrate|index|errors|units)[.]ts$|^src/cli/';


const coreOrder = Object.entries(CORE_RANK).map(([folder, rank]) => {
  const higher = Object.entries(CORE_RANK).filter(([f, r]) => r >= rank && f !== folder).map(([f]) => f);
  return {
    name: `core-order-${folder}`,
    comment: `core folder ${folder}/ may import only core folders below it (${Object.keys(CORE_RANK).filter((f) => CORE_RANK[f] < rank).join(', ') || 'none'}) and base`,
    severity: 'error',
    from: { path: `^src/${folder}/` },
    to: { path: `^src/(${higher.join('|')})/` },
  };
}).filter((r) => !r.to.path.includes('()'));

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'no import cycle between files', severity: 'error', from: {}, to: { circular: true } },
    { name: 'no-folder-cycle', comment: 'no import cycle between folders', severity: 'error', scope: 'folder', from: { path: '^src' }, to: { circular: true } },
    { name: 'base-is-base', comment: 'units, errors, stats and random import only each other', severity: 'error', from: { path: BASE }, to: { path: '^src/', pathNot: BASE } },
    {
      name: 'core-is-pure',
      comment: 'the pure core (and base) imports no edge room, no file reader, no orchestrator, API or CLI',
      severity: 'error',
      from: { path: [CORE, BASE], pathNot: READERS },
      to: { path: [EDGE_AND_UP, READERS] },
    },
    {
      name: 'core-no-io',
      comment: 'the pure core (and base) touches no files, processes or machine facts (file readers are edge)',
      severity: 'error',
      from: { path: [CORE, BASE], pathNot: READERS },
      to: { dependencyTypes: ['core'], path: '^(fs|fs/promises|child_process|os|worker_threads|cluster)$' },
    },
    ...coreOrder,
    { name: 'host-is-lowest-edge', comment: 'host/ (cgroups, swap, page cache) imports only base and core', severity: 'error', from: { path: '^src/host/' }, to: { path: [EDGE_AND_UP, READERS], pathNot: '^src/host/' } },
    { name: 'executor-below-machine', comment: 'executor/ imports base, core and host/ only', severity: 'error', from: { path: '^src/executor/' }, to: { path: [EDGE_AND_UP, READERS], pathNot: '^src/(host|executor)/' } },
    { name: 'readers-are-edge', comment: 'file readers import base, core and host/ only', severity: 'error', from: { path: READERS }, to: { path: EDGE_AND_UP, pathNot: '^src/host/' } },
    { name: 'machine-below-profile', comment: 'machine/ (fingerprint, doctor) imports no orchestrator, API or CLI', severity: 'error', from: { path: '^src/machine/' }, to: { path: `^src/(profile|cli)/|${API}` } },
    { name: 'profile-below-api', comment: 'profile/ imports no API or CLI', severity: 'error', from: { path: '^src/profile/' }, to: { path: `^src/cli/|${API}` } },
    { name: 'api-below-cli', comment: 'the library never imports the CLI', severity: 'error', from: { path: API }, to: { path: '^src/cli/' } },
    {
      name: 'cli-uses-the-api',
      comment: 'CLI files import the library API (src/api.ts, src/api-tools.ts, src/api-calibrate.ts, src/index.ts), CLI helpers, errors and units only',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/', pathNot: CLI_ALLOWED },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
