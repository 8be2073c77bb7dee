// The layering of docs/ARCHITECTURE.md, enforced by `npm run lint` (depcruise src).
// Lower rooms never import higher ones; no import cycles between files or between folders.
//
//   base      units, errors, stats, random (src/*.ts)
//   core      onnx < network < features < dataset < models < predict, evaluate < report  (pure: no fs, no processes)
//   edge      host (cgroups, swap, page cache) < executor (worker, runs, weights) < machine (fingerprint, doctor);
//             the file readers beside their codecs: dataset/files.ts, network/load.ts, predict/model-bundle.ts, predict/user-files.ts
//   profile   the profiling orchestrator (plan, loop, session)
//   api       api.ts, verify.ts, index.ts (the library)
//   cli       src/cli/ (commands speak to the library API only)

const BASE = '^src/(units|errors|stats|random)[.]ts$';
const READERS = '^src/(dataset/files|network/load|predict/model-bundle|predict/user-files)[.]ts$';
const CORE_FOLDERS = ['onnx', 'network', 'features', 'dataset', 'models', 'predict', 'evaluate', 'report'];
const CORE = `^src/(${CORE_FOLDERS.join('|')})/`;
const EDGE_AND_UP = '^src/(host|executor|machine|profile|cli)/|^src/(api|verify|index)[.]ts$';
const API = '^src/(api|verify|index)[.]ts$';

/** Rank of each core folder: a core folder imports only core folders of lower rank. */
const CORE_RANK = { onnx: 1, network: 2, features: 3, dataset: 4, models: 5, predict: 6, evaluate: 6, report: 7 };

// TODO(issue 13, "one path"): these pure-core files still reach the machine (predict/feasibility.ts:
// thisMachine() reads RAM and free swap; units.ts: checkOutputFile stats paths); move the reading to an
// edge room (thisMachine() into host/ or the API) and delete the exception.
const CORE_IO_EXCEPTIONS = {
  'src/predict/feasibility.ts': ['^src/host/swap[.]ts$', '^os$'],
  'src/units.ts': ['^fs$'],
};

// TODO(issue 13, "one path"): CLI command files that still import library internals instead of the
// library API (src/api.ts / src/index.ts). Each may import only the modules listed here beyond what
// every command may; a new internal import fails lint. Shrink this list as commands move to the API.
const CLI_EXCEPTIONS = {
  'src/cli/commands/curve.ts': ['dataset/files', 'executor/run-network', 'predict/curve', 'predict/feasibility', 'report/charts'],
  'src/cli/commands/describe.ts': ['features/describe', 'network/load', 'network/shapes'],
  'src/cli/commands/doctor.ts': ['host/swap', 'machine/doctor', 'network/load', 'network/shapes'],
  'src/cli/commands/evaluate.ts': ['dataset/files', 'evaluate/harness', 'evaluate/splits', 'models/index', 'models/observations'],
  'src/cli/commands/fit.ts': ['dataset/files', 'models/index', 'models/observations', 'models/summary', 'predict/bundle'],
  'src/cli/commands/hardware.ts': ['machine/hardware', 'predict/user-files'],
  'src/cli/commands/import.ts': ['dataset/edgecaffe', 'dataset/files'],
  'src/cli/commands/model.ts': ['predict/user-files'],
  'src/cli/commands/min-memory.ts': ['predict/feasibility', 'predict/min-memory'],
  'src/cli/commands/predict.ts': ['network/load', 'network/shapes', 'network/types', 'network/zoo/index', 'predict/bundle', 'predict/feasibility', 'predict/model-bundle', 'predict/predict', 'predict/user-files', 'predict/machine'],
  'src/cli/commands/profile.ts': ['profile/session'],
  'src/cli/commands/report.ts': ['dataset/files', 'models/observations', 'predict/curve', 'predict/predict', 'report/report'],
  'src/cli/commands/run.ts': ['executor/run-network', 'executor/run-prepare', 'network/load', 'network/shapes', 'profile/validation'],
  'src/cli/commands/validate.ts': ['dataset/files', 'executor/leftovers', 'executor/run-network', 'machine/hardware', 'network/load', 'network/shapes', 'network/zoo/index', 'profile/validation'],
};
/** What any CLI file may import from src/: the library API, the CLI's own helpers, errors and units. */
const CLI_ALLOWED = '^src/(api|index|errors|units)[.]ts$|^src/cli/';

