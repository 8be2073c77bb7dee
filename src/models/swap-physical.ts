/**
 * The physical swap term of fe-swap: how much longer a phase takes at memory M than without a limit,
 * from the bytes that cannot be resident, how the layer's kernel walks them and the disk's
 * bandwidth. Continuous and monotone in M, byte by byte (no table cut).
 *
 *   R    = M - idle - b                      memory left for the layer (b: pages the runtime keeps hot)
 *   D    = max(0, ws - R)                    deficit: bytes of the working set that cannot be resident
 *   phi  = 1 - exp(-D / (lambda * V))        share of the phase's bytes V that cross the disk
 *   t(M) = t_none + kappa * (c1 * V * phi + c2 * D) / BW
 *
 * V is what the phase moves (the weights for load, the working set for run and unload), BW the cold
 * disk read bandwidth of the machine (fingerprint). phi is 0 while everything fits, rises linearly
 * with the deficit (D / (lambda V)) and saturates at 1 once a few lambda of the working set do not fit:
 * a GEMV that streams weights larger than memory cycles all of them through swap (LRU evicts just
 * what comes next), so a small deficit already costs a large share of V, the cliff; lambda says how
 * sharp. c1 counts how often V crosses the disk (a convolution re-reads its input per output tile,
 * a GEMV its weights once), c2 adds what grows beyond saturation with the deficit itself (repeated
 * faults under deep shortage). Both >= 0, so t is non-increasing in M. (c1, c2) are fitted by
 * weighted non-negative least squares per (phase, kernel family) for each (lambda, b) of a grid;
 * the pair with the least relative squared error wins.
 *
 * Pure. Cost: predict O(1); fit O(grid x pairs).
 */
import type { Target } from './types.js';

const MiB = 1024 * 1024;

/** The fitted term of one phase for one kernel family. */
export interface SwapTermParams {
  lambda: number;
  /** b in MiB (may be negative: the runtime's footprint counted in idle can partly be swapped). */
  offsetMiB: number;
  c1: number;
  c2: number;
  /** Pairs it was fitted on, and its RMS relative error there (null when fitted on none). */
  n: number;
  rmsRel: number | null;
}

/** One observed pair for the fit: a phase's time with and without a limit, and the geometry. */
export interface SwapPair {
  /** Phase time at M and without a limit, ms. */
  tM: number;
  tNone: number;
  /** Working set, bytes moved by the phase, budget M - idle (all bytes). */
  ws: number;
  moved: number;
  budget: number;
  /** Cold disk read bandwidth, bytes/s. */
  bw: number;
  /** Floor of the relative error's denominator, ms. */
  epsMs: number;
}

/**
 * Grid of the fit (defaults: lambda 0.01-1 in 9 steps, b -96..96 MiB in 8 MiB steps). b reaches
 * down to about the runtime's whole idle footprint (86 MiB on the 2-core VMs): with the earlier floor
 * of -64 MiB, 5 of the 8 load and run terms of both shipped models ended on it (the profile said
 * more of the footprint is cold). Nothing stops a fitted b below -idle (-96 is 10 MiB past the
 * 86 MiB footprint), which lets a layer use memory the runtime holds; near M = idle that makes the
 * predicted slowdown too mild (held-out #9, docs/MODELS.md), and min-memory answers no lower than
 * its thrash floor (predict.thrashFloor).
 */
export interface SwapGrid {
  lambdas: number[];
  offsetsMiB: number[];
}

export const DEFAULT_SWAP_GRID: SwapGrid = {
  lambdas: [0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1],
  offsetsMiB: Array.from({ length: 25 }, (_, i) => -96 + 8 * i),
};

/** Deficit D and saturation phi of a query (see the file comment). */
export function swapGeometry(ws: number, moved: number, budget: number, lambda: number, offsetMiB: number): { deficit: number; phi: number } {
  const deficit = Math.max(0, ws - (budget - offsetMiB * MiB));
  if (deficit === 0 || moved <= 0) return { deficit, phi: 0 };
  return { deficit, phi: 1 - Math.exp(-deficit / (lambda * moved)) };
}

