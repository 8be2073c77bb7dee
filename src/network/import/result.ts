/**
 * What every importer returns: the network, plus one line per thing that was approximated or
 * dropped on the way (scalar scalings, training-only layers, opaque ops), for the CLI to print.
 * Types only.
 */
import type { Network } from '../types.js';

/** Result of importing a model file: the network and the importer's warnings. */
export interface ImportResult {
  network: Network;
  warnings: string[];
}
