/**
 * Loads a network from what a user types: a zoo name (`resnet50`) or a path to a .json network
 * description, an .onnx model, or a Caffe .prototxt (any file whose text looks like Caffe).
 *
 * The only network-loading code that touches the file system (the parsers it calls are pure).
 * ONNX weights are never read: only the graph's dimensions are needed.
 */
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { argumentError, UserError } from '../errors.js';
import { importCaffe } from './import/caffe.js';
import { importOnnx } from './import/onnx.js';
import { withBatch } from './shapes.js';
import type { Network } from './types.js';
import { validateNetwork } from './validate.js';
import { isZooName, zooNames, zooNetwork } from './zoo/index.js';

/** Options of loadNetwork. */
export interface LoadNetworkOptions {
  /** Batch size: dimension 0 of every input (reshape targets follow, see withBatch). */
  batch?: number;
  /** ONNX: keep unsupported ops as opaque layers (with a warning each) instead of failing. */
  allowUnknownOps?: boolean;
  /**
   * Sequence length: for zoo transformers, and for ONNX inputs whose symbolic dimension is named
   * like a sequence length (sequence, sequence_length, seq_len, seq, ...).
   */
  seqLen?: number;
  /** ONNX: sizes of other symbolic dimensions by name (`--dim name=size`). */
  dims?: Record<string, number>;
}

/** What loadNetwork returns: the network and what importers approximated or dropped. */
export interface LoadedNetwork {
  network: Network;
  warnings: string[];
}

const SEQ_DIM_NAMES = ['sequence', 'sequence_length', 'sequenceLength', 'seq_len', 'seqLen', 'seq', 'seq_length', 'seqlen'];

