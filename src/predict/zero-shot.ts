/**
 * Zero-shot transfer of a loaded bundle to another machine's fingerprint: the bundle's model wrapped
 * in models/transfer.ts's TransferModel (each phase scaled by the ratio of the hardware part that
 * drives it) and its network interval widened with the distance between the fingerprints.
 *
 * Used by predict, curve and min-memory (src/predict/user-files.ts readChosenModel): with
 * `--hardware hw.json` and a bundle (planning for that machine), and on a machine whose cached
 * fingerprint (`memlat hardware`) differs from the model's in a rate beyond RATE_TOLERANCE.
 *
 * Pure. Cost O(1) (the model is wrapped, not refitted).
 */
import type { HardwareFingerprint } from '../dataset/schema.js';
import {
  isIdentityTransfer,
  type Transfer,
  TransferModel,
  transferRatios,
  transferSigma,
  TRANSFER_SIGMA_PER_LOG,
  type ZeroShotInfo,
} from '../models/transfer.js';
import type { LoadedBundle, NetworkCalibration } from './bundle.js';
import { CALL_TOLERANCE, freshDiffers, RATE_TOLERANCE } from './machine.js';

/**
 * The standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9 relative); p in
 * (0, 1). Cost O(1).
 */
export function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Widens a network interval by a sigma of ln time, in quadrature on each side: with e = z sigma
 * (z the normal quantile of (1 + coverage) / 2) and the half-widths hi = max(0, logHigh),
 * lo = max(0, -logLow), logHigh grows by sqrt(hi^2 + e^2) - hi and logLow falls by
 * sqrt(lo^2 + e^2) - lo (independent errors add in variance). sigma = 0 returns it unchanged.
 * `why` is appended to the method (default: the zero-shot transfer's reason). Cost O(1).
 */
export function widenCalibration(c: NetworkCalibration, sigma: number, why?: string): NetworkCalibration {
  if (!(sigma > 0)) return c;
  const e = normalQuantile((1 + c.coverage) / 2) * sigma;
  const hi = Math.max(0, c.logHigh);
  const lo = Math.max(0, -c.logLow);
  return {
    ...c,
    logHigh: c.logHigh + Math.sqrt(hi * hi + e * e) - hi,
    logLow: c.logLow - (Math.sqrt(lo * lo + e * e) - lo),
    method: `${c.method}; ${why ?? `widened for zero-shot transfer (sigma ${sigma.toFixed(3)} of ln time, ${TRANSFER_SIGMA_PER_LOG} x sum |ln rate ratio|, in quadrature)`}`,
  };
}

/** ZeroShotInfo.diskBySize where both fingerprints have a disk curve of the same sizes. Cost O(points). */
function diskBySize(t: Transfer): Pick<ZeroShotInfo, 'diskBySize'> {
  const at = t.diskAt;
  return at && t.from.diskCurve ? { diskBySize: t.from.diskCurve.bytes.map((bytes) => ({ bytes, ratio: at(bytes) })) } : {};
}

/**
 * The bundle predicting for `target`'s rates: the model wrapped in a TransferModel from the bundle's
 * fitted-on machine, the interval widened by transferSigma. Identical rates (or none known on either
 * side) return the bundle itself, so predictions stay bit for bit the same. The bundle's `hardware`
 * (RAM, runtime idle footprint, cores) is left as it is: `--hardware` has already put the target's
 * there; on this machine it stays the model's, as the machine check says. Cost O(1).
 */
export function transferBundle(b: LoadedBundle, target: HardwareFingerprint): LoadedBundle {
  const from = b.fittedOn ?? b.hardware;
  const ratios = transferRatios(from, target);
  if (isIdentityTransfer(ratios) && !freshDiffers(from, target)) return b;
  const sigma = transferSigma(ratios);
  const calibration = b.calibration ? widenCalibration(b.calibration, sigma) : null;
  const model = new TransferModel(b.model, from, target);
  const t = model.transfer;
  return {
    ...b,
    model,
    calibration,
    zeroShot: {
      fromId: from.id,
      toId: target.id,
      ratios,
      used: t.used,
      swapScale: t.swapScale,
      sessionScale: t.sessionScale,
      sigma,
      intervalWidened: calibration !== null,
      ...diskBySize(t),
    },
  };
}

/**
 * The bundle as `predict` answers on a machine whose fingerprint is `here`: moved there
 * (transferBundle) only when ratesDiffer says the rates differ beyond the machine's own drift, else
 * as fitted (two fingerprints of one VM minutes apart differ by noise, which a transfer would pass on
 * to every answer). Cost O(1).
 */
export function bundleOn(b: LoadedBundle, here: HardwareFingerprint): LoadedBundle {
  return ratesDiffer(b.fittedOn ?? b.hardware, here) ? transferBundle(b, here) : b;
}

/**
 * Whether a measured fingerprint of this machine warrants a transfer: some rate (disk, memory
 * copy, GEMM) differs from the model machine's by more than RATE_TOLERANCE, or a per-call probe ratio
 * (run, unload, load) by more than CALL_TOLERANCE (smaller differences are the machine's own drift, see
 * machine.ts). Cost O(1).
 */
export function ratesDiffer(model: HardwareFingerprint, here: HardwareFingerprint): boolean {
  const r = transferRatios(model, here);
  const call = r.call ? [r.call.run, r.call.unload, r.call.load] : [];
  return (
    [r.disk, r.mem, r.gemm].some((x) => x > RATE_TOLERANCE || x < 1 / RATE_TOLERANCE) ||
    call.some((x) => x > CALL_TOLERANCE || x < 1 / CALL_TOLERANCE) ||
    freshDiffers(model, here)
  );
}
