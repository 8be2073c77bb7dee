/**
 * The plan of `memlat calibrate`: a short, hand-chosen, deterministic list of measurements that
 * tells most about how this machine differs from the model's (docs/MODELS.md, "memlat calibrate").
 *
 * Layers come from small zoo networks (CALIBRATION_LAYER_NETWORKS), chosen by rule from their
 * features, not by index, each for one hardware part the machines differ in:
 * - load: the layers with the most weight bytes (AlexNet's dense layers, 16-144 MiB): their load is
 *   reading the weights cold, i.e. disk time; the first is the one closest to 64 MiB;
 * - run: per network, the layer with the most FLOPs (convolutions, a GEMM): cores and GEMM rate;
 * - overhead: the smallest layers of distinct types (a few KiB): per-call overhead;
 * - mixed: mid-sized layers (around 4 MiB) of types not chosen yet (batchnorm, depthwise conv, add);
 * - swap: a load and a run layer at limits just below their working set plus the runtime's idle
 *   footprint, M = idle + f x W with f < 1, where the model is least sure: the swap part is disk
 *   time, and the base model saw it only on its own disk.
 * Then whole-network runs of two other small networks (CALIBRATION_RUN_NETWORKS, never the layer
 * networks, so no (network, layer, limit, rep) key repeats), unlimited. Longer budgets get the tail:
 * more swap cells on the weight-heavy layers, every other distinct layer of the three networks
 * unlimited, two more whole networks, and whole runs at half their largest layer's working set
 * where that limit (at least idle + 8 MiB) still swaps.
 *
 * Order: steps (one worker per step, one memory limit each) go from most to least informative: the
 * first two give a load, a run, a tiny layer and one swap cell, so a short budget still calibrates
 * load, run and the swap part; later steps add more of each, then whole-network runs and the tail.
 * fitCalibrationPlan keeps the steps (and, within a step, the jobs) that fit a time budget, in order,
 * estimating each from a model's predicted times plus fixed overheads (worker start, weight files).
 *
 * Pure and deterministic in its options. Cost: O(layers of the five networks), well under 100 ms.
 */
import { layerStats } from '../features/layer.js';
import { resolveNetwork } from '../network/shapes.js';
import { zooNetwork } from '../network/zoo/index.js';
import type { ResolvedLayer, ResolvedNetwork } from '../network/types.js';
import { FLOOR_ABOVE_IDLE_BYTES, GRID_RATIO, limitLabel, snapLimit, type PlanJob, type ProfilePlan } from './plan.js';

const MiB = 1024 * 1024;

/** Networks whose single layers are measured. */
export const CALIBRATION_LAYER_NETWORKS: readonly string[] = ['alexnet', 'resnet18', 'mobilenetv2'];
/** Networks run whole (layer by layer in one worker, as `memlat run`); disjoint from the layer networks. */
export const CALIBRATION_RUN_NETWORKS: readonly string[] = ['squeezenet1_1', 'mobilenetv3_small', 'squeezenet1_0', 'googlenet'];
/** Unlimited layers per step in the plan's tail. */
export const TAIL_STEP_JOBS = 12;
/** Timed passes per (layer, limit) job (the median of 3 is what the models fit). */
export const CALIBRATION_REPS = 3;
/** Passes of each whole-network run. */
export const CALIBRATION_RUN_PASSES = 2;
/** The row `source` of calibrate's layer measurements (whole-network runs keep validate-runs' "memlat-run"). */
export const CALIBRATION_SOURCE = 'memlat-calibrate';

/**
 * The least budget `memlat calibrate` accepts: the fingerprint (~3-8 s), one worker per step
 * (~1-2 s each) and the first two steps (a load, a run, a tiny layer, one swap cell: ~5-10 s here)
 * with room to fit. Below it nothing useful can be measured.
 */
export const MIN_CALIBRATE_BUDGET_MS = 20_000;

