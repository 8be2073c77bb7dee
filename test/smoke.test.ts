import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnxRoot } from '../src/onnx/schema.js';

test('the ONNX schema subset parses and knows ModelProto', () => {
  const model = onnxRoot().lookupType('onnx.ModelProto');
  assert.equal(model.fields['graph']?.id, 7);
});
