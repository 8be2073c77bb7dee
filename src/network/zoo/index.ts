/**
 * The zoo: real architectures addressable by name, built as plain Network descriptions (batch 1,
 * 224x224 RGB images unless stated), so `memlat describe resnet50` and the predictor work without a
 * model file. Each family lives in its own file and mirrors a published reference implementation
 * (torchvision for the CNNs, Hugging Face BertModel for BERT); test/network/zoo checks every network's total
 * parameters and MACs against the published figures.
 *
 * Names are case-insensitive and ignore '-', '_', '.' and spaces, so "ResNet-50", "resnet_50" and
 * "resnet50" are the same network; a few aliases ("inception-v1", "bert-base-uncased") are accepted.
 * Pure; building a network costs O(layers), under a millisecond.
 */
import { UserError } from '../../errors.js';
import type { Network } from '../types.js';
import { alexnet } from './alexnet.js';
import { bertBase, BERT_BASE } from './bert.js';
import { DENSENETS, densenet } from './densenet.js';
import { googlenet } from './googlenet.js';
import { mobilenetV2 } from './mobilenet.js';
import { mobilenetV3 } from './mobilenetv3.js';
import { RESNETS, resnet } from './resnet.js';
import { squeezenet10, squeezenet11 } from './squeezenet.js';
import { vgg } from './vgg.js';

/** Options of `zooNetwork`. */
export interface ZooOptions {
  /** Sequence length of transformer networks (bert-base), 1..512; default 128. Ignored by CNNs. */
  seqLen?: number;
  /** Batch size (dimension 0 of every input); default 1. */
  batch?: number;
}

interface ZooEntry {
  /** Canonical name, as zooNames() lists it. */
  name: string;
  /** Extra accepted spellings (compared after normalisation). */
  aliases: string[];
  build: (batch: number, seqLen: number) => Network;
}

const ENTRIES: ZooEntry[] = [
  { name: 'alexnet', aliases: [], build: (n) => alexnet(n) },
  ...([11, 13, 16, 19] as const).flatMap((d): ZooEntry[] => [
    { name: `vgg${d}`, aliases: [], build: (n) => vgg(d, false, n) },
    { name: `vgg${d}_bn`, aliases: [], build: (n) => vgg(d, true, n) },
  ]),
  ...Object.values(RESNETS).map((spec): ZooEntry => ({ name: spec.name, aliases: [], build: (n) => resnet(spec, n) })),
  ...Object.values(DENSENETS).map((spec): ZooEntry => ({ name: spec.name, aliases: [], build: (n) => densenet(spec, n) })),
  { name: 'mobilenetv2', aliases: [], build: (n) => mobilenetV2(n) },
  { name: 'mobilenetv3_large', aliases: ['mobilenet_v3_large', 'mobilenetv3'], build: (n) => mobilenetV3('large', n) },
  { name: 'mobilenetv3_small', aliases: ['mobilenet_v3_small'], build: (n) => mobilenetV3('small', n) },
  { name: 'squeezenet1_0', aliases: [], build: (n) => squeezenet10(n) },
  { name: 'squeezenet1_1', aliases: [], build: (n) => squeezenet11(n) },
  { name: 'googlenet', aliases: ['inception-v1', 'inception1'], build: (n) => googlenet(n) },
  { name: 'bert-base', aliases: ['bert', 'bert-base-uncased'], build: (n, s) => bertBase({ seqLen: s, batch: n }) },
  { name: 'bert-base-pooled', aliases: ['bert-base-pooler', 'bertmodel'], build: (n, s) => bertBase({ seqLen: s, batch: n, pooler: true }) },
];

/** Lower-cases and drops '-', '_', '.', and whitespace: "ResNet-50" -> "resnet50". */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[-_.\s]/g, '');
}

const BY_KEY = new Map<string, ZooEntry>();
for (const e of ENTRIES) {
  for (const key of new Set([e.name, ...e.aliases].map(normalise))) {
    if (BY_KEY.has(key)) throw new Error(`zoo: name "${key}" registered twice`);
    BY_KEY.set(key, e);
  }
}

/** Canonical names of every zoo network, in a stable order (for help texts and error messages). */
export function zooNames(): string[] {
  return ENTRIES.map((e) => e.name);
}

/** True if `name` (in any accepted spelling) is a zoo network. Lets the CLI tell zoo names from paths. */
export function isZooName(name: string): boolean {
  return BY_KEY.has(normalise(name));
}

/** Checks an optional positive-integer option; returns it or the default. */
function positiveInt(field: string, value: number | undefined, fallback: number, max: number, why: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new UserError(`${field} ${value} is invalid: use an integer from 1 to ${max}${why}`);
  }
  return value;
}

/**
 * Builds the zoo network called `name` (case-insensitive, aliases accepted) as a fresh Network
 * object the caller may modify. Throws UserError for an unknown name (listing the valid ones), a
 * batch that is not a positive integer, or a seqLen outside 1..512. Cost: O(layers).
 * @example zooNetwork('ResNet-50').layers.length // 175
 */
export function zooNetwork(name: string, opts: ZooOptions = {}): Network {
  const entry = BY_KEY.get(normalise(name));
  if (!entry) {
    throw new UserError(
      `unknown zoo network "${name}": valid names are ${zooNames().join(', ')} (case-insensitive; '-' and '_' optional), or give a path to a .json, .onnx or .prototxt file`,
    );
  }
  const batch = positiveInt('batch', opts.batch, 1, 1 << 20, '');
  const seqLen = positiveInt('seqLen', opts.seqLen, 128, BERT_BASE.maxPositions, ' (BERT-base has 512 position embeddings)');
  return entry.build(batch, seqLen);
}