/**
 * Fixed costs of the time estimate (measured on the 2-core reference VM, rounded up): starting a
 * worker (Node + onnxruntime, a memory cgroup), a pass's harness (page-cache eviction, counters),
 * writing a weight file the first time, and a safety factor on the whole (the model predicting the
 * times is the uncalibrated one, off by up to 2x on another machine).
 */
export const ESTIMATE = {
  workerStartMs: 1500,
  passOverheadMs: 40,
  weightWriteBytesPerSec: 200 * MiB,
  safety: 1.3,
};

/** Why a layer is in the plan. */
export type CalibrationRole = 'load' | 'run' | 'overhead' | 'mixed' | 'swap';

/** A layer job of the plan: a PlanJob (runProfile measures it) with its network and role. */
export interface CalibrationJob extends PlanJob {
  /** The zoo network the layer belongs to (also the rows' `network`, as sampleId). */
  network: string;
  /** The layer's index in its network (the rows' layerIndex). */
  layerIndex: number;
  role: CalibrationRole;
  resolved: ResolvedLayer;
}

/** One step: a worker at one memory limit measuring layers, or one whole-network run. */
export type CalibrationStep =
  | { kind: 'layers'; step: number; memoryLimitBytes: number | null; jobs: CalibrationJob[] }
  | { kind: 'network'; step: number; network: string; resolved: ResolvedNetwork; factor: number | null; memoryLimitBytes: number | null; passes: number };

/** The whole ordered plan (fitCalibrationPlan picks what fits a budget). */
export interface CalibrationPlan {
  idleBytes: number;
  threads: number;
  reps: number;
  steps: CalibrationStep[];
}

/** Options of buildCalibrationPlan. */
export interface CalibrationPlanOptions {
  /** Resident bytes of an idle worker (the fingerprint's runtimeIdleBytes). */
  idleBytes: number;
  /** onnxruntime intra-op threads of the workers (the conv workspace, hence the working set, depends on it). */
  threads: number;
  /** Ratio of the limit grid (default GRID_RATIO, as `memlat profile`). */
  gridRatio?: number;
}

interface Candidate {
  network: string;
  rl: ResolvedLayer;
  ws: number;
  weightBytes: number;
  flops: number;
  key: string;
}

/** Identical layer configurations (ResNet's repeated blocks) are measured once. */
function configKey(rl: ResolvedLayer): string {
  const { name: _n, inputs: _i, ...rest } = rl.layer as unknown as Record<string, unknown>;
  return JSON.stringify([rest, rl.inputShapes]);
}

/**
 * The ordered calibration plan for a machine with this idle footprint and thread count. Pure.
 * @example buildCalibrationPlan({ idleBytes: 90 * 2 ** 20, threads: 2 }).steps[0] // the unlimited load/run/overhead step
 */