/**
 * Extra ms of a phase at budget (M - idle) under params p, before kappa. lambdaScale (the network
 * context's, default 1) multiplies lambda: how much sharper the cliff is in whole-network runs.
 */
export function swapExtraMs(p: SwapTermParams, ws: number, moved: number, budget: number, bw: number, lambdaScale = 1): number {
  const { deficit, phi } = swapGeometry(ws, moved, budget, p.lambda * lambdaScale, p.offsetMiB);
  if (deficit === 0) return 0;
  return ((p.c1 * moved * phi + p.c2 * deficit) / bw) * 1000;
}

/**
 * Weighted NNLS of y ~ c1 a + c2 b (weights w): the unconstrained 2x2 solution if both >= 0, else
 * the better of the two one-variable fits clamped at 0.
 */
export function nnls2(a: readonly number[], b: readonly number[], y: readonly number[], w: readonly number[]): [number, number] {
  let aa = 0,
    ab = 0,
    bb = 0,
    ay = 0,
    by = 0;
  for (let i = 0; i < y.length; i++) {
    const wi = w[i]!;
    aa += wi * a[i]! * a[i]!;
    ab += wi * a[i]! * b[i]!;
    bb += wi * b[i]! * b[i]!;
    ay += wi * a[i]! * y[i]!;
    by += wi * b[i]! * y[i]!;
  }
  const det = aa * bb - ab * ab;
  if (det > 1e-12 * Math.max(1e-300, aa * bb)) {
    const c1 = (bb * ay - ab * by) / det;
    const c2 = (aa * by - ab * ay) / det;
    if (c1 >= 0 && c2 >= 0) return [c1, c2];
  }
  const only1 = aa > 0 ? Math.max(0, ay / aa) : 0;
  const only2 = bb > 0 ? Math.max(0, by / bb) : 0;
  // residual sums of squares up to the common constant sum w y^2
  const r1 = only1 * only1 * aa - 2 * only1 * ay;
  const r2 = only2 * only2 * bb - 2 * only2 * by;
  return r1 <= r2 ? [only1, 0] : [0, only2];
}

/**
 * Fits one (phase, family) term on its pairs. Relative error: residuals of t(M) are weighted by
 * 1 / (tM + eps)^2. With no pair that has a deficit under any grid point, returns the zero term.
 */
export function fitSwapTerm(pairs: readonly SwapPair[], grid: SwapGrid = DEFAULT_SWAP_GRID): SwapTermParams {
  const zero: SwapTermParams = { lambda: grid.lambdas[0] ?? 0.1, offsetMiB: 0, c1: 0, c2: 0, n: pairs.length, rmsRel: null };
  if (pairs.length === 0) return zero;
  const y = pairs.map((p) => p.tM - p.tNone);
  const w = pairs.map((p) => 1 / (p.tM + p.epsMs) ** 2);
  let best: SwapTermParams & { loss: number } = { ...zero, loss: Infinity };
  const a = new Array<number>(pairs.length);
  const b = new Array<number>(pairs.length);
  for (const lambda of grid.lambdas) {
    for (const off of grid.offsetsMiB) {
      for (let i = 0; i < pairs.length; i++) {
        const p = pairs[i]!;
        const g = swapGeometry(p.ws, p.moved, p.budget, lambda, off);
        a[i] = ((p.moved * g.phi) / p.bw) * 1000;
        b[i] = (g.deficit / p.bw) * 1000;
      }
      const [c1, c2] = nnls2(a, b, y, w);
      let loss = 0;
      for (let i = 0; i < pairs.length; i++) {
        const e = c1 * a[i]! + c2 * b[i]! - y[i]!;
        loss += w[i]! * e * e;
      }
      if (loss < best.loss - 1e-15) best = { lambda, offsetMiB: off, c1, c2, n: pairs.length, rmsRel: Math.sqrt(loss / pairs.length), loss };
    }
  }
  const { loss: _loss, ...params } = best;
  return params;
}

/** The stored physical term: per phase, one parameter set per kernel family (RUN_FAMILIES order). */
export type PhysicalSwap = Partial<Record<Target, SwapTermParams[]>>;
