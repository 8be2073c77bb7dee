/**
 * The shipped model's sections that `npm run bench` carries verbatim into docs/BENCHMARKS.md (6-38):
 * each written by its own bench into bench/results/ (or a held-out set's folder), with where it came
 * from. A missing file is skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** File (from the repository root), the comment naming its maker, and how its first heading is renamed. */
interface Section {
  file: string;
  from: string;
  heading: RegExp;
  as: string;
}

/**
 * A held-out set scored with the host-B model by bench/heldout.ts (bench/results/heldout<n>.md) as
 * section `section`, and, with `minMemory` (its subsection title), the set's min-memory run
 * (data/heldout<n>/min-memory.md, written by bench/verify-min-memory.ts).
 */
function hostBSet(n: number, section: number, minMemory?: string, model = 'data/models/hostB.json', planFile = `data/heldout${n}/PLAN.md`): Section[] {
  const plan = `(${planFile})`;
  const out: Section[] = [
    {
      file: `bench/results/heldout${n}.md`,
      from: `written by node dist/bench/heldout.js --set heldout${n} --model ${model} ... ${plan}`,
      heading: /^## /,
      as: `## ${section}. `,
    },
  ];
  if (minMemory)
    out.push({
      file: `data/heldout${n}/min-memory.md`,
      from: `written by node dist/bench/verify-min-memory.js --networks ... ${plan}`,
      heading: /^## .*/,
      as: `### Held-out #${n}: ${minMemory}`,
    });
  return out;
}

/**
 * A held-out set's four disk-curve scorings (bench/disk-curve.ts, as subsections): host B's model and
 * the default, with the rule scored and the rule before it.
 */
function diskCurveRuns(n: number): Section[] {
  return [`heldout${n}`, `heldout${n}-before`, `heldout${n}-default`, `heldout${n}-before-default`].map((f) => ({
    file: `bench/results/disk-curve-${f}.md`,
    from: `written by node dist/bench/disk-curve.js ... (data/heldout${n}/PLAN.md)`,
    heading: /^## /,
    as: '### ',
  }));
}