const esc = (p) => p.replace(/[.]/g, '[.]');
const exact = (files) => `^(${files.map(esc).join('|')})$`;

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
      from: { path: [CORE, BASE], pathNot: [READERS, exact(Object.keys(CORE_IO_EXCEPTIONS))] },
      to: { path: [EDGE_AND_UP, READERS] },
    },
    ...Object.entries(CORE_IO_EXCEPTIONS).map(([file, allowed]) => ({
      name: 'core-is-pure-known-exception',
      comment: `${file}: known exception (TODO in .dependency-cruiser.cjs); may reach only ${allowed.join(', ')}`,
      severity: 'error',
      from: { path: exact([file]) },
      to: { path: [EDGE_AND_UP, READERS], pathNot: allowed },
    })),
    {
      name: 'core-no-io',
      comment: 'the pure core (and base) touches no files, processes or machine facts (file readers are edge)',
      severity: 'error',
      from: { path: [CORE, BASE], pathNot: [READERS, exact(Object.keys(CORE_IO_EXCEPTIONS))] },
      to: { dependencyTypes: ['core'], path: '^(fs|fs/promises|child_process|os|worker_threads|cluster)$' },
    },
    ...Object.entries(CORE_IO_EXCEPTIONS).map(([file, allowed]) => ({
      name: 'core-no-io-known-exception',
      comment: `${file}: known exception (TODO in .dependency-cruiser.cjs)`,
      severity: 'error',
      from: { path: exact([file]) },
      to: { dependencyTypes: ['core'], path: '^(fs|fs/promises|child_process|os|worker_threads|cluster)$', pathNot: allowed },
    })),
    ...coreOrder,
    { name: 'host-is-lowest-edge', comment: 'host/ (cgroups, swap, page cache) imports only base and core', severity: 'error', from: { path: '^src/host/' }, to: { path: [EDGE_AND_UP, READERS], pathNot: '^src/host/' } },
    { name: 'executor-below-machine', comment: 'executor/ imports base, core and host/ only', severity: 'error', from: { path: '^src/executor/' }, to: { path: [EDGE_AND_UP, READERS], pathNot: '^src/(host|executor)/' } },
    { name: 'readers-are-edge', comment: 'file readers import base, core and host/ only', severity: 'error', from: { path: READERS }, to: { path: EDGE_AND_UP, pathNot: '^src/host/' } },
    { name: 'machine-below-profile', comment: 'machine/ (fingerprint, doctor) imports no orchestrator, API or CLI', severity: 'error', from: { path: '^src/machine/' }, to: { path: `^src/(profile|cli)/|${API}` } },
    { name: 'profile-below-api', comment: 'profile/ imports no API or CLI', severity: 'error', from: { path: '^src/profile/' }, to: { path: `^src/cli/|${API}` } },
    { name: 'api-below-cli', comment: 'the library never imports the CLI', severity: 'error', from: { path: API }, to: { path: '^src/cli/' } },
    {
      name: 'cli-uses-the-api',
      comment: 'CLI files import the library API (src/api.ts, src/index.ts), CLI helpers, errors and units only',
      severity: 'error',
      from: { path: '^src/cli/', pathNot: exact(Object.keys(CLI_EXCEPTIONS)) },
      to: { path: '^src/', pathNot: CLI_ALLOWED },
    },
    ...Object.entries(CLI_EXCEPTIONS).map(([file, allowed]) => ({
      name: 'cli-uses-the-api-known-exception',
      comment: `${file}: known exception (TODO in .dependency-cruiser.cjs); beyond the API it may import only ${allowed.join(', ')}`,
      severity: 'error',
      from: { path: exact([file]) },
      to: { path: '^src/', pathNot: [CLI_ALLOWED, exact(allowed.map((m) => `src/${m}.ts`))] },
    })),
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};
