/**
 * memlat's typed library entry. Everything here is also what the CLI uses.
 *
 * - Network format: types, validateNetwork (zod), resolveNetwork (shape inference), loadNetwork
 *   (zoo name or .json/.onnx/.prototxt path), importers and the zoo.
 * - Features: layerStats, networkStats, swapBytes, layerFeatureVector/FEATURE_NAMES.
 * - describe: the `memlat describe --json` document and table.
 * - Units and errors: parseBytes & co., UserError.
 *
 * - The high-level API (src/api.ts, src/api-tools.ts): describe, predict, curve, minMemory, verifyMinMemory,
 *   report, fit/fitDocument, run, profile, importCsv; doctor, hardware, whichModel, importEdgecaffe, evaluate,
 *   validateRuns, calibrate (src/api-calibrate.ts), ... — every CLI command as a function taking a network name/path/object and human sizes
 *   and returning what its --json prints. Errors about arguments name them (UserError.render).
 * - Models, datasets and the runtime building blocks for those who compose their own pipeline.
 *
 * Importing this module does not load onnxruntime (the runtime's session code is separate).
 */
export {
  describe,
  describeWithTable,
  predict,
  curve,
  minMemory,
  verifyMinMemory,
  report,
  fit,
  fitDocument,
  run,
  profile,
  importCsv,
  type NetworkArg,
  type NetworkOptions,
  type LoadOptions,
  type PredictionOrigin,
  type UsedModel,
  type ImportCsvOptions,
  type CurveArgs,
  type MeasuredPoint,
  type DataArg,
  type FitArgs,
  type FitResult,
  type RunArgs,
} from './api.js';
export {
  doctor,
  setupSwap,
  removeSwap,
  hardware,
  installModel as installUserModel,
  whichModel,
  importEdgecaffe,
  exportParquet,
  evaluate,
  evaluationText,
  validateRuns,
  datasetHardwarePath,
  checkOutputFile,
  checkOutputDir,
  type HardwareResult,
  type EdgecaffeImport,
  type EvaluateArgs,
  type ValidateRunsArgs,
  type ValidateRunsResult,
  type ValidationEntry,
} from './api-tools.js';
export {
  calibrate,
  DEFAULT_CALIBRATE_BUDGET_MS,
  type CalibrateArgs,
  type CalibrateResult,
  type CalibrateProgress,
  type CalibrateStepInfo,
  type CalibrateCheck,
} from './api-calibrate.js';
export {
  compareHardware,
  checkMachine,
  machineStderr,
  fingerprintPartsUsed,
  RATE_TOLERANCE,
  RAM_TOLERANCE,
  IDLE_TOLERANCE_BYTES,
  type HardwareDifference,
  type MachineCheck,
  type MachineTarget,
  type MachinePart,
} from './predict/machine.js';
export {
  chooseModel,
  readChosenModel,
  installModel,
  userModelPath,
  hardwareCachePath,
  readCachedFingerprint,
  writeCachedFingerprint,
  thisMachine,
  predictionMachine,
  type ModelChoice,
  type ModelSource,
} from './predict/user-files.js';
export type { MinMemoryVerification, VerifiedRun } from './verify.js';
export { fitModel, loadModel, MODEL_KINDS, DEFAULT_MODEL_KIND, type ModelKind } from './models/index.js';
export type { Model, LayerInput, TimePrediction } from './models/types.js';
export { readDataset } from './dataset/files.js';
export { runNetwork, type RunResult } from './executor/run-network.js';
export { profileSession, type ProfileSessionOptions, type ProfileSessionHooks } from './profile/session.js';
export { measureHardware } from './machine/hardware.js';
export { evaluateModels, type EvaluationResult } from './evaluate/harness.js';
export type * from './network/types.js';
export type { HardwareFingerprint, MeasurementRow } from './dataset/schema.js';
export { UserError, isUserError, argumentError, type ArgName } from './errors.js';
export { parseBytes, parseMemoryLimit, parseDurationMs, formatBytes, numElements } from './units.js';
export { resolveNetwork, resolveLayerOutput, withBatch, broadcastShapes, type ResolveOptions } from './network/shapes.js';
export { formatShape, ShapeError } from './network/hyperparams.js';
export { LAYER_TYPES, ACTIVATION_FNS } from './network/lists.js';
export { validateNetwork, networkJsonSchema, networkSchema } from './network/validate.js';
export { describeNetwork, describeTable, describeJsonText, formatCount, type DescribeJson, type DescribeLayer } from './features/describe.js';
export {
  layerStats,
  networkStats,
  swapBytes,
  layerFeatureVector,
  FEATURE_NAMES,
  ACTIVATION_FLOPS,
  FP32_BYTES,
  type LayerStatsOptions,
  type NetworkStats,
} from './features/layer.js';
export { loadNetwork, looksLikeCaffe, type LoadNetworkOptions, type LoadedNetwork } from './network/load.js';
export { zooNames, zooNetwork, isZooName, type ZooOptions } from './network/zoo/index.js';
export { importOnnx, type OnnxImportOptions } from './network/import/onnx.js';
export { importCaffe, type CaffeImportOptions, type ImportResult } from './network/import/caffe.js';
export {
  loadBundle,
  makeBundle,
  calibrateNetworkTotals,
  BUNDLE_FORMAT,
  type ModelBundle,
  type LoadedBundle,
  type NetworkCalibration,
  type LoadBundleOptions,
} from './predict/bundle.js';
export { predictNetwork, prepareNetwork, type NetworkPrediction, type LayerPrediction, type Bottleneck, type PreparedNetwork } from './predict/predict.js';
export { latencyCurve, type LatencyCurve, type CurvePoint, type CurveOptions } from './predict/curve.js';
export { minMemory as minMemoryOfResolved, type MinMemoryResult, type MinMemoryOptions } from './predict/min-memory.js';
export { readModelBundle, resolveModelPath, bundledModelNames } from './predict/model-bundle.js';
export { reportHtml, evaluateOnObservations, type ReportInput, type ModelEvaluation } from './report/report.js';
export { scatterSvg, lineChartSvg, stackedBarsSvg } from './report/svg.js';
