// Test helper process: starts a memory-limited worker, prints its group path and pid as one JSON
// line, then waits to be killed by a signal (limiter.test.ts checks that SIGTERM/SIGINT leave no
// cgroup and no worker behind). With argument "graceful" it handles SIGINT itself like `memlat
// profile` does (close the worker, exit 0), and memlat's own handler must leave that to it.
import { startWorker } from '../../src/executor/worker-client.js';

const w = await startWorker({ memoryLimitBytes: 512 * 2 ** 20 });
console.log(JSON.stringify({ group: w.group?.path ?? null, pid: w.pid }));
const timer = setInterval(() => undefined, 1000);
if (process.argv.includes('graceful')) {
  process.once('SIGINT', () => {
    clearInterval(timer);
    void w.close().then(() => process.exit(0));
  });
}
