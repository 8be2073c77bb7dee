// Test helper process: starts a memory-limited worker, prints its group path and pid as one JSON
// line, then waits to be killed by a signal (limiter.test.ts checks that SIGTERM/SIGINT leave no
// cgroup and no worker behind).
import { startWorker } from '../../../src/runtime/worker-client.js';

const w = await startWorker({ memoryLimitBytes: 512 * 2 ** 20 });
console.log(JSON.stringify({ group: w.group?.path ?? null, pid: w.pid }));
setInterval(() => undefined, 1000);