export function buildCalibrationPlan(opts: CalibrationPlanOptions): CalibrationPlan {
  const ratio = opts.gridRatio ?? GRID_RATIO;
  const floor = opts.idleBytes + FLOOR_ABOVE_IDLE_BYTES;
  const limitAt = (ws: number, f: number): number => snapLimit(opts.idleBytes + f * ws, ratio, floor);

  const cands: Candidate[] = [];
  const seen = new Set<string>();
  const netNames: string[] = [];
  for (const name of CALIBRATION_LAYER_NETWORKS) {
    const rn = resolveNetwork(zooNetwork(name));
    netNames.push(rn.name);
    for (const rl of rn.layers) {
      const key = configKey(rl);
      if (seen.has(key)) continue;
      seen.add(key);
      const st = layerStats(rl, { threads: opts.threads });
      cands.push({ network: rn.name, rl, ws: st.workingSetBytes, weightBytes: st.weightBytes, flops: st.flops, key });
    }
  }
  const used = new Set<string>();
  const take = (c: Candidate | undefined): Candidate | undefined => {
    if (c) used.add(c.key);
    return c;
  };
  const free = (c: Candidate): boolean => !used.has(c.key);
  const logDist = (a: number, b: number): number => Math.abs(Math.log(Math.max(1, a) / b));
  const byIndex = (a: Candidate, b: Candidate): number => a.network.localeCompare(b.network) || a.rl.index - b.rl.index;

  // load: weight-heavy layers, nearest 64 MiB first
  const loads = cands
    .filter((c) => c.weightBytes >= 8 * MiB)
    .sort((a, b) => logDist(a.weightBytes, 64 * MiB) - logDist(b.weightBytes, 64 * MiB) || byIndex(a, b));
  // run: per network (in order), the layer with the most FLOPs, round-robin
  const runsOf = (skip: Set<string>): Candidate[] => {
    const out: Candidate[] = [];
    for (const n of netNames) {
      const best = cands.filter((c) => c.network === n && !skip.has(c.key)).sort((a, b) => b.flops - a.flops || byIndex(a, b))[0];
      if (best) out.push(best);
    }
    return out;
  };
  const L1 = take(loads[0]);
  const L2 = take(loads.find(free));
  const runs1 = runsOf(used);
  const R1 = take(runs1[0]);
  const R2 = take(runs1[1]);
  const R3 = take(runs1[2]);
  // overhead: the smallest layer of each type, smallest first
  const tinyTypes = new Set<string>();
  const tiny: Candidate[] = [];
  for (const c of [...cands].sort((a, b) => a.ws - b.ws || byIndex(a, b))) {
    if (tinyTypes.has(c.rl.layer.type) || !free(c)) continue;
    tinyTypes.add(c.rl.layer.type);
    tiny.push(c);
    if (tiny.length === 4) break;
  }
  tiny.forEach((c) => take(c));
  // mixed: mid-sized layers (nearest 4 MiB) of kinds not chosen yet (a grouped conv is its own kind)
  const kindOf = (c: Candidate): string => `${c.rl.layer.type}${((c.rl.layer as { groups?: number }).groups ?? 1) > 1 ? '-grouped' : ''}`;
  const chosenKinds = new Set([L1, L2, R1, R2, R3, ...tiny].filter((c): c is Candidate => c !== undefined).map(kindOf));
  const mixed: Candidate[] = [];
  for (const c of [...cands].sort((a, b) => logDist(a.ws, 4 * MiB) - logDist(b.ws, 4 * MiB) || byIndex(a, b))) {
    if (!free(c) || chosenKinds.has(kindOf(c))) continue;
    chosenKinds.add(kindOf(c));
    mixed.push(c);
    if (mixed.length === 3) break;
  }
  mixed.forEach((c) => take(c));
  // the run layer with the largest working set (activations and im2col: a run that swaps)
  const runSwap = [R1, R2, R3].filter((c): c is Candidate => c !== undefined).sort((a, b) => b.ws - a.ws || byIndex(a, b))[0];
  const L3 = take(loads.find(free));
  const runs2 = runsOf(used);

  const job = (c: Candidate, m: number | null, f: number | null, role: CalibrationRole): CalibrationJob => ({
    id: `${c.network}#${c.rl.index}@${limitLabel(m)}`,
    sampleId: c.network,
    sampleIndex: c.rl.index,
    kind: 'network-layer',
    layerType: c.rl.layer.type,
    layerIndex: c.rl.index,
    layer: c.rl.layer,
    inputShapes: c.rl.inputShapes,
    outputShape: c.rl.outputShape,
    workingSetBytes: c.ws,
    memoryLimitBytes: m,
    levelFactors: f === null ? null : [f],
    network: c.network,
    role,
    resolved: c.rl,
  });
  const steps: CalibrationStep[] = [];
  const layersStep = (jobs: (CalibrationJob | null)[]): void => {
    const js = jobs.filter((j): j is CalibrationJob => j !== null);
    if (js.length === 0) return;
    steps.push({ kind: 'layers', step: steps.length, memoryLimitBytes: js[0]!.memoryLimitBytes, jobs: js });
  };
  const unl = (c: Candidate | undefined, role: CalibrationRole): CalibrationJob | null => (c ? job(c, null, null, role) : null);
  // a swap cell only where the snapped limit (at least idle + 8 MiB) is still below idle + W
  const swap = (c: Candidate | undefined, f: number): CalibrationJob | null => {
    if (!c) return null;
    const m = limitAt(c.ws, f);
    return m < opts.idleBytes + c.ws ? job(c, m, f, 'swap') : null;
  };
  const mixedSwap = [...mixed].sort((a, b) => b.ws - a.ws || byIndex(a, b))[0];

  layersStep([unl(L1, 'load'), unl(R1, 'run'), unl(tiny[0], 'overhead')]);
  layersStep([swap(L1, 0.6)]);
  layersStep([unl(L2, 'load'), unl(R2, 'run'), unl(tiny[1], 'overhead'), unl(mixed[0], 'mixed')]);
  layersStep([swap(runSwap, 0.5)]);
  layersStep([swap(L1, 0.3)]);
  layersStep([unl(R3, 'run'), unl(tiny[2], 'overhead'), unl(tiny[3], 'overhead'), unl(mixed[1], 'mixed'), unl(mixed[2], 'mixed'), unl(L3, 'load')]);
  layersStep([swap(L2, 0.6)]);
  layersStep([swap(mixedSwap, 0.5)]);
  layersStep(runs2.map((c) => unl(take(c), 'run')));

  const runNets = CALIBRATION_RUN_NETWORKS.map((name) => resolveNetwork(zooNetwork(name)));
  const wholeRun = (rn: ResolvedNetwork): void => {
    steps.push({ kind: 'network', step: steps.length, network: rn.name, resolved: rn, factor: null, memoryLimitBytes: null, passes: CALIBRATION_RUN_PASSES });
  };
  // a whole run at half the largest layer's working set, when that limit (at least idle + 8 MiB) still swaps
  const limitedRun = (rn: ResolvedNetwork): void => {
    const w = Math.max(0, ...rn.layers.map((l) => layerStats(l, { threads: opts.threads }).workingSetBytes));
    const m = limitAt(w, 0.5);
    if (m < opts.idleBytes + w)
      steps.push({ kind: 'network', step: steps.length, network: rn.name, resolved: rn, factor: 0.5, memoryLimitBytes: m, passes: CALIBRATION_RUN_PASSES });
  };
  wholeRun(runNets[0]!);
  wholeRun(runNets[1]!);

  // The tail, for longer budgets: more swap cells on the weight-heavy layers, every other distinct
  // layer of the three networks unlimited (round-robin over the networks, most FLOPs first, in
  // steps of TAIL_STEP_JOBS), the other whole networks, and limited whole runs.
  const moreSwap = [swap(L2, 0.3), swap(L3, 0.5), ...loads.filter((c) => c !== L1 && c !== L2 && c !== L3).map((c) => swap(c, 0.3))];
  const rest: Candidate[] = [];
  {
    const queues = netNames.map((n) => cands.filter((c) => c.network === n && free(c)).sort((a, b) => b.flops - a.flops || byIndex(a, b)));
    for (let i = 0; queues.some((q) => i < q.length); i++) for (const q of queues) if (q[i]) rest.push(q[i]!);
  }
  const tailSteps: (CalibrationJob | null)[][] = [];
  for (let i = 0; i < rest.length; i += TAIL_STEP_JOBS) tailSteps.push(rest.slice(i, i + TAIL_STEP_JOBS).map((c) => unl(take(c), 'mixed')));
  const extraRuns = runNets.slice(2);
  for (let i = 0; i < Math.max(moreSwap.length, tailSteps.length, extraRuns.length); i++) {
    if (moreSwap[i]) layersStep([moreSwap[i]!]);
    if (tailSteps[i]) layersStep(tailSteps[i]!);
    if (extraRuns[i]) wholeRun(extraRuns[i]!);
  }
  for (const rn of runNets) limitedRun(rn);
  return { idleBytes: opts.idleBytes, threads: opts.threads, reps: CALIBRATION_REPS, steps };
}

