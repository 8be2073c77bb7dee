/**
 * Golden test over test/fixtures/onnx-corpus: PyTorch's own ONNX exports (torch.onnx.export, opset
 * 14) of torchvision's classification models and of a plain-torch GPT-2 (gpt2_lm, gpt2_medium_lm),
 * weights stripped (scripts/make-onnx-corpus.py).
 * Every fixture must import without allowUnknownOps, with exactly PyTorch's parameter count
 * (sum of p.numel()), and - for models whose MACs are all in Conv2d/Linear modules - exactly the
 * MAC count of forward hooks on those modules.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { gunzipSync } from 'node:zlib';
import { networkStats } from '../../../src/features/layer.js';
import { importOnnx } from '../../../src/network/import/onnx.js';
import { resolveNetwork } from '../../../src/network/shapes.js';
import { fixturesDir } from '../../helpers/paths.js';

interface Entry {
  family: string;
  file: string;
  input: number[];
  params: number;
  macs: number;
  macsComplete: boolean;
}

const dir = join(fixturesDir, 'onnx-corpus');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { models: Record<string, Entry> };
const entries = Object.entries(manifest.models);

/** Imports one fixture: its totals, or the error message. */
function load(name: string, e: Entry): { params: number; macs: number; layers: number; types: Set<string> } {
  const bytes = gunzipSync(readFileSync(join(dir, e.file)));
  const { network } = importOnnx(bytes, { name });
  const rn = resolveNetwork(network);
  const st = networkStats(rn);
  return { params: st.totals.params, macs: st.totals.macs, layers: rn.layers.length, types: new Set(rn.layers.map((l) => l.layer.type)) };
}

test('the corpus covers the published families, including those that once failed to import', () => {
  const families = new Set(entries.map(([, e]) => e.family));
  for (const f of ['convnext', 'shufflenet_v2', 'swin', 'vit', 'maxvit', 'resnet', 'efficientnet', 'regnet', 'mobilenet_v3', 'densenet', 'gpt2'])
    assert.ok(families.has(f), `corpus has no ${f} model`);
  assert.ok(entries.length >= 30, `corpus has ${entries.length} models`);
});

/**
 * Float buffers that feed computation look exactly like parameters in ONNX. Swin V2's
 * relative_coords_table ([1, 15, 15, 2] = 450 floats, identical in every block, so the exporter keeps
 * one initializer) feeds the position-bias MLP; memlat counts it, PyTorch's parameters() does not.
 * swin_v2_s, swin_v2_t_in21k, swin_v2_s_in21k and swin_v2_b_in21k (the same bodies with a 21k head,
 * and the wider B) have the same window size, so the same single 450-float table.
 */
const FLOAT_BUFFERS: Record<string, number> = { swin_v2_t: 450, swin_v2_s: 450, swin_v2_t_in21k: 450, swin_v2_s_in21k: 450, swin_v2_b_in21k: 450 };

for (const [name, e] of entries) {
  test(`corpus ${name} (${e.family}): imports with PyTorch's exact parameter count`, () => {
    const r = load(name, e);
    assert.equal(r.params, e.params + (FLOAT_BUFFERS[name] ?? 0));
    assert.ok(!r.types.has('opaque'));
    if (e.macsComplete) assert.equal(r.macs, e.macs, 'MACs against forward hooks on Conv2d/Linear');
    else assert.ok(r.macs >= e.macs, `MACs ${r.macs} include attention on top of the module MACs ${e.macs}`);
  });
}
