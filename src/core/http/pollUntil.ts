/**
 * Waiting for a resource on an HTTP API to reach a final state: re-read it on every Server-Sent Event of its stream,
 * and every `pollMs` as well, so a dropped or refused stream never loses the outcome (clients of the aggregators'
 * task APIs).
 */

/** Options of {@link pollUntil}. */
export type PollUntilOptions<T> = {
  /** The resource's event stream (`text/event-stream`); each event triggers a re-read. */
  eventsUrl: string;
  /** Reads the resource. Its errors end the wait. */
  read: () => Promise<T>;
  /** Whether a read is final. */
  isFinal: (value: T) => boolean;
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Re-read at least this often, milliseconds. */
  pollMs: number;
  /** Called with every read. */
  onUpdate?: (value: T) => void;
  /** The error thrown when `timeoutMs` passes, given the last read. */
  timeoutError: (last: T) => Error;
};

/**
 * Reads until {@link PollUntilOptions.isFinal}, woken early by the event stream.
 * @returns The final read.
 * @throws `timeoutError(last)` after `timeoutMs`; whatever `read` throws.
 */
export async function pollUntil<T>(options: PollUntilOptions<T>): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const controller = new AbortController();
  let wake: (() => void) | undefined;
  const stream = followEvents(options.eventsUrl, controller.signal, () => wake?.());
  try {
    for (;;) {
      const value = await options.read();
      options.onUpdate?.(value);
      if (options.isFinal(value)) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw options.timeoutError(value);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, options.pollMs));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    controller.abort();
    await stream.catch(() => {});
  }
}

/** Reads an SSE stream and calls `onEvent` for each event; ends silently on abort or error (polling carries on). */
async function followEvents(url: string, signal: AbortSignal, onEvent: () => void): Promise<void> {
  try {
    const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal });
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      if (decoder.decode(chunk, { stream: true }).includes('\n\n')) onEvent();
    }
  } catch {
    // Polling carries on.
  }
}