/** How fitCalibrationPlan estimates and what is already measured. */
export interface BudgetContext {
  /** Time available for measuring, ms. */
  budgetMs: number;
  /** Predicted time of one pass of a layer (load + run + unload) at a limit (null: none), ms. */
  passMs: (rl: ResolvedLayer, memoryLimitBytes: number | null) => number;
  /** Reps of a job still to measure (default: all). */
  missingReps?: (job: CalibrationJob) => number;
  /** Whether a whole-network run step is already in the rows (default: no). */
  networkDone?: (step: Extract<CalibrationStep, { kind: 'network' }>) => boolean;
  /** Whether a layer's weight file is already in the cache (default: no, so writing it is counted). */
  weightsCached?: (rl: ResolvedLayer) => boolean;
  /** Weight bytes of a layer (default: layerStats' weightBytes at 1 thread). */
  weightBytes?: (rl: ResolvedLayer) => number;
}

/** A step chosen to run, with only its missing jobs and its estimated time. */
export type ChosenStep = CalibrationStep & { estimatedMs: number };

/** What fits: the chosen steps in plan order, their estimated total, and what was left out. */
export interface FittedCalibrationPlan {
  steps: ChosenStep[];
  estimatedMs: number;
  /** Steps with something left to measure that did not fit (a later run with more budget takes them). */
  leftOut: number;
  /** Steps already measured in full. */
  done: number;
}

