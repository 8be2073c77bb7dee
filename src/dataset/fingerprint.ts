/**
 * Hardware fingerprints that need no measuring: the stable machine id and a fingerprint whose
 * measured parts are unknown. Pure (a hash, no machine access): the machine's own parts are passed in
 * by the edge rooms that read them (machine/hardware.ts measures; predict/user-files.ts reads os).
 */
import { createHash } from 'node:crypto';
import type { HardwareFingerprint } from './schema.js';

/**
 * Stable short id from architecture, CPU model, cores and RAM (rounded GiB), e.g. "x64-2c-24g-3f9a";
 * an emulated machine's spec (src/host/emulate.ts) is hashed in too, so it gets its own id. Cost: one hash.
 */
export function fingerprintId(cpuModel: string, cores: number, ramBytes: number, machineArch: string, emulation?: string): string {
  const ramGiB = Math.round(ramBytes / 2 ** 30);
  const h = createHash('sha256')
    .update(`${cpuModel}|${cores}|${ramGiB}${emulation ? `|${emulation}` : ''}`)
    .digest('hex')
    .slice(0, 4);
  return `${machineArch}-${cores}c-${ramGiB}g-${h}`;
}

/** A fingerprint that knows only its id, CPU model, cores and RAM: every measured part null. */
export function unmeasuredFingerprint(p: { id: string; cpuModel: string; cores: number; ramBytes: number; notes?: string }): HardwareFingerprint {
  return {
    id: p.id,
    cpuModel: p.cpuModel,
    cores: p.cores,
    ramBytes: p.ramBytes,
    cgroupVersion: null,
    diskReadBytesPerSec: null,
    memBandwidthBytesPerSec: null,
    gemmGflops: null,
    runtimeIdleBytes: null,
    ...(p.notes === undefined ? {} : { notes: p.notes }),
  };
}
