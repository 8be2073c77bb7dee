/**
 * Is a layer's run slower inside a network than alone? The same network run pass-major in chunks of
 * k consecutive layers (k sessions prepared, each pass runs the chunk's layers in order, 3 passes):
 * k = 1 is how the profiler measures a layer (its reps back to back), k = all layers is a network
 * pass. Prints the sum over layers of the median run and load per k, `--rounds` times interleaved.
 * Unlimited memory; `--threads` as the worker's. A diagnostic for docs/MODELS.md, not a target.
 *
 *   node dist/bench/cycle-length.js --network net.onnx [--k 1,8,64,100000] [--rounds 2] [--threads 2]
 */
import { startWorker, type LayerJob, type LayerTiming } from '../src/executor/worker-client.js';
import { loadNetwork } from '../src/network/load.js';
import { resolveNetwork } from '../src/network/shapes.js';
import { median } from '../src/stats.js';
import { flag } from './args.js';

const path = flag('network', '');
if (!path) throw new Error('--network <file.onnx> is required');
const ks = flag('k', '1,8,64,100000').split(',').map(Number);
const rounds = Number(flag('rounds', '2'));
const threads = flag('threads', '');
const rn = resolveNetwork((await loadNetwork(path, {})).network);
const jobs: LayerJob[] = rn.layers.map((l) => ({ id: String(l.index), layer: l.layer, inputShapes: l.inputShapes }));

for (let round = 0; round < rounds; round++) {
  for (const k of ks) {
    const w = await startWorker({ memoryLimitBytes: null, ...(threads ? { threads: Number(threads) } : {}) });
    const by = new Map<string, LayerTiming[]>();
    try {
      for (let i = 0; i < jobs.length; i += k) {
        const o = await w.measurePasses(jobs.slice(i, i + k), 3, (t) => by.set(t.jobId, [...(by.get(t.jobId) ?? []), t]));
        if (o.status !== 'done') throw new Error(`chunk at layer ${i}: ${JSON.stringify(o)}`);
      }
    } finally {
      await w.close();
    }
    let run = 0;
    let load = 0;
    for (const ts of by.values()) {
      run += median(ts.map((t) => t.runMs));
      load += median(ts.map((t) => t.loadMs));
    }
    console.log(`round ${round} k ${Math.min(k, jobs.length)}: run ${run.toFixed(0)} ms, load ${load.toFixed(0)} ms (${rn.name}, ${jobs.length} layers)`);
  }
}