const safeMs = (v: number): number => (Number.isFinite(v) && v > 0 ? v : 1);

/** Estimated ms of one layer job's missing passes (with its weight file when not cached). */
function jobMs(j: CalibrationJob, reps: number, ctx: BudgetContext): number {
  const wb = ctx.weightBytes ? ctx.weightBytes(j.resolved) : layerStats(j.resolved).weightBytes;
  const write = ctx.weightsCached?.(j.resolved) ? 0 : (wb / ESTIMATE.weightWriteBytesPerSec) * 1000;
  return reps * (safeMs(ctx.passMs(j.resolved, j.memoryLimitBytes)) + ESTIMATE.passOverheadMs) + write;
}

/**
 * The estimated ms of a step with `jobs` (its worker start, every missing pass, weight files; times
 * ESTIMATE.safety). Pure.
 */
export function stepEstimateMs(step: CalibrationStep, reps: number, ctx: BudgetContext): number {
  if (step.kind === 'network') {
    let pass = 0;
    let write = 0;
    for (const rl of step.resolved.layers) {
      pass += safeMs(ctx.passMs(rl, step.memoryLimitBytes)) + ESTIMATE.passOverheadMs;
      const wb = ctx.weightBytes ? ctx.weightBytes(rl) : layerStats(rl).weightBytes;
      if (!ctx.weightsCached?.(rl)) write += (wb / ESTIMATE.weightWriteBytesPerSec) * 1000;
    }
    return ESTIMATE.safety * (ESTIMATE.workerStartMs + step.passes * pass + write);
  }
  let ms = ESTIMATE.workerStartMs;
  for (const j of step.jobs) ms += jobMs(j, ctx.missingReps ? ctx.missingReps(j) : reps, ctx);
  return ESTIMATE.safety * ms;
}

/**
 * The steps of `plan` that fit `ctx.budgetMs`, in plan order: a step already measured is dropped;
 * a step that fits whole is taken; a layers step that does not is cut to the longest prefix of its
 * jobs that fits (jobs are ordered by importance); a step that fits not even partly is left out and
 * the walk goes on (a later, cheaper step may still fit). Pure. Cost O(jobs).
 */
