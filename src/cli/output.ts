/**
 * Terminal output of the `avs` command: results on stdout (JSON with `--json`), progress and errors on stderr.
 */

/** Writes a JSON value to stdout, bigints as decimal strings, exactly one line per call unless `pretty`. */
export function printJson(value: unknown, pretty = true): void {
  process.stdout.write(toJson(value, pretty) + '\n');
}

/** JSON text of `value`, bigints as decimal strings. */
export function toJson(value: unknown, pretty = true): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), pretty ? 2 : undefined);
}

/** Writes `key: value` lines to stdout, aligned. */
export function printFields(fields: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(fields).map((k) => k.length));
  for (const [k, v] of Object.entries(fields)) {
    process.stdout.write(`${(k + ':').padEnd(width + 1)} ${typeof v === 'bigint' ? v.toString() : typeof v === 'object' ? toJson(v, false) : String(v)}\n`);
  }
}

/** Progress reporter for long steps. Silent when `quiet` (e.g. `--json` output). */
export type Progress = {
  /** A step started; prints `… text` (on a TTY the line is rewritten when the step ends). */
  step(text: string): void;
  /** The current step ended well; prints `✓ text`. */
  done(text?: string): void;
  /** The current step failed; prints `✗ text`. */
  fail(text?: string): void;
  /** A free-form informational line. */
  info(text: string): void;
};

/** A progress reporter writing to stderr (so stdout stays clean for results and JSON). */
export function createProgress(options: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const tty = stream.isTTY === true;
  let current: string | undefined;
  let started = 0;
  const write = (line: string) => {
    if (!options.quiet) stream.write(line);
  };
  const finish = (mark: string, text?: string) => {
    const label = text ?? current ?? '';
    const ms = current !== undefined ? ` (${formatMs(Date.now() - started)})` : '';
    write(`${tty && current !== undefined ? '\r\x1b[2K' : ''}${mark} ${label}${ms}\n`);
    current = undefined;
  };
  return {
    step(text) {
      if (current !== undefined) finish('✓');
      current = text;
      started = Date.now();
      write(tty ? `… ${text}` : '');
    },
    done: (text) => finish('✓', text),
    fail: (text) => finish('✗', text),
    info: (text) => write(`${tty && current !== undefined ? '\r\x1b[2K' : ''}  ${text}\n${tty && current !== undefined ? `… ${current}` : ''}`),
  };
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
