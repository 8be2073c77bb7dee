/**
 * Whether `memlat run` could execute a network at a memory limit on THIS machine: the same swap rule
 * run applies (the largest layer's resident bytes + 256 MiB for the runtime must fit in M + free
 * swap), plus RAM + swap for no limit. predict, curve and min-memory print the result as a warning
 * line: a prediction for a run that cannot happen here is still a number, but it should say so.
 * Pure: the machine's RAM and free swap come in as an argument (host/swap.ts machineMemory()).
 */
import type { ResolvedNetwork } from '../network/types.js';
import { formatBytes, setupSwapCommand } from '../units.js';
import { layerResidentBytes } from '../network/onnx-layer.js';

const RUNTIME_ALLOWANCE = 256 * 2 ** 20;
/** Beyond this much swap no machine plausibly has it (the message then says so). */
const IMPLAUSIBLE_SWAP = 2 ** 40;

/** What the machine offers: its RAM and free swap (read by host/swap.ts machineMemory()). */
export interface MachineMemory {
  ramBytes: number;
  freeSwapBytes: number;
}

/** Why a run cannot happen (null when it can): the shared part of runWarning and runRefusal. */
interface Shortfall {
  /** "vgg16 cannot run here at 512 MiB: its largest layer ... but 0 B is free" (no fix). */
  text: string;
  /** Swap that would make it run, bytes. */
  missingSwapBytes: number;
  /** More swap than any machine plausibly has (the fix is a smaller batch, not swap). */
  implausible: boolean;
  limited: boolean;
}

function shortfall(rn: ResolvedNetwork, memoryBytes: number | null, machine: MachineMemory): Shortfall | null {
  let largest = 0;
  let largestName = '';
  for (const l of rn.layers) {
    const b = layerResidentBytes(l);
    if (b > largest) {
      largest = b;
      largestName = l.layer.name;
    }
  }
  const needTotal = largest + RUNTIME_ALLOWANCE;
  const what = `its largest layer "${largestName}" needs ${formatBytes(largest)} resident (+ ${formatBytes(RUNTIME_ALLOWANCE)} for the runtime)`;
  if (memoryBytes === null || memoryBytes > machine.ramBytes) {
    const have = machine.ramBytes + machine.freeSwapBytes;
    if (needTotal <= have) return null;
    return {
      text: `${rn.name} cannot run on this machine: ${what}, more than its RAM ${formatBytes(machine.ramBytes)} + free swap ${formatBytes(machine.freeSwapBytes)}`,
      missingSwapBytes: needTotal - have,
      implausible: needTotal - machine.ramBytes > IMPLAUSIBLE_SWAP,
      limited: false,
    };
  }
  const need = needTotal - memoryBytes;
  if (need <= machine.freeSwapBytes) return null;
  return {
    text: `${rn.name} cannot run here at ${formatBytes(memoryBytes)}: ${what}, so ${formatBytes(need)} of swap beyond the limit, but ${formatBytes(machine.freeSwapBytes)} is free`,
    missingSwapBytes: need - machine.freeSwapBytes,
    implausible: need > IMPLAUSIBLE_SWAP,
    limited: true,
  };
}

const setupSwap = (missing: number): string => `'${setupSwapCommand(missing + 2 ** 29)}'`;

/**
 * The warning line when a run of `rn` at `memoryBytes` (null = no limit) cannot happen on `machine`,
 * else null. Cost: O(layers) (a loop: no argument spreading, so 10^6 layers are fine).
 */
export function runWarning(rn: ResolvedNetwork, memoryBytes: number | null, machine: MachineMemory): string | null {
  const s = shortfall(rn, memoryBytes, machine);
  if (s === null) return null;
  if (!s.limited) return `${s.text}${s.implausible ? ' (more swap than any machine plausibly has)' : ''}; memlat run would refuse it`;
  const fix = s.implausible ? 'more swap than any machine plausibly has' : `${setupSwap(s.missingSwapBytes)} would add what is missing`;
  return `${s.text} (${fix}); memlat run would refuse it`;
}

/**
 * Why `memlat run` refuses a run of `rn` at `memoryBytes` on `machine` (before it writes or starts
 * anything), with the fix, or null when the run can happen: the same rule as runWarning.
 * Cost: O(layers).
 */
export function runRefusal(rn: ResolvedNetwork, memoryBytes: number | null, machine: MachineMemory): string | null {
  const s = shortfall(rn, memoryBytes, machine);
  if (s === null) return null;
  const fix = s.implausible
    ? 'no machine has that much swap: use a smaller --batch or --seq-len, or smaller layers'
    : `add swap (${setupSwap(s.missingSwapBytes)})${s.limited ? ', raise --memory' : ''} or use a smaller --batch`;
  return `${s.text}; ${fix}`;
}
