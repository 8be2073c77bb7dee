/** The CLI's one set of option parsers (src/cli/options.ts) and how library argument errors get flag names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { argumentError, UserError } from '../../src/errors.js';
import { collectDim, flagName, nonNegativeInt, optionalPositiveInt, parseInteger, positiveInt, withFlagNames } from '../../src/cli/options.js';
import { parseBytes } from '../../src/units.js';

const userError =
  (re: RegExp) =>
  (e: unknown): boolean =>
    e instanceof UserError && re.test(e.message);

test('whole numbers: plain digits only; 1.5, 1e3, hex, signs, blanks and 0 are refused with one line naming the flag', () => {
  assert.equal(parseInteger('8', '--batch'), 8);
  assert.equal(parseInteger(' 12 ', '--batch'), 12);
  assert.equal(positiveInt('--reps')('1000'), 1000);
  for (const bad of ['1.5', '1e3', '0x10', '+3', '-1', '', 'five', '0', '9007199254740993']) {
    assert.throws(() => parseInteger(bad, '--reps'), userError(/^--reps .*: must be a positive integer, e\.g\. --reps 5$/), bad);
  }
  assert.throws(() => positiveInt('--batch', 8)('0'), userError(/^--batch 0: must be a positive integer, e\.g\. --batch 8$/));
  assert.throws(() => parseInteger('', '--reps'), userError(/^--reps "": must be/));
  assert.equal(nonNegativeInt('--seed')('0'), 0);
  assert.throws(() => nonNegativeInt('--seed', 1)('-1'), userError(/^--seed -1: must be a non-negative integer, e\.g\. --seed 1$/));
  assert.equal(optionalPositiveInt(undefined, '--threads'), undefined);
  assert.equal(optionalPositiveInt('4', '--threads'), 4);
});

test('--dim name=size collects; a bad entry names the flag', () => {
  assert.deepEqual(collectDim('seq=128', collectDim('batch = 2', undefined)), { batch: 2, seq: 128 });
  assert.throws(() => collectDim('seq=0', undefined), userError(/^--dim seq=0: write name=size with a positive size/));
  assert.throws(() => collectDim('seq=1.5', undefined), userError(/^--dim seq=1\.5:/));
});

test('library errors name arguments; flagName and withFlagNames turn them into the flags', async () => {
  assert.equal(flagName('data'), '--data');
  assert.equal(flagName('seqLen'), '--seq-len');
  assert.equal(flagName('maxLayerSize'), '--max-layer-size');
  assert.equal(flagName('kind'), '--model');
  assert.equal(flagName('--out'), '--out');
  const e = argumentError((n) => `${n('data')} x.csv: no such file; or drop ${n('seqLen')}`);
  assert.equal(e.message, 'data x.csv: no such file; or drop seqLen');
  assert.deepEqual(e.render?.(flagName), ['--data x.csv: no such file; or drop --seq-len']);
  await assert.rejects(
    withFlagNames(() =>
      Promise.resolve().then(() => {
        parseBytes('lots', 'memory');
      }),
    )(),
    userError(/^--memory: "lots" is not a size/),
  );
  // errors without argument names pass through unchanged
  await assert.rejects(
    withFlagNames(() => Promise.reject(new UserError('plain', 1)))(),
    (err: unknown) => err instanceof UserError && err.message === 'plain' && err.exitCode === 1,
  );
});
