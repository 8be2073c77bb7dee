/** Hand-made MeasurementRows shared by the dataset tests. */
import type { MeasurementRow } from '../../src/dataset/schema.js';

/** A dense layer row with every optional field set, and (i) varying the timings. */
export function denseRow(i: number, over: Partial<MeasurementRow> = {}): MeasurementRow {
  return {
    hardwareId: 'hw-test',
    source: 'memlat-profile',
    network: `s${String(i).padStart(5, '0')}`,
    layerIndex: 0,
    layerName: 'fc',
    layerType: 'dense',
    layer: { type: 'dense', name: 'fc', inputs: ['x'], units: 10 + i },
    inputShapes: [[1, 64]],
    outputShape: [1, 10 + i],
    memoryLimitBytes: 268435456,
    rep: i % 3,
    loadMs: 1.25 + i,
    runMs: 0.5,
    unloadMs: 0.01,
    majorFaults: 3,
    swapInPages: 0,
    swapOutPages: null,
    oom: false,
    ...over,
  };
}
