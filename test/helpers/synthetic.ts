/**
 * Synthetic measurement rows whose times follow a known law of the layer features, for model tests:
 * dense and conv2d layers of many sizes, a few parameter-free layers, at several memory limits.
 */
import type { HardwareFingerprint, MeasurementRow } from '../../src/dataset/schema.js';
import type { Layer } from '../../src/network/types.js';
import { resolveLayerOutput } from '../../src/network/shapes.js';
import { layerStats, swapBytes } from '../../src/features/layer.js';

export const HW: HardwareFingerprint = {
  id: 'hw-syn',
  cpuModel: 'Synthetic CPU',
  cores: 2,
  ramBytes: 8 * 1024 ** 3,
  cgroupVersion: 2,
  diskReadBytesPerSec: 500e6,
  memBandwidthBytesPerSec: 5e9,
  gemmGflops: 20,
  runtimeIdleBytes: 50e6,
};
export const HW_MAP = new Map([[HW.id, HW]]);

/** The law: ln t of each phase as a function of the layer's stats and swapped bytes at M. */
export type Law = (s: { macs: number; weightBytes: number; swapBytes: number; workingSetBytes: number; type: string }) => {
  load: number;
  run: number;
  unload: number | null;
};

/** log1p-linear law FE can represent exactly. */
export const exactLaw: Law = (s) => ({
  load: -4 + 0.5 * Math.log1p(s.weightBytes) + 0.05 * Math.log1p(s.swapBytes),
  run: -5 + 0.6 * Math.log1p(s.macs) + 0.1 * Math.log1p(s.swapBytes),
  unload: -6 + 0.2 * Math.log1p(s.weightBytes),
});

function layersAndInputs(): { layer: Layer; inputShapes: number[][] }[] {
  const out: { layer: Layer; inputShapes: number[][] }[] = [];
  for (const inF of [64, 256, 1024, 4096, 9216]) {
    for (const units of [10, 100, 1000, 4096]) out.push({ layer: { type: 'dense', name: 'fc', inputs: ['x'], units }, inputShapes: [[1, inF]] });
  }
  for (const c of [3, 16, 64, 256]) {
    for (const hw of [7, 28, 56]) {
      for (const [k, oc] of [
        [1, 32],
        [3, 64],
        [5, 128],
      ] as const) {
        out.push({ layer: { type: 'conv2d', name: 'conv', inputs: ['x'], outChannels: oc, kernel: k, padding: (k - 1) / 2 }, inputShapes: [[1, c, hw, hw]] });
      }
    }
  }
  for (const c of [16, 64, 256]) {
    for (const hw of [14, 56]) {
      out.push({ layer: { type: 'pool', name: 'pool', inputs: ['x'], mode: 'max', kernel: 2 }, inputShapes: [[1, c, hw, hw]] });
      out.push({ layer: { type: 'activation', name: 'relu', inputs: ['x'], fn: 'relu' }, inputShapes: [[1, c, hw, hw]] });
    }
  }
  return out;
}

/** Memory limits used by the synthetic rows (null = unlimited). */
export const MEMORY_LEVELS: (number | null)[] = [64 * 2 ** 20, 128 * 2 ** 20, null];

/**
 * Rows for every layer x memory level x `reps` repetitions; rep r multiplies the time by
 * exp(noise * (r - (reps-1)/2)) so the median is the law itself.
 */
export function syntheticRows(law: Law = exactLaw, opts: { reps?: number; noise?: number; withUnload?: boolean } = {}): MeasurementRow[] {
  const reps = opts.reps ?? 3;
  const rows: MeasurementRow[] = [];
  layersAndInputs().forEach(({ layer, inputShapes }, li) => {
    const outputShape = resolveLayerOutput(layer, inputShapes);
    const st = layerStats({ index: 0, layer, inputShapes, outputShape }, { threads: HW.cores });
    for (const mem of MEMORY_LEVELS) {
      const sw = swapBytes(st.workingSetBytes, mem ?? HW.ramBytes, HW.runtimeIdleBytes ?? 0);
      const t = law({ macs: st.macs, weightBytes: st.weightBytes, swapBytes: sw, workingSetBytes: st.workingSetBytes, type: layer.type });
      for (let r = 0; r < reps; r++) {
        const e = Math.exp((opts.noise ?? 0) * (r - (reps - 1) / 2));
        rows.push({
          hardwareId: HW.id,
          source: 'synthetic',
          network: `s${String(li).padStart(4, '0')}`,
          layerIndex: 0,
          layerName: layer.name,
          layerType: layer.type,
          layer,
          inputShapes,
          outputShape,
          memoryLimitBytes: mem,
          rep: r,
          loadMs: Math.exp(t.load) * e,
          runMs: Math.exp(t.run) * e,
          unloadMs: opts.withUnload === false || t.unload === null ? null : Math.exp(t.unload) * e,
          majorFaults: null,
          swapInPages: null,
          swapOutPages: null,
          oom: false,
        });
      }
    }
  });
  return rows;
}
