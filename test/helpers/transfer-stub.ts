/**
 * A stub model with closed-form phases, for the transfer and calibration tests:
 *   load   = weight bytes read once at the query's disk bandwidth (all weight reading)
 *   run    = flops at the query's GEMM rate + bytes touched at its memory bandwidth
 *   unload = 2 ms
 *   swap   = the bytes of the working set that do not fit (ws + idle - M) read at the disk
 *            bandwidth, added to run only.
 * With `fixed` (per-call costs, ms): load += fixed.load, run += fixed.run, unload = fixed.unload.
 */
import type { HardwareFingerprint } from '../../src/dataset/schema.js';
import { layerStats } from '../../src/features/layer.js';
import { resolveLayerOutput } from '../../src/network/shapes.js';
import type { Layer, ResolvedLayer } from '../../src/network/types.js';
import { MODEL_NAME, type LayerInput, type Model, type ModelJSON, type TimePrediction } from '../../src/models/types.js';

export const A: HardwareFingerprint = {
  id: 'hw-a',
  cpuModel: 'A CPU',
  cores: 2,
  ramBytes: 8 * 1024 ** 3,
  cgroupVersion: 2,
  diskReadBytesPerSec: 1e9,
  memBandwidthBytesPerSec: 10e9,
  gemmGflops: 100,
  runtimeIdleBytes: 50e6,
};

export class StubModel implements Model {
  constructor(readonly fixed: { load: number; run: number; unload: number } | null = null) {}
  readonly name = MODEL_NAME;
  readonly kind = 'stub';
  readonly version = 1;
  readonly fittedTargets = ['load', 'run', 'unload'] as const;
  predict(x: LayerInput): TimePrediction {
    const st = layerStats(x.layer, { threads: x.hardware.cores });
    const hw = x.hardware;
    const loadMs = (st.weightBytes / hw.diskReadBytesPerSec!) * 1000;
    let runMs = (st.flops / (hw.gemmGflops! * 1e9) + (st.inputBytes + st.outputBytes + st.weightBytes) / hw.memBandwidthBytesPerSec!) * 1000;
    const deficit = Math.max(0, st.workingSetBytes + (hw.runtimeIdleBytes ?? 0) - x.memoryBytes);
    runMs += (deficit / hw.diskReadBytesPerSec!) * 1000;
    if (!this.fixed) return { loadMs, runMs, unloadMs: 2 };
    return { loadMs: loadMs + this.fixed.load, runMs: runMs + this.fixed.run, unloadMs: this.fixed.unload };
  }
  toJSON(): ModelJSON {
    return { name: MODEL_NAME, kind: 'stub', version: 1 };
  }
}

export function resolved(layer: Layer, inputShapes: number[][]): ResolvedLayer {
  return { index: 0, layer, inputShapes, outputShape: resolveLayerOutput(layer, inputShapes) };
}

/** A weight-heavy dense layer (16 MiB of weights, 4 MFLOP). */
export const DENSE = resolved({ type: 'dense', name: 'fc', inputs: ['x'], units: 4096 }, [[1, 1024]]);
/** A compute-heavy conv (3x3, 256 -> 256 channels on 28x28). */
export const CONV = resolved({ type: 'conv2d', name: 'conv', inputs: ['x'], outChannels: 256, kernel: 3, padding: 1 }, [[1, 256, 28, 28]]);
