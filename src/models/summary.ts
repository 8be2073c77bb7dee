/**
 * A short human-readable summary of a fitted model (what `memlat fit` prints): per target, the
 * regressions and their training fit, and for FS the selected features. Pure; O(model size).
 */
import { FeModel } from './fe.js';
import { FsModel } from './fs.js';
import type { Model } from './types.js';

/** One line per group/target with n and the training RMSE of ln(time). */
export function summarizeModel(model: Model): string {
  const lines = [`model ${model.kind} v${model.version}; targets fitted: ${model.fittedTargets.join(', ') || '(none)'}`];
  if (model instanceof FeModel) {
    lines.push(`features (${model.data.featureScale}, ${model.data.featureSet}); back-transform ${model.data.backTransform}`);
    for (const [name, g] of Object.entries(model.data.groups)) {
      const parts = Object.entries(g.targets).map(([t, r]) => `${t}[${r.featureIdx.map((j) => model.data.features[j]).join('+')}] rmse(ln)=${r.rmseLog.toFixed(2)}`);
      lines.push(`  ${name.padEnd(10)} n=${String(g.n).padStart(5)}  ${parts.join('  ')}${name === 'other' ? `  (${g.types.join(', ')})` : ''}`);
    }
  } else if (model instanceof FsModel) {
    lines.push(`base features (${model.data.featureScale}): ${model.data.baseFeatures.length}; back-transform ${model.data.backTransform}`);
    for (const [t, r] of Object.entries(model.data.targets)) {
      lines.push(`  ${t.padEnd(6)} n=${r.n} rounds: ${r.rounds.map((x) => `${x.candidates}->${x.selected.length}`).join(', ')}; PCA components ${r.components}; rmse(ln)=${r.rmseLog.toFixed(3)}`);
      lines.push(`         selected: ${r.termNames.join(', ') || '(none: intercept only)'}`);
    }
  }
  return lines.join('\n');
}
