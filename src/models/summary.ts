/**
 * A short human-readable summary of a fitted model (what `memlat fit` prints): per target, the
 * regressions and their training fit, and for FS the selected features. Pure; O(model size).
 */
import { IN_NETWORK_TREES } from './fe-swap/in-network.js';
import { FeModel } from './fe.js';
import { FeSwapModel } from './fe-swap.js';
import { FsModel } from './fs.js';
import type { Model } from './types.js';

/** One line per group/target with n and the training RMSE of ln(time). */
export function summarizeModel(model: Model): string {
  const lines = [`model ${model.kind} v${model.version}; targets fitted: ${model.fittedTargets.join(', ') || '(none)'}`];
  if (model instanceof FeModel) {
    lines.push(`features (${model.data.featureScale}, ${model.data.featureSet}); back-transform ${model.data.backTransform}`);
    for (const [name, g] of Object.entries(model.data.groups)) {
      const parts = Object.entries(g.targets).map(
        ([t, r]) => `${t}[${r.featureIdx.map((j) => model.data.features[j]).join('+')}] rmse(ln)=${r.rmseLog.toFixed(2)}`,
      );
      lines.push(`  ${name.padEnd(10)} n=${String(g.n).padStart(5)}  ${parts.join('  ')}${name === 'other' ? `  (${g.types.join(', ')})` : ''}`);
    }
  } else if (model instanceof FeSwapModel) {
    const c = model.data.context;
    const ph = model.data.basePhases;
    const kinds = ph ? [...new Set(Object.values(ph))].join('/') : 'fe';
    const rows = { 'no-swap': 'the passes that do not swap', unlimited: 'the unlimited passes only', all: 'every pass' }[model.data.baseRows ?? 'no-swap'];
    lines.push(`base: ${kinds} on ${rows}; slowdown tables per phase (headroom x ln ws x family):`);
    for (const [t, tab] of Object.entries(model.data.slowdown)) {
      const maxS = Math.exp(Math.max(...tab.lnS));
      lines.push(
        `  ${t.padEnd(6)} n=${tab.n} pairs  ${tab.hCuts.length + 1} headroom x ${tab.lnWsCuts.length + 1} size cells  smearing ${tab.smearing.toFixed(3)}  largest slowdown x${maxS.toFixed(1)}`,
      );
    }
    lines.push(
      c.runs > 0
        ? `network context: total factor ${c.totalFactor} from ${c.unlimitedRuns} unlimited runs; ctx ${c.ctxMiB} MiB, kappa ${c.kappa}${c.kappaGemm !== undefined ? ` (GEMM ${c.kappaGemm})` : ''}${c.lambdaScale !== undefined ? `, lambda x ${c.lambdaScale}` : ''} from ${c.runs} limited runs${c.runsAgainstLargestLimit ? ` (${c.runsAgainstLargestLimit} against their network's largest limit)` : ''} of ${c.networks.join(', ')} (rms ln error of the total's slowdown ${c.rmsLogBefore?.toFixed(3)} -> ${c.rmsLogAfter?.toFixed(3)})${c.atGridEdge ? '; warning: ctx or kappa is on the edge of the search grid, so the context runs are not described well (are they from this machine?)' : ''}`
        : 'network context: none fitted (ctx 0, kappa 1: isolated-layer slowdown); pass --context rows of whole-network runs',
    );
    if (c.refaultMsPerMiB !== undefined)
      lines.push(
        `sessions: ${(c.sessionBytesPerLayer ?? 0) / 1024} KiB per layer, kept only beside the largest layer (cold footprint ${c.sessionColdMiB ?? 0} MiB); the rest faulted back at ${c.refaultMsPerMiB} ms per MiB`,
      );
    if (c.callMsPerLayer !== undefined)
      lines.push(
        `per-call cost: ${c.callMsPerLayer} ms added to each layer's run inside a network, fitted with the total factor on ${c.unlimitedRuns} unlimited runs (rms ln error of their totals ${c.rmsLogUnlimited?.toFixed(3)})`,
      );
    if (c.inNetwork) {
      const phases = Object.keys(c.inNetwork.trees);
      lines.push(
        phases.length > 0
          ? `in-network base: ${phases.join(', ')} corrected per layer kind from ${c.inNetwork.layers} layers of ${c.inNetwork.runs} unlimited runs (rms ln error of the unlimited totals ${c.rmsLogUnlimited?.toFixed(3)})`
          : `in-network base: not fitted, ${c.inNetwork.layers} layers of ${c.inNetwork.runs} unlimited runs are too few (${2 * IN_NETWORK_TREES.minSamplesLeaf} or more per phase); the isolated base is used`,
      );
    }
  } else if (model instanceof FsModel) {
    lines.push(`base features (${model.data.featureScale}): ${model.data.baseFeatures.length}; back-transform ${model.data.backTransform}`);
    for (const [t, r] of Object.entries(model.data.targets)) {
      lines.push(
        `  ${t.padEnd(6)} n=${r.n} rounds: ${r.rounds.map((x) => `${x.candidates}->${x.selected.length}`).join(', ')}; PCA components ${r.components}; rmse(ln)=${r.rmseLog.toFixed(3)}`,
      );
      lines.push(`         selected: ${r.termNames.join(', ') || '(none: intercept only)'}`);
    }
  }
  return lines.join('\n');
}
