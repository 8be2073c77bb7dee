// Constant folding of single ONNX nodes (src/network/import/onnx/fold.ts), values checked by hand
// (numpy semantics: broadcasting, Gather along an axis, Slice with negative steps, Mod's sign).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldNode, type ConstTensor } from '../../../../src/network/import/onnx/fold.js';
import type { OnnxAttribute, OnnxNode } from '../../../../src/onnx/model.js';

const ints = (name: string, v: number[]): OnnxAttribute => ({ name, type: 7, ints: v, floats: [] });
const int = (name: string, v: number): OnnxAttribute => ({ name, type: 2, i: v, ints: [], floats: [] });
const node = (op: string, nIn: number, attribute: OnnxAttribute[] = []): OnnxNode => ({
  op_type: op,
  input: Array.from({ length: nIn }, (_, k) => `i${k}`),
  output: ['y'],
  attribute,
});
const t = (dims: number[], values?: number[], float = false): ConstTensor => (values ? { dims, values, float } : { dims, float });

test('Transpose, Gather along axis 1 and Concat fold with values', () => {
  const a = t([2, 3], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(foldNode(node('Transpose', 1, [ints('perm', [1, 0])]), [a], 14), { dims: [3, 2], values: [0, 3, 1, 4, 2, 5], float: false });
  assert.deepEqual(foldNode(node('Gather', 2, [int('axis', 1)]), [a, t([2], [2, -3])], 14)?.values, [2, 0, 5, 3]);
  assert.deepEqual(foldNode(node('Concat', 2, [int('axis', 1)]), [a, t([2, 1], [9, 8])], 14), { dims: [2, 4], values: [0, 1, 2, 9, 3, 4, 5, 8], float: false });
});

test('Slice with a negative step, Range, Mod (sign of the divisor) and Where with broadcasting', () => {
  const v = t([5], [0, 1, 2, 3, 4]);
  assert.deepEqual(foldNode(node('Slice', 5), [v, t([1], [-1]), t([1], [-(2 ** 53)]), t([1], [0]), t([1], [-2])], 14)?.values, [4, 2, 0]);
  assert.deepEqual(foldNode(node('Range', 3), [t([], [2]), t([], [11]), t([], [3])], 14), { dims: [3], values: [2, 5, 8], float: false });
  assert.deepEqual(foldNode(node('Mod', 2), [t([3], [-7, 7, 5]), t([], [3])], 14)?.values, [2, 1, 2]);
  const w = foldNode(node('Where', 3), [t([2, 1], [1, 0]), t([3], [1, 2, 3], true), t([], [-100], true)], 14);
  assert.deepEqual(w, { dims: [2, 3], values: [1, 2, 3, -100, -100, -100], float: true });
});

test('integer Div truncates, float Div does not; dims-only results for unknown values', () => {
  assert.deepEqual(foldNode(node('Div', 2), [t([2], [7, -7]), t([], [2])], 14)?.values, [3, -3]);
  assert.deepEqual(foldNode(node('Div', 2), [t([1], [7], true), t([], [2], true)], 14)?.values, [3.5]);
  // an external weight [768, 3072] transposed: dims only
  assert.deepEqual(foldNode(node('Transpose', 1, [ints('perm', [1, 0])]), [t([768, 3072], undefined, true)], 14), { dims: [3072, 768], float: true });
  assert.deepEqual(
    foldNode(
      node('Expand', 2),
      [
        t([1, 1, 8], undefined, true),
        t(
          [3],
          [2, -1, 8].map((d) => (d < 0 ? 1 : d)),
        ),
      ],
      14,
    ),
    { dims: [2, 1, 8], float: true },
  );
  assert.equal(foldNode(node('Reshape', 2), [t([4], [1, 2, 3, 4]), t([1], undefined)], 14), undefined);
});

test('ConstantOfShape, Equal and ReduceSum fold (Swin attention-mask arithmetic)', () => {
  const z = foldNode(node('ConstantOfShape', 1), [t([2], [2, 3])], 14);
  assert.deepEqual(z, { dims: [2, 3], values: [0, 0, 0, 0, 0, 0], float: true });
  assert.deepEqual(foldNode(node('Equal', 2), [t([3], [1, 2, 3]), t([], [2])], 14)?.values, [0, 1, 0]);
  assert.deepEqual(foldNode(node('ReduceSum', 2, [int('keepdims', 0)]), [t([2, 3], [1, 2, 3, 4, 5, 6]), t([1], [1])], 14), {
    dims: [2],
    values: [6, 15],
    float: false,
  });
});
