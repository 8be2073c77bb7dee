import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensorValues, type OnnxTensor } from '../../src/onnx/model.js';

function tensor(dims: number[], data_type: number, extra: Partial<OnnxTensor>): OnnxTensor {
  return { dims, data_type, float_data: [], int32_data: [], int64_data: [], double_data: [], external_data: [], ...extra };
}
function raw(bytes: number[]): Uint8Array {
  // a view into a larger buffer at an odd offset, as protobufjs hands out slices of the file
  const buf = new Uint8Array(bytes.length + 3);
  buf.set(bytes, 3);
  return buf.subarray(3);
}

test('tensorValues decodes little-endian raw_data of every type used for shapes and scalars', () => {
  assert.deepEqual(tensorValues(tensor([2], 7, { raw_data: raw([1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) })), [1, -1]);
  assert.deepEqual(tensorValues(tensor([2], 6, { raw_data: raw([0x10, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]) })), [16, -2]);
  assert.deepEqual(tensorValues(tensor([], 1, { raw_data: raw([0, 0, 0xc0, 0x40]) })), [6]); // 6.0f
  assert.deepEqual(tensorValues(tensor([1], 11, { raw_data: raw([0, 0, 0, 0, 0, 0, 0xe0, 0x3f]) })), [0.5]); // 0.5 double
  assert.deepEqual(tensorValues(tensor([3], 2, { raw_data: raw([0, 7, 255]) })), [0, 7, 255]); // uint8
  assert.deepEqual(tensorValues(tensor([2, 2], 3, { raw_data: raw([0x80, 1, 2, 0xff]) })), [-128, 1, 2, -1]); // int8
});

test('tensorValues reads typed fields, and refuses external, truncated and unreadable data', () => {
  assert.deepEqual(tensorValues(tensor([3], 7, { int64_data: [0, -1, 5] })), [0, -1, 5]);
  assert.deepEqual(tensorValues(tensor([1], 1, { float_data: [2.5] })), [2.5]);
  assert.equal(tensorValues(tensor([2], 7, { raw_data: raw([1, 0, 0, 0]) })), undefined); // 4 bytes for 2 int64
  assert.equal(tensorValues(tensor([1], 7, { data_location: 1, external_data: [{ key: 'location', value: 'w.bin' }] })), undefined);
  assert.equal(tensorValues(tensor([1], 10, { raw_data: raw([0, 0x3c]) })), undefined); // fp16: not read
  assert.equal(tensorValues(tensor([4], 1, {})), undefined); // no data at all
  assert.deepEqual(tensorValues(tensor([0], 7, {})), []);
});
