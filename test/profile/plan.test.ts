import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kindFor, sampleLayer, SAMPLE_KINDS, sequencePoint, type SampleKind } from '../../src/profile/design-space.js';
import { buildPlan, CONTINUOUS_LEVELS, continuousFactors, DEFAULT_LEVEL_FACTORS, levelQuantile, snapLimit } from '../../src/profile/plan.js';
import { resolveLayerOutput } from '../../src/network/shapes.js';

const MiB = 1024 * 1024;

test('the sequence is deterministic per seed and differs across seeds', () => {
  assert.deepEqual(sequencePoint(5, 1), sequencePoint(5, 1));
  assert.notDeepEqual(sequencePoint(5, 1), sequencePoint(5, 2));
  for (const x of sequencePoint(123456, 7)) assert.ok(x >= 0 && x < 1);
  assert.deepEqual(sampleLayer(42, { seed: 1 }), sampleLayer(42, { seed: 1 }));
  assert.equal(sampleLayer(42, { seed: 1 }).id, 's00042');
});

test('kinds follow their weights: 2100 samples within 15% of the expected counts, every kind present', () => {
  const n = 2100;
  const counts = new Map<SampleKind, number>();
  for (let i = 0; i < n; i++) {
    const k = kindFor(sequencePoint(i, 3)[0]!);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const total = Object.values(SAMPLE_KINDS).reduce((a, b) => a + b, 0);
  for (const [k, w] of Object.entries(SAMPLE_KINDS) as [SampleKind, number][]) {
    const expected = (n * w) / total;
    const got = counts.get(k) ?? 0;
    assert.ok(Math.abs(got - expected) <= 0.15 * expected + 2, `${k}: ${got} vs expected ${expected.toFixed(1)}`);
  }
});

test('samples are valid layers whose sizes spread log-uniformly from KiB to hundreds of MiB', () => {
  const n = 600;
  const logs: number[] = [];
  const types = new Set<string>();
  let depthwise = 0;
  let grouped = 0;
  for (let i = 0; i < n; i++) {
    const s = sampleLayer(i, { seed: 1 });
    assert.deepEqual(resolveLayerOutput(s.layer, s.inputShapes), s.outputShape);
    assert.ok(s.tensorBytes <= 512 * MiB, `${s.id} ${s.tensorBytes}`);
    logs.push(Math.log(s.tensorBytes));
    types.add(s.layer.type);
    if (s.layer.type === 'conv2d' && (s.layer.groups ?? 1) > 1) {
      if (s.layer.groups === s.inputShapes[0]![1]) depthwise++;
      else grouped++;
    }
  }
  for (const t of [
    'dense',
    'conv2d',
    'pool',
    'batchnorm',
    'layernorm',
    'lrn',
    'activation',
    'softmax',
    'dropout',
    'add',
    'mul',
    'concat',
    'flatten',
    'reshape',
    'transpose',
    'matmul',
    'embedding',
  ]) {
    assert.ok(types.has(t), `type ${t} missing`);
  }
  assert.ok(depthwise >= 10 && grouped >= 10, `depthwise ${depthwise} grouped ${grouped}`);
  logs.sort((a, b) => a - b);
  assert.ok(Math.exp(logs[0]!) < 64 * 1024, 'smallest sample below 64 KiB');
  assert.ok(Math.exp(logs[n - 1]!) > 256 * MiB, 'largest sample above 256 MiB');
  // Log-uniform target between 4 KiB and 512 MiB: quartiles of log size near 1/4, 1/2, 3/4 of the range.
  const lo = Math.log(4096);
  const hi = Math.log(512 * MiB);
  for (const q of [0.25, 0.5, 0.75]) {
    const frac = (logs[Math.floor(q * n)]! - lo) / (hi - lo);
    assert.ok(Math.abs(frac - q) < 0.12, `quantile ${q} of log size at ${frac.toFixed(3)} of the range`);
  }
});

test('snapLimit: geometric 2^(1/4) grid from 16 MiB, MiB multiples, respecting the floor', () => {
  assert.equal(snapLimit(300 * MiB, 2 ** 0.25, 0), 304 * MiB);
  assert.equal(snapLimit(16 * MiB, 2 ** 0.25, 0), 16 * MiB);
  assert.equal(snapLimit(1024 * MiB, 2 ** 0.25, 0), 1024 * MiB);
  assert.equal(snapLimit(1 * MiB, 2 ** 0.25, 100 * MiB), 108 * MiB); // 16*2^(11/4) = 107.6
});

test('plan (fixed levels): levels relative to working set + idle, snapped, grouped by limit, no limit first', () => {
  const idle = 90 * MiB;
  const plan = buildPlan({ seed: 1, layers: 120, reps: 3, idleBytes: idle, chunkSize: 60, levels: DEFAULT_LEVEL_FACTORS });
  const step = 2 ** (1 / 16);
  const floor = snapLimit(idle + 8 * MiB, step, idle + 8 * MiB);
  assert.deepEqual(plan.options.levels, [...DEFAULT_LEVEL_FACTORS]);
  assert.equal(
    plan.jobs,
    plan.groups.reduce((a, g) => a + g.jobs.length, 0),
  );
  assert.deepEqual([...new Set(plan.groups.map((g) => g.chunk))], [0, 1]);
  const ids = new Set<string>();
  for (const g of plan.groups) {
    for (const j of g.jobs) {
      assert.equal(j.memoryLimitBytes, g.memoryLimitBytes);
      assert.ok(!ids.has(j.id), `duplicate job ${j.id}`);
      ids.add(j.id);
      if (j.memoryLimitBytes !== null) {
        assert.ok(j.memoryLimitBytes >= idle + 8 * MiB);
        assert.equal(j.memoryLimitBytes % MiB, 0);
        // Snapped to within half a grid step of the nominal level (unless clamped at the floor).
        const nominal = idle + j.levelFactors![0]! * j.workingSetBytes;
        const ratio = j.memoryLimitBytes / nominal;
        const atFloor = j.memoryLimitBytes === floor;
        // Half a grid step plus the rounding to whole MiB.
        const tol = Math.sqrt(step) * (1 + MiB / nominal);
        assert.ok(atFloor || (ratio <= tol && ratio >= 1 / tol), `${j.id}: ${ratio}`);
      }
    }
  }
  const first = plan.groups.filter((g) => g.chunk === 0);
  assert.equal(first[0]!.memoryLimitBytes, null);
  assert.equal(first[0]!.jobs.length, 60); // every sample once unlimited
  const limits = first.slice(1).map((g) => g.memoryLimitBytes!);
  assert.deepEqual(
    limits,
    [...limits].sort((a, b) => b - a),
  );
  // A big sample keeps all six levels distinct; so 7 jobs (6 + no limit).
  const big = [...ids].filter((id) => id.startsWith('s00000@'));
  const s0 = sampleLayer(0, { seed: 1 });
  assert.ok(s0.tensorBytes > 20 * MiB, 'sample 0 is big enough for the check');
  assert.equal(big.length, 7);
  // Tiny samples collapse to the floor: no limit + one level.
  const tinyIdx = Array.from({ length: 120 }, (_, i) => i).find((i) => sampleLayer(i, { seed: 1 }).tensorBytes < 64 * 1024)!;
  const tiny = plan.groups.flatMap((g) => g.jobs).filter((j) => j.sampleIndex === tinyIdx);
  assert.deepEqual(
    tiny.map((j) => j.memoryLimitBytes),
    [null, floor],
  );
  assert.deepEqual(tiny[1]!.levelFactors, [...DEFAULT_LEVEL_FACTORS]);
  // Larger plans extend smaller ones (prefix property).
  const more = buildPlan({ seed: 1, layers: 240, reps: 3, idleBytes: idle, chunkSize: 60, levels: DEFAULT_LEVEL_FACTORS });
  const moreIds = new Set(more.groups.flatMap((g) => g.jobs.map((j) => j.id)));
  for (const id of ids) assert.ok(moreIds.has(id));
});

test('continuous levels: the quantile function inverts the half-wide, half-near log-uniform mixture', () => {
  const [a, b] = [Math.log(0.15), Math.log(2)];
  const [c, d] = [Math.log(0.75), Math.log(1.3)];
  // Closed form of the CDF at ln f = 0 (f = 1): 0.5 (0 - a)/(b - a) + 0.5 (0 - c)/(d - c).
  const cdf1 = 0.5 * (-a / (b - a)) + 0.5 * (-c / (d - c));
  assert.ok(Math.abs(levelQuantile(cdf1) - 1) < 1e-9, `${levelQuantile(cdf1)}`);
  assert.ok(Math.abs(levelQuantile(0) - 0.15) < 1e-9);
  assert.ok(Math.abs(levelQuantile(1 - 1e-12) - 2) < 1e-6);
  // Below the near band only the wide half contributes: F(ln 0.5) = 0.5 (ln 0.5 - a)/(b - a).
  const u = 0.5 * ((Math.log(0.5) - a) / (b - a));
  assert.ok(Math.abs(levelQuantile(u) - 0.5) < 1e-9);
  assert.deepEqual(CONTINUOUS_LEVELS.range, [0.15, 2]);
});

test('continuous levels: six per layer, one per stratum, covering 0.15-2 and denser near 1 over many layers', () => {
  const all: number[] = [];
  for (let n = 0; n < 2000; n++) {
    const fs = continuousFactors(n, 1);
    assert.equal(fs.length, 6);
    assert.deepEqual(
      fs,
      [...fs].sort((x, y) => y - x),
    );
    all.push(...fs);
  }
  assert.ok(Math.min(...all) >= 0.15 && Math.max(...all) <= 2);
  // Expected share in [0.75, 1.3]: 0.5 + 0.5 * ln(1.3/0.75)/ln(2/0.15) = 0.6061.
  const near = all.filter((f) => f >= 0.75 && f <= 1.3).length / all.length;
  assert.ok(Math.abs(near - 0.6061) < 0.01, `near share ${near}`);
  // No gap: every 5% band of ln f over [0.15, 2] holds some factors.
  const bins = new Array(20).fill(0);
  for (const f of all) bins[Math.min(19, Math.floor(((Math.log(f) - Math.log(0.15)) / Math.log(2 / 0.15)) * 20))]++;
  assert.ok(
    bins.every((k) => k > 0),
    bins.join(','),
  );
  // Different layers get different factors (rotation per sample), the same layer the same ones.
  assert.notDeepEqual(continuousFactors(0, 1), continuousFactors(1, 1));
  assert.deepEqual(continuousFactors(7, 1), continuousFactors(7, 1));
});

test('plan: continuous is the default; each layer gets no limit + its own factors, snapped (equal snaps measured once)', () => {
  const idle = 90 * MiB;
  const plan = buildPlan({ seed: 1, layers: 60, reps: 3, idleBytes: idle });
  assert.equal(plan.options.levels, 'continuous');
  const jobs = plan.groups.flatMap((g) => g.jobs);
  const big = jobs.filter((j) => j.sampleIndex === 0);
  const ws = big[0]!.workingSetBytes;
  assert.ok(ws > 20 * MiB);
  const floor = idle + 8 * MiB;
  const snapped = new Set(continuousFactors(0, 1).map((f) => snapLimit(idle + f * ws, 2 ** (1 / 16), floor)));
  assert.ok(snapped.size >= 4, `${snapped.size} distinct limits`);
  assert.equal(big.length, 1 + snapped.size);
  assert.deepEqual(new Set(big.map((j) => j.memoryLimitBytes)), new Set([null, ...snapped]));
  const fs = big.flatMap((j) => j.levelFactors ?? []).sort((x, y) => y - x);
  assert.deepEqual(fs, continuousFactors(0, 1));
});

test('targeted plan (kinds + minTensorBytes): the first samples of the sequence that pass, t-prefixed, unlimited only with levels []', () => {
  const idle = 90 * MiB;
  const opts = {
    seed: 36,
    reps: 3,
    levels: [] as number[],
    idleBytes: idle,
    maxTensorBytes: 640 * MiB,
    kinds: ['dense'] as SampleKind[],
    minTensorBytes: 96 * MiB,
  };
  const plan = buildPlan({ ...opts, layers: 12 });
  const jobs = plan.groups.flatMap((g) => g.jobs);
  assert.equal(jobs.length, 12);
  assert.ok(jobs.every((j) => j.memoryLimitBytes === null && j.kind === 'dense' && j.layerType === 'dense'));
  // each job is exactly the sequence's sample at its index, passing both filters, its id t-prefixed
  for (const j of jobs) {
    const s = sampleLayer(j.sampleIndex, { seed: 36, maxTensorBytes: 640 * MiB });
    assert.equal(j.sampleId, `t${s.id}`);
    assert.deepEqual(j.layer, s.layer);
    assert.ok(s.tensorBytes >= 96 * MiB && s.tensorBytes <= 640 * MiB, `${s.id}: ${s.tensorBytes}`);
  }
  // and none is skipped: every sample between them fails a filter
  const kept = new Set(jobs.map((j) => j.sampleIndex));
  for (let n = 0; n < Math.max(...kept); n++) {
    if (kept.has(n)) continue;
    const s = sampleLayer(n, { seed: 36, maxTensorBytes: 640 * MiB });
    assert.ok(s.kind !== 'dense' || s.tensorBytes < 96 * MiB, `sample ${n} passes but was skipped`);
  }
  // a longer targeted plan extends a shorter one
  const longer = buildPlan({ ...opts, layers: 20 })
    .groups.flatMap((g) => g.jobs)
    .map((j) => j.id);
  assert.deepEqual(
    longer.slice(0, 12),
    jobs.map((j) => j.id),
  );
  // an untargeted plan keeps its ids and samples
  const plain = buildPlan({ seed: 36, layers: 3, reps: 3, levels: [], idleBytes: idle });
  assert.deepEqual(
    plain.groups.flatMap((g) => g.jobs).map((j) => j.sampleId),
    ['s00000', 's00001', 's00002'],
  );
  assert.throws(() => buildPlan({ ...opts, layers: 1, minTensorBytes: 640 * MiB }), /minTensorBytes .* must be below maxTensorBytes/);
});
