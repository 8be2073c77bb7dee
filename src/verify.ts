/**
 * `memlat min-memory --verify`: answers the inverse question, then checks it for real. The network is
 * run (the executor of `memlat run`, real cgroup limit, real swap) at the answered memory and at the
 * conservative one, and each run says whether its median pass total met the target.
 *
 * Library level (it composes predict and the runtime); imported by api.ts only, so predict stays free
 * of onnxruntime. Cost: the min-memory search + 2 x reps passes of the network.
 */
import type { ResolvedNetwork } from './network/types.js';
import type { LoadedBundle } from './predict/bundle.js';
import { minMemory, type MinMemoryResult } from './predict/min-memory.js';

/** One real run of a verification. */
export interface VerifiedRun {
  /** Which answer was run. */
  answer: 'memory' | 'conservative';
  memoryBytes: number;
  /** Median pass total, ms, and every complete pass (null and [] when the run was OOM-killed). */
  measuredMs: number | null;
  passesMs: number[];
  /** The prediction at that memory (the model's point estimate), ms. */
  predictedMs: number;
  /** measuredMs <= target (false when OOM-killed). */
  met: boolean;
  /** When the kernel's OOM killer ended the run: the layer it was in. */
  oomKilledAt?: string;
}

/** What verifyMinMemory returns (the `memlat min-memory --verify --json` document). */
export interface MinMemoryVerification extends MinMemoryResult {
  runs: VerifiedRun[];
  reps: number;
}

/** How verifyMinMemory runs the network (runNetwork's options without the limit). */
export interface VerifyOptions {
  reps?: number;
  threads?: number;
  cacheDir?: string;
  signal?: AbortSignal;
  onEvent?: (message: string) => void;
}

/**
 * Answer min-memory for `rn` and `targetMs`, then run the network at the answer and at the
 * conservative answer (each once, `reps` passes; a null answer is not run). A run the OOM killer
 * ends is an answer that did not meet the target (recorded with the layer it died in), and the other
 * answer is still run. Other errors of the runtime (no swap, no cgroups) propagate as the UserErrors
 * `memlat run` gives.
 */
export async function verifyMinMemory(rn: ResolvedNetwork, bundle: LoadedBundle, targetMs: number, opts: VerifyOptions = {}): Promise<MinMemoryVerification> {
  const answer = minMemory(rn, bundle, targetMs);
  const reps = opts.reps ?? 5;
  const { runNetwork, OomError } = await import('./executor/run-network.js');
  const { prepareRun } = await import('./executor/run-prepare.js');
  const { predictNetwork } = await import('./predict/predict.js');
  const runs: VerifiedRun[] = [];
  const todo: [VerifiedRun['answer'], number | null][] = [
    ['memory', answer.memoryBytes],
    ['conservative', answer.conservativeMemoryBytes],
  ];
  for (const [which, m] of todo) {
    if (m === null) continue;
    const memoryBytes = Math.ceil(m);
    const prep: Parameters<typeof prepareRun>[1] = { memoryLimitBytes: memoryBytes };
    if (opts.cacheDir !== undefined) prep.cacheDir = opts.cacheDir;
    if (opts.signal !== undefined) prep.signal = opts.signal;
    if (opts.onEvent !== undefined) prep.onEvent = opts.onEvent;
    await prepareRun(rn, prep);
    opts.onEvent?.(`running ${rn.name} at the ${which === 'memory' ? 'answered' : 'conservative'} memory, ${reps} passes ...`);
    let r: Awaited<ReturnType<typeof runNetwork>>;
    try {
      r = await runNetwork(rn, {
        memoryLimitBytes: memoryBytes,
        reps,
        ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
        ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
        ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
      });
    } catch (e) {
      if (!(e instanceof OomError)) throw e;
      const layer = rn.layers[e.layerIndex]?.layer.name ?? `layer ${e.layerIndex}`;
      opts.onEvent?.(`the run at the ${which === 'memory' ? 'answered' : 'conservative'} memory was OOM-killed in ${layer}: not met`);
      runs.push({
        answer: which,
        memoryBytes,
        measuredMs: null,
        passesMs: [],
        predictedMs: predictNetwork(rn, memoryBytes, bundle).totalMs,
        met: false,
        oomKilledAt: layer,
      });
      continue;
    }
    runs.push({
      answer: which,
      memoryBytes,
      measuredMs: r.totalMs,
      passesMs: r.totalsMs,
      predictedMs: predictNetwork(rn, memoryBytes, bundle).totalMs,
      met: r.totalMs <= targetMs,
    });
  }
  return { ...answer, runs, reps };
}
