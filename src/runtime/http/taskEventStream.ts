/**
 * Server-Sent Events for one task, for any service's API: `status` events carrying the task as JSON until it is final
 * or the client leaves. Subscribes before the first read, so no change falls between them; a task this process does
 * not hold (another replica's) is polled from the store instead.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Hex } from 'viem';
import { NotFoundError } from '../../core/http/errors.ts';

/** Where a stream reads its task from; `T` is the service's view of a task. */
export type TaskEventSource<T> = {
  /** Calls `listener` on each committed change of the task; returns the unsubscribe function. */
  subscribe(taskId: Hex, listener: (task: T) => void): () => void;
  /** The stored task, or undefined for an unknown id. */
  get(taskId: Hex): Promise<T | undefined>;
  /** Whether this process holds the task (its changes arrive through `subscribe`). */
  isActive(taskId: Hex): boolean;
  /** The task as the event's JSON data. */
  toJson(task: T): unknown;
  /** A key that changes whenever an event is worth sending (status, update time, signers, ...). */
  versionOf(task: T): string;
  /** Whether nothing more will happen to the task (the stream ends after sending it). */
  isFinal(task: T): boolean;
  /** The event id: e.g. the task's update time (unix ms). */
  eventIdOf(task: T): string | number;
};

/** Timing of a stream. */
export type TaskEventStreamOptions = {
  /** Keep-alive comment period, ms (default 15,000). */
  keepAliveMs?: number;
  /** Store poll period for tasks this process does not hold, ms (default 1,000). */
  pollMs?: number;
};

/**
 * Streams `status` events for `taskId` on `reply` (hijacked); ends when the task is final or the client leaves.
 * @throws {NotFoundError} (404) before anything is sent, for an unknown task.
 */
export async function streamTaskEvents<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  source: TaskEventSource<T>,
  taskId: Hex,
  options: TaskEventStreamOptions = {},
): Promise<void> {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const pollMs = options.pollMs ?? 1_000;
  let queue: T[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = source.subscribe(taskId, (task) => {
    queue.push(task);
    wake?.();
  });
  let keepAlive: NodeJS.Timeout | undefined;
  try {
    const initial = await source.get(taskId);
    if (!initial) throw new NotFoundError(`task ${taskId} not found`);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    let closed = false;
    request.raw.on('close', () => {
      closed = true;
      wake?.();
    });
    keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), keepAliveMs);
    let lastSent = '';
    const send = (task: T): boolean => {
      const version = source.versionOf(task);
      if (version !== lastSent) {
        lastSent = version;
        raw.write(`event: status\nid: ${source.eventIdOf(task)}\ndata: ${JSON.stringify(source.toJson(task))}\n\n`);
      }
      return source.isFinal(task);
    };
    let done = send(initial);
    while (!done && !closed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, pollMs);
        function finish() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = finish;
        if (queue.length > 0) finish();
      });
      const events = queue;
      queue = [];
      for (const task of events) done = send(task) || done;
      if (!done && events.length === 0 && !source.isActive(taskId)) {
        const stored = await source.get(taskId).catch(() => undefined);
        if (stored) done = send(stored);
      }
    }
    raw.end();
  } finally {
    clearInterval(keepAlive);
    unsubscribe();
  }
}
