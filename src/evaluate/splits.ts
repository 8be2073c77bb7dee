/**
 * Train/test splits over layer observations (one per configuration, models/observations.ts):
 * - kfold: random k-fold over configurations (seeded). Repetitions of one configuration are one
 *   observation, so they never straddle train and test.
 * - network: leave one network out (row.network; for sampled single layers that is the per-config
 *   id). With more than `maxGroups` networks (sampled layers), networks are dealt into `folds`
 *   groups instead (grouped k-fold), which keeps the cost bounded with the same guarantee: no
 *   network is in a fold's training and test data at once.
 * - memory: leave one memory level out (the unlimited level is "none").
 * - hardware: every ordered pair (train on machine A, test on machine B).
 * Pure; O(n).
 */
import { argumentError } from '../errors.js';
import type { LayerObservation } from '../models/observations.js';
import { randomFolds } from '../models/target.js';
import { formatBytes } from '../units.js';

/** The splits `memlat evaluate --split` accepts. */
export const SPLIT_KINDS = ['kfold', 'network', 'memory', 'hardware'] as const;
/** One of SPLIT_KINDS. */
export type SplitKind = (typeof SPLIT_KINDS)[number];

/** One train/test split: indices into the observation array. */
export interface Fold {
  name: string;
  train: number[];
  test: number[];
}

/** Options of makeFolds. */
export interface SplitOptions {
  folds?: number; // default 5
  seed?: number; // default 1
  /** Leave-one-network-out up to this many networks, grouped k-fold above (default 30). */
  maxGroups?: number;
}

/** Validates a --split value. */
export function parseSplitKind(s: string): SplitKind {
  if ((SPLIT_KINDS as readonly string[]).includes(s)) return s as SplitKind;
  throw argumentError((n) => `${n('split')} "${s}": unknown split; use one of ${SPLIT_KINDS.join(', ')}`);
}

/** Label of a memory level: "none" or a human size like "512 MiB". */
export function memoryLabel(limit: number | null): string {
  return limit === null ? 'none' : formatBytes(limit);
}

function groupBy(obs: readonly LayerObservation[], key: (o: LayerObservation) => string): Map<string, number[]> {
  const m = new Map<string, number[]>();
  obs.forEach((o, i) => {
    const k = key(o);
    let l = m.get(k);
    if (!l) m.set(k, (l = []));
    l.push(i);
  });
  return m;
}

function leaveOneGroupOut(n: number, groups: Map<string, number[]>, prefix: string): Fold[] {
  const all = Array.from({ length: n }, (_, i) => i);
  return [...groups].map(([g, test]) => {
    const inTest = new Set(test);
    return { name: `${prefix}${g}`, train: all.filter((i) => !inTest.has(i)), test };
  });
}

/**
 * Builds the folds of a split. Throws a UserError when the data cannot support it (fewer than 2
 * networks, memory levels or machines).
 */
export function makeFolds(obs: readonly LayerObservation[], split: SplitKind, options: SplitOptions = {}): Fold[] {
  const n = obs.length;
  const k = options.folds ?? 5;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(k) || k < 2) throw argumentError((n) => `${n('folds')} ${k}: must be an integer >= 2`);
  switch (split) {
    case 'kfold': {
      if (n < k) throw argumentError((name) => `${name('folds')} ${k}: only ${n} layer configurations; use ${name('folds')} ${Math.max(2, n)} or fewer`);
      const f = randomFolds(n, k, seed);
      return Array.from({ length: k }, (_, g) => ({
        name: `fold${g + 1}`,
        train: f.flatMap((x, i) => (x !== g ? [i] : [])),
        test: f.flatMap((x, i) => (x === g ? [i] : [])),
      }));
    }
    case 'network': {
      const groups = groupBy(obs, (o) => o.network);
      if (groups.size < 2)
        throw argumentError((n) => `${n('split')} network: the data has ${groups.size} network(s); it needs at least 2 (use ${n('split')} kfold)`);
      if (groups.size <= (options.maxGroups ?? 30)) return leaveOneGroupOut(n, groups, '');
      const names = [...groups.keys()].sort();
      const gf = randomFolds(names.length, Math.min(k, names.length), seed);
      const merged = new Map<string, number[]>();
      names.forEach((name, i) => {
        const key = `group${gf[i]! + 1}`;
        merged.set(key, [...(merged.get(key) ?? []), ...groups.get(name)!]);
      });
      return leaveOneGroupOut(n, new Map([...merged].sort(([a], [b]) => a.localeCompare(b))), 'networks-');
    }
    case 'memory': {
      const groups = groupBy(obs, (o) => memoryLabel(o.memoryLimitBytes));
      if (groups.size < 2)
        throw argumentError((n) => `${n('split')} memory: the data has ${groups.size} memory level(s); it needs at least 2 (use ${n('split')} kfold)`);
      return leaveOneGroupOut(n, groups, 'M=');
    }
    case 'hardware': {
      const groups = groupBy(obs, (o) => o.hardwareId);
      if (groups.size < 2)
        throw argumentError(
          (n) =>
            `${n('split')} hardware: the data comes from ${groups.size} machine(s) (${[...groups.keys()].join(', ')}); it needs at least 2 (use ${n('split')} kfold)`,
        );
      const out: Fold[] = [];
      for (const [a, train] of groups) for (const [b, test] of groups) if (a !== b) out.push({ name: `${a}->${b}`, train, test });
      return out;
    }
  }
}
