// Child process for the Ctrl-C test: writes one dense layer's weight file (K x U fp32) into the
// cache folder given in argv with the yielding writer, then prints "done".
import type { Layer } from '../../src/network/types.js';
import { writeWeightFiles } from '../../src/executor/weights.js';

const [cacheDir, k, u] = process.argv.slice(2);
const layer: Layer = { type: 'dense', name: 'big', inputs: ['x'], units: Number(u) };
await writeWeightFiles([{ layer, inputShapes: [[1, Number(k)]] }], cacheDir);
process.stdout.write('done\n');
