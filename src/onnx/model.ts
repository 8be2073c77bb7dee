/**
 * Reading ONNX models as plain, typed data: decode a ModelProto (via the schema subset in
 * schema.ts) into objects with numbers instead of Longs, plus helpers for attributes, tensor
 * dimensions and the values of small constant tensors. Never touches external data files: a
 * tensor whose data lives outside the model has its dims but no values here.
 *
 * Pure (bytes in, objects out). Cost: one protobuf decode, O(file size).
 */
import { UserError } from '../errors.js';
import { numElements } from '../units.js';
import { onnxRoot } from './schema.js';

/** TensorProto as plain data (only the fields memlat reads). */
export interface OnnxTensor {
  name?: string;
  dims: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  float_data: number[];
  int32_data: number[];
  int64_data: number[];
  double_data: number[];
  data_location?: number;
  external_data: { key?: string; value?: string }[];
}

/** AttributeProto as plain data. */
export interface OnnxAttribute {
  name: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
}

/** NodeProto as plain data. */
export interface OnnxNode {
  input: string[];
  output: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute: OnnxAttribute[];
}

/** One dimension of a declared shape: a number, a symbol (dim_param) or unknown. */
export type OnnxDim = number | string | undefined;

/** ValueInfoProto reduced to name, element type and declared dims (undefined when no shape). */
export interface OnnxValueInfo {
  name: string;
  elemType?: number;
  dims?: OnnxDim[];
}

/** GraphProto as plain data. */
export interface OnnxGraph {
  node: OnnxNode[];
  name?: string;
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  value_info: OnnxValueInfo[];
}

/** ModelProto as plain data. */
export interface OnnxModel {
  ir_version?: number;
  opset: number;
  producer_name?: string;
  graph: OnnxGraph;
}

interface RawValueInfo {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number; dim_param?: string }[] } } };
}
interface RawModel {
  ir_version?: number;
  opset_import?: { domain?: string; version?: number }[];
  producer_name?: string;
  graph?: {
    node?: OnnxNode[];
    name?: string;
    initializer?: OnnxTensor[];
    input?: RawValueInfo[];
    output?: RawValueInfo[];
    value_info?: RawValueInfo[];
  };
}

function valueInfo(v: RawValueInfo): OnnxValueInfo {
  const tt = v.type?.tensor_type;
  const out: OnnxValueInfo = { name: v.name ?? '' };
  if (tt?.elem_type !== undefined) out.elemType = tt.elem_type;
  if (tt?.shape) out.dims = (tt.shape.dim ?? []).map((d) => d.dim_value ?? (d.dim_param !== undefined && d.dim_param !== '' ? d.dim_param : undefined));
  return out;
}

/**
 * Decodes an ONNX file's bytes into plain data. Throws a one-line UserError for anything that is
 * not a decodable ONNX model with a graph. Cost: O(bytes).
 * @example decodeOnnx(readFileSync('model.onnx')).graph.node.length
 */
export function decodeOnnx(bytes: Uint8Array): OnnxModel {
  const M = onnxRoot().lookupType('onnx.ModelProto');
  let raw: RawModel;
  try {
    raw = M.toObject(M.decode(bytes), { longs: Number, arrays: true });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new UserError(`not a valid ONNX model (${bytes.length} bytes): protobuf decoding failed: ${why}; the file is truncated or not .onnx`);
  }
  const g = raw.graph;
  if (!g || (g.node ?? []).length === 0) {
    throw new UserError(`not a valid ONNX model (${bytes.length} bytes): no graph with nodes found; the file is truncated or not .onnx`);
  }
  for (const n of g.node ?? []) {
    if (!n.op_type) throw new UserError(`not a valid ONNX model: node "${n.name ?? ''}" has no op_type; the file is corrupt or not .onnx`);
  }
  const opset = (raw.opset_import ?? []).find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 13;
  const model: OnnxModel = {
    opset,
    graph: {
      node: g.node ?? [],
      initializer: g.initializer ?? [],
      input: (g.input ?? []).map(valueInfo),
      output: (g.output ?? []).map(valueInfo),
      value_info: (g.value_info ?? []).map(valueInfo),
    },
  };
  if (raw.ir_version !== undefined) model.ir_version = raw.ir_version;
  if (raw.producer_name) model.producer_name = raw.producer_name;
  if (g.name) model.graph.name = g.name;
  return model;
}

/** Looks up an attribute of a node by name. */
export function attr(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attribute.find((a) => a.name === name);
}
/**
 * An INT attribute, or the default when the node has no such attribute. A present attribute with
 * no value is 0, as onnxruntime reads it (proto3 encoders, protobufjs included, drop zero scalars).
 */
export function attrInt(node: OnnxNode, name: string, dflt: number): number;
export function attrInt(node: OnnxNode, name: string): number | undefined;
export function attrInt(node: OnnxNode, name: string, dflt?: number): number | undefined {
  const a = attr(node, name);
  return a === undefined ? dflt : (a.i ?? 0);
}
/** A FLOAT attribute, or the default when absent (a present attribute with no value is 0). */
export function attrFloat(node: OnnxNode, name: string, dflt: number): number;
export function attrFloat(node: OnnxNode, name: string): number | undefined;
export function attrFloat(node: OnnxNode, name: string, dflt?: number): number | undefined {
  const a = attr(node, name);
  return a === undefined ? dflt : (a.f ?? 0);
}
/** An INTS attribute, or undefined when absent. */
export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = attr(node, name);
  return a === undefined ? undefined : a.ints;
}
/** A STRING attribute decoded as UTF-8, or undefined. */
export function attrString(node: OnnxNode, name: string): string | undefined {
  const s = attr(node, name)?.s;
  return s === undefined ? undefined : new TextDecoder().decode(s);
}

/** Is this tensor's data stored outside the model file? */
export function isExternal(t: OnnxTensor): boolean {
  return t.data_location === 1 || t.external_data.length > 0;
}

/**
 * The values of a small tensor stored inside the model (shapes, axes, scalars), as JS numbers.
 * Undefined when the data is external, absent, or of a type memlat does not read. Cost: O(elements).
 */
export function tensorValues(t: OnnxTensor): number[] | undefined {
  if (isExternal(t)) return undefined;
  const n = numElements(t.dims);
  const type = t.data_type ?? 0;
  const raw = t.raw_data;
  if (raw !== undefined && raw.length > 0) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const size: Record<number, number> = { 1: 4, 2: 1, 3: 1, 5: 2, 6: 4, 7: 8, 9: 1, 11: 8, 12: 4, 13: 8 };
    const s = size[type];
    if (s === undefined || raw.length !== n * s) return undefined;
    const out: number[] = [];
    for (let k = 0; k < n; k++) {
      const o = k * s;
      switch (type) {
        case 1:
          out.push(dv.getFloat32(o, true));
          break;
        case 2:
        case 9:
          out.push(dv.getUint8(o));
          break;
        case 3:
          out.push(dv.getInt8(o));
          break;
        case 5:
          out.push(dv.getInt16(o, true));
          break;
        case 6:
          out.push(dv.getInt32(o, true));
          break;
        case 7:
          out.push(Number(dv.getBigInt64(o, true)));
          break;
        case 11:
          out.push(dv.getFloat64(o, true));
          break;
        case 12:
          out.push(dv.getUint32(o, true));
          break;
        case 13:
          out.push(Number(dv.getBigUint64(o, true)));
          break;
      }
    }
    return out;
  }
  const lists = [t.float_data, t.int64_data, t.int32_data, t.double_data];
  for (const l of lists) if (l.length === n && n > 0) return l.map(Number);
  return n === 0 ? [] : undefined;
}
