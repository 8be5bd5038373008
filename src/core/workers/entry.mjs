// First module of every worker started by startModuleWorker (./index.ts, which says why it exists): makes tsx load
// TypeScript in this thread when the module is TypeScript, then runs the module's runWorker(data, parentPort).
import { parentPort, workerData } from 'node:worker_threads';

const { module, data } = workerData;
if (module.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
const { runWorker } = await import(module);
if (typeof runWorker !== 'function') throw new TypeError(`worker module ${module} exports no runWorker function`);
await runWorker(data, parentPort);