/** True if the text looks like a Caffe prototxt (NetParameter in protobuf text format). */
export function looksLikeCaffe(text: string): boolean {
  const head = text.slice(0, 20_000).replace(/#[^\n]*/g, '');
  return /^\s*(layers?\s*\{|input\s*:|input_dim\s*:|input_shape\s*\{)/m.test(head) && !/^\s*[[{]/.test(head);
}

/**
 * Where JSON.parse failed, as an offset: from "at position N" when V8 says it, else from the
 * context snippet V8 quotes (`..."inputs": [}..." is not valid JSON`: 10 characters either side).
 */
function jsonErrorOffset(text: string, msg: string): number | undefined {
  const pos = /position (\d+)/.exec(msg);
  if (pos) return Number(pos[1]);
  if (/Unexpected end of JSON input/.test(msg)) return text.trimEnd().length;
  const m = /, (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(msg);
  if (!m) return undefined;
  const lead = m[1] !== undefined;
  const trail = m[3] !== undefined;
  const core = m[2] ?? '';
  const start = text.indexOf(core);
  if (start < 0) return undefined;
  if (lead) return start + 10;
  if (trail) return core.length - 10;
  return undefined;
}

function jsonError(text: string, err: unknown, where: string): UserError {
  const msg = err instanceof Error ? err.message : String(err);
  const offset = jsonErrorOffset(text, msg);
  let at = '';
  if (offset !== undefined) {
    const before = text.slice(0, offset);
    at = ` at line ${before.split('\n').length}, column ${offset - before.lastIndexOf('\n')}`;
  }
  const what = msg
    .replace(/\s*in JSON at position \d+.*$/s, '')
    .replace(/, (\.\.\.)?"[\s\S]*"(\.\.\.)? is not valid JSON$/, '')
    .replace(/\s+/g, ' ');
  return new UserError(`${where}: not valid JSON${at}: ${what}; fix the syntax (docs/NETWORK-FORMAT.md has an example)`);
}

function seemsLikePath(arg: string): boolean {
  return /[/\\]/.test(arg) || /\.(json|onnx|prototxt|pbtxt|txt)$/i.test(arg);
}

/**
 * Loads a network by zoo name or file path (see the module comment); `-` reads standard input.
 *
 * Why: every command takes `<network>` the same way. Files are recognised by extension (.json,
 * .onnx, .prototxt) and otherwise by content (JSON object, Caffe text, else ONNX bytes). An unknown
 * name gets a UserError listing the zoo names; a missing path one saying it does not exist; a
 * malformed file the parser's one-line errors. Shapes are not resolved here (resolveNetwork).
 * Cost: reading the file (ONNX: dims only, weights untouched) plus O(layers).
 * @example const { network } = await loadNetwork('resnet50', { batch: 4 })
 */
export async function loadNetwork(arg: string, opts: LoadNetworkOptions = {}): Promise<LoadedNetwork> {
  // Any existing non-directory is read (regular files, but also pipes such as <(...) and /dev/stdin).
  const isFile =
    arg === '-' ||
    (await stat(arg).then(
      (s) => (s.isDirectory() ? 'dir' : true),
      () => false,
    ));
  if (isFile === 'dir') throw new UserError(`network "${arg}" is a directory; give a .json, .onnx or .prototxt file inside it`);
  if (isFile === false) {
    if (!seemsLikePath(arg) && isZooName(arg)) {
      const zooOpts: { batch?: number; seqLen?: number } = {};
      if (opts.batch !== undefined) zooOpts.batch = opts.batch;
      return { network: zooWithOptions(arg, { ...zooOpts, ...(opts.seqLen !== undefined ? { seqLen: opts.seqLen } : {}) }), warnings: [] };
    }
    if (seemsLikePath(arg)) throw new UserError(`network "${arg}": no such file; check the path (or use a zoo name: ${zooNames().join(', ')})`);
    throw new UserError(`unknown network "${arg}": not a file and not a zoo name; zoo names are ${zooNames().join(', ')}`);
  }

  let bytes: Buffer;
  try {
    bytes = arg === '-' ? readFileSync(0) : await readFile(arg);
  } catch (e) {
    throw new UserError(`network "${arg}": cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)}); check its permissions`);
  }
  const ext = extname(arg).toLowerCase();
  const name = arg === '-' ? 'stdin' : basename(arg, extname(arg));
  let loaded: LoadedNetwork;
  try {
    loaded = parseNetworkFile(arg, bytes, ext, name, opts);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(e.problems.map((p) => (p.startsWith(`${arg}:`) ? p : `${arg}: ${p}`)));
    throw e;
  }
  if (opts.batch !== undefined) loaded.network = withBatch(loaded.network, opts.batch);
  return loaded;
}

function parseNetworkFile(arg: string, bytes: Buffer, ext: string, name: string, opts: LoadNetworkOptions): LoadedNetwork {
  const text = (): string => bytes.toString('utf8');
  const firstChar = bytes.subarray(0, 64).toString('utf8').trimStart()[0];
  if (ext === '.json' || (ext !== '.onnx' && ext !== '.prototxt' && firstChar === '{')) {
    const t = text();
    let json: unknown;
    try {
      json = JSON.parse(t);
    } catch (e) {
      throw jsonError(t, e, arg);
    }
    if (opts.seqLen !== undefined)
      throw argumentError(
        (n) => `${n('seqLen')} ${opts.seqLen}: a JSON network has fixed shapes; drop ${n('seqLen')} and write the sequence length into its inputs`,
      );
    return { network: validateNetwork(json, arg), warnings: [] };
  }
  if (ext === '.prototxt' || (ext !== '.onnx' && looksLikeCaffe(text()))) {
    // The prototxt's own `name:` wins; the file name only replaces the importer's fallback.
    if (opts.seqLen !== undefined) throw argumentError((n) => `${n('seqLen')} ${opts.seqLen}: a Caffe network has fixed shapes; drop ${n('seqLen')}`);
    const r = importCaffe(text());
    if (r.network.name === 'caffe-net') r.network.name = name;
    return { network: r.network, warnings: r.warnings };
  }
  // ONNX graph names are usually exporter boilerplate ("torch_jit", "main_graph"): use the file name.
  const dims: Record<string, number> = {};
  if (opts.seqLen !== undefined) for (const d of SEQ_DIM_NAMES) dims[d] = opts.seqLen;
  Object.assign(dims, opts.dims);
  const onnxOpts: { name: string; allowUnknownOps?: boolean; dims: Record<string, number> } = { name, dims };
  if (opts.allowUnknownOps !== undefined) onnxOpts.allowUnknownOps = opts.allowUnknownOps;
  const r = importOnnx(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), onnxOpts);
  return { network: r.network, warnings: r.warnings };
}

/**
 * A zoo network with batch/seqLen; --seq-len on a network without a sequence (e.g. vgg16) would be
 * silently ignored, so it is refused (UserError). Cost: one extra build when seqLen is given.
 */
export function zooWithOptions(name: string, opts: { batch?: number; seqLen?: number }): Network {
  const network = zooNetwork(name, opts);
  if (opts.seqLen !== undefined && JSON.stringify(network) === JSON.stringify(zooNetwork(name, { ...opts, seqLen: opts.seqLen + 1 }))) {
    throw argumentError(
      (n) => `${n('seqLen')} ${opts.seqLen}: network "${name}" has no sequence dimension; drop ${n('seqLen')} (it applies to transformers such as bert-base)`,
    );
  }
  return network;
}