export function fitCalibrationPlan(plan: CalibrationPlan, ctx: BudgetContext): FittedCalibrationPlan {
  const out: ChosenStep[] = [];
  let total = 0;
  let leftOut = 0;
  let done = 0;
  for (const s of plan.steps) {
    if (s.kind === 'network') {
      if (ctx.networkDone?.(s)) {
        done++;
        continue;
      }
      const ms = stepEstimateMs(s, plan.reps, ctx);
      if (total + ms <= ctx.budgetMs) {
        out.push({ ...s, estimatedMs: ms });
        total += ms;
      } else leftOut++;
      continue;
    }
    const jobs = s.jobs.filter((j) => (ctx.missingReps ? ctx.missingReps(j) : plan.reps) > 0);
    if (jobs.length === 0) {
      done++;
      continue;
    }
    let kept = jobs.length;
    let ms = stepEstimateMs({ ...s, jobs }, plan.reps, ctx);
    while (kept > 0 && total + ms > ctx.budgetMs) {
      kept--;
      ms = kept > 0 ? stepEstimateMs({ ...s, jobs: jobs.slice(0, kept) }, plan.reps, ctx) : 0;
    }
    if (kept === 0) {
      leftOut++;
      continue;
    }
    if (kept < jobs.length) leftOut++;
    out.push({ ...s, jobs: jobs.slice(0, kept), estimatedMs: ms });
    total += ms;
  }
  return { steps: out, estimatedMs: total, leftOut, done };
}

/**
 * The layer steps of a fitted plan as the ProfilePlan runProfile executes (one group per step, in
 * order; the step number is the group's chunk). Pure.
 */
export function toProfilePlan(plan: CalibrationPlan, steps: readonly ChosenStep[]): ProfilePlan {
  const groups = steps.flatMap((s) => (s.kind === 'layers' ? [{ chunk: s.step, memoryLimitBytes: s.memoryLimitBytes, jobs: s.jobs }] : []));
  return {
    options: {
      seed: 0,
      layers: groups.reduce((n, g) => n + g.jobs.length, 0),
      reps: plan.reps,
      levels: [],
      unlimited: true,
      idleBytes: plan.idleBytes,
      maxTensorBytes: 0,
      kinds: null,
      minTensorBytes: 0,
      gridRatio: GRID_RATIO,
      chunkSize: 1,
      threads: plan.threads,
    },
    groups,
    jobs: groups.reduce((n, g) => n + g.jobs.length, 0),
  };
}

/**
 * Swap the chosen steps need: the most any of them pushes out of its limit (idle + working set - M
 * for a layer; for a network run its largest layer's). Pure.
 */
export function calibrationSwapBytes(plan: CalibrationPlan, steps: readonly CalibrationStep[]): number {
  let need = 0;
  for (const s of steps) {
    if (s.memoryLimitBytes === null) continue;
    const ws =
      s.kind === 'layers'
        ? Math.max(0, ...s.jobs.map((j) => j.workingSetBytes))
        : Math.max(0, ...s.resolved.layers.map((l) => layerStats(l, { threads: plan.threads }).workingSetBytes));
    need = Math.max(need, plan.idleBytes + ws - s.memoryLimitBytes);
  }
  return need;
}

/** One line per step for `--dry-run` and the plan's JSON: what, where, why, estimated time. Pure. */
export function describeStep(s: ChosenStep | CalibrationStep): string {
  const at = s.memoryLimitBytes === null ? 'no limit' : `${Math.round(s.memoryLimitBytes / MiB)} MiB`;
  const est = 'estimatedMs' in s ? ` ~${(s.estimatedMs / 1000).toFixed(1)} s` : '';
  if (s.kind === 'network')
    return `step ${s.step}: run ${s.network} whole (${s.resolved.layers.length} layers) at ${at}${s.factor === null ? '' : ` (f=${s.factor})`}, ${s.passes} passes${est}`;
  const what = s.jobs
    .map(
      (j) =>
        `${j.network}#${j.layerIndex} ${j.layer.name} (${j.role}${j.levelFactors ? ` f=${j.levelFactors[0] ?? '?'}` : ''}, ${(j.workingSetBytes / MiB).toFixed(1)} MiB)`,
    )
    .join(', ');
  return `step ${s.step}: at ${at}: ${what}${est}`;
}
