/**
 * Worker threads that run a TypeScript module of this repository. Node 20 loads no `.ts` file as a worker's entry, even
 * under tsx (`node --import tsx`, or `register()` as bin/avs.js does): tsx registers its hooks in workers only from Node
 * 22.22 / 24.11 on. So every worker starts at `entry.mjs`, which registers tsx in the worker when the module is
 * TypeScript, imports it, and calls its `runWorker` export.
 */
import { type MessagePort, Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * What a worker module exports as `runWorker`: called once in the worker with the `data` given to
 * {@link startModuleWorker} and the port to the thread that started it.
 */
export type WorkerMain<T> = (data: T, port: MessagePort) => void | Promise<void>;

/** `workerData` of `entry.mjs`. */
type EntryData<T> = { module: string; data: T };

/**
 * Starts a worker thread running `module`'s `runWorker(data, parentPort)`. Messages posted before the module has loaded
 * wait on the port. A module that fails to load, or a `runWorker` that throws, ends the worker with an `error` event.
 * @param module File URL of the module, e.g. `new URL('./verifyWorker.ts', import.meta.url)`.
 * @param data Passed to `runWorker` (structured-cloned).
 */
export function startModuleWorker<T>(module: URL, data: T, options: Omit<WorkerOptions, 'eval' | 'workerData'> = {}): Worker {
  const workerData: EntryData<T> = { module: module.href, data };
  return new Worker(new URL('./entry.mjs', import.meta.url), { ...options, workerData });
}
