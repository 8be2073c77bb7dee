// After an OOM kill, the advice fits the machine's state: add swap (how much) when the free swap is
// short of what the run needs, else raise the limit and check the memory+swap cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveNetwork } from '../../src/network/shapes.js';
import { zooNetwork } from '../../src/network/zoo/index.js';
import { oomAdvice, swapNeededBytes } from '../../src/executor/run-network.js';
import { largestResidentBytes, layerResidentBytes } from '../../src/network/onnx-layer.js';

const MiB = 2 ** 20;
const vgg = resolveNetwork(zooNetwork('vgg16'));

test('largestResidentBytes: VGG-16 classifier.0 (25088x4096 weights + bias + in/out)', () => {
  const want = (25088 * 4096 + 4096) * 4 + 25088 * 4 + 4096 * 4;
  assert.equal(largestResidentBytes(vgg), want);
  assert.equal(largestResidentBytes(vgg), Math.max(...vgg.layers.map(layerResidentBytes)));
  assert.equal(swapNeededBytes(vgg, 100 * MiB), want + 256 * MiB - 100 * MiB);
});

test('oomAdvice: short of swap -> setup-swap with the missing GiB; enough swap -> raise the memory limit', () => {
  const m = 100 * MiB;
  const need = swapNeededBytes(vgg, m); // ~549 MiB
  const short = oomAdvice(vgg, m, 0);
  assert.match(short, /^add swap \('sudo memlat doctor --setup-swap 2GiB': 0 B is free\) or raise memory to 648 MiB, where the largest layer fits$/);
  // the CLI names the argument by its flag
  assert.match(
    oomAdvice(vgg, m, 0, (a) => `--${a}`),
    /or raise --memory to 648 MiB, where the largest layer fits$/,
  );
  assert.equal(Math.ceil((need + 2 ** 30) / 2 ** 30), 2);
  const plenty = oomAdvice(vgg, m, 4 * 2 ** 30);
  assert.match(plenty, /^4 GiB of swap is free, which this run should not exhaust; raise memory \(648 MiB fits the largest layer\)/);
  assert.doesNotMatch(plenty, /setup-swap/);
});