const SECTIONS: Section[] = [
  { file: 'bench/results/executor.md', from: 'written by npm run bench:executor', heading: /^## /, as: '## 6. ' },
  {
    file: 'bench/results/executor-spinning.md',
    from: 'npm run bench:executor of 2026-11-30, under the rule before (threads spinning), kept as measured',
    heading: /^## .*/,
    as: '### The same under the rule before (thread pools spinning after a run), 2026-11-30',
  },
  { file: 'bench/results/executor-gap.md', from: 'written by npm run bench:executor -- --gap', heading: /^#+ /, as: '### ' },
  { file: 'bench/results/min-memory.md', from: 'written by npm run bench:min-memory', heading: /^## /, as: '## 7. ' },
  {
    file: 'bench/results/min-memory-v1.md',
    from: 'the first pair rule, kept as measured',
    heading: /^## .*/,
    as: '### The first pair rule (1.25 x the predicted total), 2026-12-01',
  },
  { file: 'bench/results/heldout3.md', from: 'written by npm run bench:heldout', heading: /^## /, as: '## 8. ' },
  { file: 'bench/results/transfer.md', from: 'written by npm run bench:transfer', heading: /^## /, as: '## 9. ' },
  { file: 'bench/results/edgecaffe.md', from: 'written by npm run bench:edgecaffe', heading: /^## /, as: '## 10. ' },
  { file: 'bench/results/heldout4.md', from: 'written by npm run bench:heldout -- --set heldout4', heading: /^## /, as: '## 11. ' },
  ...hostBSet(7, 12),
  {
    file: 'bench/results/heldout8.md',
    from: 'written by node dist/bench/score-gemm-rule.js (data/heldout8/PLAN.md)',
    heading: /^## /,
    as: '## 13. ',
  },
  ...hostBSet(9, 14, 'min-memory checked for real on the new networks'),
  ...hostBSet(10, 15, 'min-memory with the thrash floor, checked for real'),
  ...hostBSet(11, 16, 'min-memory with the session term and the floor, checked for real'),
  ...hostBSet(12, 17, 'min-memory with the in-network base, checked for real'),
  ...hostBSet(13, 18, 'min-memory with evictable sessions, checked for real'),
  ...hostBSet(14, 19, 'min-memory on ten new networks, checked for real'),
  { file: 'bench/results/disk-curve.md', from: 'the summary and reading of data/diskcurve/PLAN.md, by hand', heading: /^## /, as: '## 20. ' },
  ...[
    'heldout15-default',
    'heldout15',
    'heldout15-same-session',
    'heldout5',
    'heldout5-default',
    'heldout6-load-only',
    'heldout6-default-load-only',
    'heldout6',
    'heldout6-default',
    'heldout3-load-only',
    'heldout3',
  ].map((f) => ({
    file: `bench/results/disk-curve-${f}.md`,
    from: 'written by node dist/bench/disk-curve.js ... (data/diskcurve/PLAN.md)',
    heading: /^## /,
    as: '### ',
  })),
  { file: 'bench/results/transfer-rules.md', from: 'the summary and reading of data/heldout16/PLAN.md, by hand', heading: /^## /, as: '## 21. ' },
  ...diskCurveRuns(16),
  ...hostBSet(17, 22, 'min-memory on five new networks, checked for real'),
  { file: 'bench/results/sessions-threads.md', from: 'the summary and reading of data/heldout18/PLAN.md, by hand', heading: /^## /, as: '## 23. ' },
  ...diskCurveRuns(18),
  ...hostBSet(18, 24),
  ...hostBSet(19, 25, 'min-memory with the sessions at 190 KiB, checked for real'),
  ...hostBSet(20, 26, 'min-memory with the default refit under sleeping thread pools, checked for real', 'data/models/default.json', 'data/nospin/PLAN.md'),
  ...hostBSet(21, 27, 'min-memory with the calibrated model on host C, checked for real', 'data/models/hostC.json'),
  ...hostBSet(22, 28, 'min-memory with the calibrated model on host C (the new default as base), checked for real', 'data/models/hostC.json'),
  {
    file: 'bench/results/heldout22-fingerprints.md',
    from: 'written by node dist/bench/fingerprint-noise.js ... (data/heldout22/PLAN.md)',
    heading: /^## .*/,
    as: "### Held-out #22: the default zero-shot with each of the session's fingerprints",
  },
  ...(['E1', 'E2'] as const).map((m): Section => ({
    file: `bench/results/heldout22-${m}.md`,
    from: `written by node dist/bench/heldout.js --set heldout22 --whole data/heldout22/C-${m}/rows.csv.gz --knee none ... (data/heldout22/PLAN.md)`,
    heading: /^## .*/,
    as: `### Held-out #22 on the emulated machine C-${m} (${m === 'E1' ? 'disk capped at 100 MiB/s' : 'one core'}): zero-shot`,
  })),
  {
    file: 'bench/results/heldout23.md',
    from: 'written by node dist/bench/heldout.js --set heldout23 --whole data/heldout23/C-E1/rows.csv.gz --knee none --model data/calibrate/CE1-10m.json ... (data/heldout23/PLAN.md)',
    heading: /^## .*/,
    as: '## 29. Held-out #23: `memlat calibrate` on the emulated machine C-E1 (disk capped at 100 MiB/s) after 1, 2, 5 and 10 minutes (pre-registered, evaluated once)',
  },
  ...hostBSet(24, 30, undefined, 'data/models/default.json'),
  {
    file: 'bench/results/heldout24-before.md',
    from: 'written by node dist/bench/heldout.js --set heldout24 ... in a worktree at 808f771, the transfer before the load ratio (data/heldout24/PLAN.md)',
    heading: /^## .*/,
    as: '### Held-out #24: the same with the transfer before (run ratio for the load and the fault path; 808f771)',
  },
  ...hostBSet(25, 31, 'min-memory through the fresh-memory floor, checked for real', 'data/models/default.json'),
  {
    file: 'bench/results/heldout25-before.md',
    from: 'written by node dist/bench/heldout.js --set heldout25 ... in a worktree at 6dd915c, the transfer before the fresh-memory floor (data/heldout25/PLAN.md)',
    heading: /^## .*/,
    as: '### Held-out #25: the default zero-shot with the transfer before (no fresh-memory floor; 6dd915c)',
  },
  {
    file: 'bench/results/heldout25-E1.md',
    from: 'written by node dist/bench/heldout.js --set heldout25 --whole data/heldout25/D-E1/rows.csv.gz --knee none ... (data/heldout25/PLAN.md)',
    heading: /^## .*/,
    as: '### Held-out #25 on the emulated machine D-E1 (disk capped at 100 MiB/s): zero-shot',
  },
  {
    file: 'bench/results/heldout25-hostD.md',
    from: 'written by node dist/bench/heldout.js --set heldout25 --model data/models/hostD.json ... (data/hostD/PLAN.md)',
    heading: /^## .*/,
    as: "### Held-out #25 scored with host D's own fit (its full profile, measured after #25)",
  },
  {
    file: 'bench/results/transfer-d.md',
    from: 'written by node dist/bench/transfer.js --plan data/transfer-d/PLAN.md --dir data/transfer-d --here none --heldout5 none --heldout6 none --out bench/results/transfer-d.md',
    heading: /^## /,
    as: '## 32. ',
  },
  {
    file: 'bench/results/transfer-sigma.md',
    from: 'written by node dist/bench/transfer-sigma.js > bench/results/transfer-sigma.md',
    heading: /^## /,
    as: '### ',
  },
  ...hostBSet(26, 33, 'min-memory with the narrower transfer interval, checked for real', 'data/models/default.json'),
  ...hostBSet(27, 34, undefined, 'data/models/default.json (the default then, now data/models/hostB-sleep.json)'),
  ...(
    [
      ['default', 'the default then (host B, now data/models/hostB-sleep.json) zero-shot'],
      ['hostD-cold2', "host D's profile with every pass cold (data/models/hostD-cold2.json) zero-shot"],
      ['hostD-cold-u', "host D's cold profile, its base on the cold passes (data/models/hostD-cold-u.json) zero-shot"],
    ] as const
  ).map(([m, what]): Section => ({
    file: `data/heldout27/min-memory-${m}.md`,
    from: `written by node dist/bench/verify-min-memory.js --model data/models/${m}.json --networks ... (data/heldout27/PLAN.md)`,
    heading: /^## .*/,
    as: `### Held-out #27: min-memory of ${what}, checked for real`,
  })),
  ...hostBSet(28, 35, 'min-memory of the default since #27 (hostD-cold2), checked for real', 'data/models/hostD-cold2.json'),
  {
    file: 'bench/results/heldout28-E1.md',
    from: 'written by node dist/bench/heldout.js --set heldout28 --whole data/heldout28/D-E1/rows.csv.gz --knee none ... (data/heldout28/D-E1-PLAN.md)',
    heading: /^## .*/,
    as: '### Held-out #28 on the emulated machine D-E1 (disk capped at 100 MiB/s): the new default zero-shot and calibrated',
  },
  ...hostBSet(29, 36, 'min-memory of the default, checked for real', 'data/models/default.json'),
  {
    file: 'bench/results/pooled-28-29.md',
    from: 'written by node dist/bench/pooled.js --sets heldout28,heldout29 ... (data/heldout29/PLAN.md)',
    heading: /^## .*/,
    as: "### Held-out #28 + #29 pooled: the default's clean score on 10 whole networks and 5 knee sweeps",
  },
  ...hostBSet(30, 37, 'min-memory of the default, checked for real', 'data/models/default.json'),
  {
    file: 'bench/results/pooled-28-29-30.md',
    from: 'written by node dist/bench/pooled.js --sets heldout28,heldout29,heldout30 ... (data/heldout30/PLAN.md)',
    heading: /^## .*/,
    as: "### Held-out #28 + #29 + #30 pooled: the default's clean score on 16 whole networks and 8 knee sweeps",
  },
  ...hostBSet(31, 38, undefined, 'data/models/default.json'),
  {
    file: 'bench/results/pooled-28-29-30-31.md',
    from: 'written by node dist/bench/pooled.js --sets heldout28,heldout29,heldout30,heldout31 ... (data/heldout31/PLAN.md)',
    heading: /^## .*/,
    as: "### Held-out #28 + #29 + #30 + #31 pooled: the default's clean score on 22 whole networks and 11 knee sweeps",
  },
  ...hostBSet(32, 39, undefined, 'data/models/default.json'),
  {
    file: 'bench/results/pooled-28-29-30-31-32.md',
    from: 'written by node dist/bench/pooled.js --sets heldout28,heldout29,heldout30,heldout31,heldout32 ... (data/heldout32/PLAN.md)',
    heading: /^## .*/,
    as: "### Held-out #28 to #32 pooled: the default on 28 whole networks and 14 knee sweeps (the steady reading's #28-#31 part was seen before #32 was planned)",
  },
  ...hostBSet(33, 40, undefined, 'data/models/default.json'),
  {
    file: 'bench/results/pooled-28-29-30-31-32-33.md',
    from: 'written by node dist/bench/pooled.js --sets heldout28,heldout29,heldout30,heldout31,heldout32,heldout33 ... (data/heldout33/PLAN.md)',
    heading: /^## .*/,
    as: "### Held-out #28 to #33 pooled: the default on 28 whole networks and 18 knee sweeps (the steady reading's #28-#31 part was seen before #32 was planned)",
  },
  ...hostBSet(34, 41, undefined, 'data/models/default.json'),
  ...hostBSet(35, 42, undefined, 'data/models/default.json'),
  {
    file: 'bench/results/pooled-28-to-35.md',
    from: "written by node dist/bench/pooled.js --sets heldout28,heldout29,heldout30,heldout31,heldout32,heldout33,heldout34,heldout35 ... (a description after #35, not a plan's rule)",
    heading: /^## .*/,
    as: '### Held-out #28 to #35 pooled: the default on 34 whole networks and 26 knee sweeps (a description after #35; its rule reads #35 alone)',
  },
  ...hostBSet(36, 43, undefined, 'data/models/default.json'),
  {
    file: 'bench/results/pooled-28-to-36.md',
    from: "written by node dist/bench/pooled.js --sets heldout28,...,heldout36 (a description after #36, not a plan's rule)",
    heading: /^## .*/,
    as: '### Held-out #28 to #36 pooled: the default on 40 whole networks and 30 knee sweeps (a description after #36; its rule reads #36 alone)',
  },
];

/** The lines to append (an empty line, the comment, the renamed file) for every section present. */
export function splicedSections(root: string): string[] {
  const out: string[] = [];
  for (const s of SECTIONS) {
    const path = join(root, s.file);
    if (!existsSync(path)) continue;
    const sep = s.from.startsWith('written') ? ', ' : ': ';
    out.push('', `<!-- from ${s.file}${sep}${s.from} -->`, readFileSync(path, 'utf8').replace(s.heading, s.as));
  }
  return out;
}
