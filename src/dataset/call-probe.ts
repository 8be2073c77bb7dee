/**
 * The per-call probe of a hardware fingerprint (HardwareFingerprint.callProbe): two small zoo
 * networks run layer by layer, unlimited, exactly as `memlat run` runs them. Their layers are small
 * (MobileNetV3-small: 157 layers, 60 MFLOPs; SqueezeNet 1.1: 66 layers, 0.35 GFLOPs), so their run
 * and unload phases are almost all a layer's fixed cost per call: the fresh pages of its buffers,
 * waking thread pools, freeing; their loads are mostly each weight file's latency. No rate of the
 * fingerprint measures these, and the run cost is what differs most between machines of one kind
 * (two 2-core VMs: 3-4x, docs/MODELS.md).
 *
 * `memlat hardware` measures it (src/machine/hardware.ts); a dataset whose fingerprint predates it
 * gets it from its own validation runs of the same networks (callProbeFromRows), which is how the
 * shipped model's machine has one. The transfer (src/models/transfer.ts) scales run's fixed part,
 * the load's CPU part, the swap-in path and unload by the probes' ratios between two machines.
 *
 * Pure.
 */
import type { CallProbe, MeasurementRow } from './schema.js';
import { layerWeightSpecs, weightFileBytes } from '../network/onnx-layer.js';
import { median } from '../stats.js';

/** The probe's networks (zoo names), in the order they are run. */
export const CALL_PROBE_NETWORKS: readonly string[] = ['mobilenetv3_small', 'squeezenet1_1'];

/** Passes per network (the validation runs' count, so a probe and a validation run agree). */
export const CALL_PROBE_PASSES = 5;

/** One layer's timing in one pass. */
export interface PhaseTiming {
  loadMs: number;
  runMs: number;
  unloadMs: number;
}

/** One probe network's passes: passes[pass][layer]. */
export interface ProbeNetworkPasses {
  name: string;
  /** Bytes of weights one pass reads. */
  weightBytes: number;
  passes: readonly (readonly PhaseTiming[])[];
  /** Per layer (in pass order): true where the layer has no weights. */
  weightless: readonly boolean[];
}

/**
 * The probe from its networks' passes: per network, the median over passes of each phase's sum over
 * layers; then the sum over networks. Throws on a network without passes. Cost O(passes x layers).
 */
export function callProbeFromPasses(nets: readonly ProbeNetworkPasses[], threads: number | null, source?: string): CallProbe {
  let loadMs = 0;
  let runMs = 0;
  let unloadMs = 0;
  let layers = 0;
  let weightBytes = 0;
  let passes = Infinity;
  let weightlessLayers = 0;
  let weightlessLoadMs = 0;
  for (const n of nets) {
    const full = n.passes.filter((p) => p.length > 0);
    if (!full.length) throw new Error(`call probe: network ${n.name} has no passes`);
    if (full.some((p) => p.length !== n.weightless.length))
      throw new Error(`call probe: network ${n.name} has passes of other lengths than its ${n.weightless.length} layers`);
    const sum = (k: keyof PhaseTiming): number => median(full.map((p) => p.reduce((a, t) => a + t[k], 0)));
    loadMs += sum('loadMs');
    runMs += sum('runMs');
    unloadMs += sum('unloadMs');
    weightlessLoadMs += median(full.map((p) => p.reduce((a, t, i) => a + (n.weightless[i] ? t.loadMs : 0), 0)));
    weightlessLayers += n.weightless.filter((w) => w).length;
    layers += full[0]!.length;
    weightBytes += n.weightBytes;
    passes = Math.min(passes, full.length);
  }
  return {
    networks: nets.map((n) => n.name),
    layers,
    weightBytes,
    passes: Number.isFinite(passes) ? passes : 0,
    threads,
    loadMs,
    runMs,
    unloadMs,
    weightlessLayers,
    weightlessLoadMs,
    ...(source ? { source } : {}),
  };
}

/**
 * The probe from a dataset's rows: unlimited, non-OOM rows of `hardwareId` for every probe network,
 * grouped into passes (rep). Null when a probe network is missing or a pass is incomplete in every
 * rep. Why: a model fitted before the probe existed gets its machine's probe from the validation runs
 * measured in the same session. Cost O(rows).
 */
export function callProbeFromRows(
  rows: readonly MeasurementRow[],
  hardwareId: string,
  threads: number | null,
  source: string,
  networks: readonly string[] = CALL_PROBE_NETWORKS,
): CallProbe | null {
  const nets: ProbeNetworkPasses[] = [];
  for (const name of networks) {
    const mine = rows.filter((r) => r.hardwareId === hardwareId && r.network === name && r.memoryLimitBytes === null && !r.oom);
    if (!mine.length) return null;
    const layerCount = new Set(mine.map((r) => r.layerIndex)).size;
    const byRep = new Map<number, MeasurementRow[]>();
    for (const r of mine) byRep.set(r.rep, [...(byRep.get(r.rep) ?? []), r]);
    const complete = [...byRep.values()].filter((p) => p.length === layerCount).map((p) => [...p].sort((a, b) => a.layerIndex - b.layerIndex));
    if (!complete.length) return null;
    const passes = complete.map((p) => p.map((r) => ({ loadMs: r.loadMs, runMs: r.runMs, unloadMs: r.unloadMs ?? 0 })));
    const bytes = complete[0]!.map((r) => weightFileBytes(layerWeightSpecs(r.layer, r.inputShapes)));
    nets.push({ name, weightBytes: bytes.reduce((a, b) => a + b, 0), passes, weightless: bytes.map((b) => b === 0) });
  }
  return callProbeFromPasses(nets, threads, source);
}
