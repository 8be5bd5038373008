/**
 * Structured logs for every process: pino JSON lines, pretty-printed when stdout is a terminal.
 * Level from `LOG_LEVEL` (default `info`). Keys and passwords are redacted wherever they appear under these names.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Field names never written to a log. */
export const REDACTED_PATHS = [
  'privateKey',
  '*.privateKey',
  'signingPrivateKey',
  '*.signingPrivateKey',
  'password',
  '*.password',
  'mnemonic',
  '*.mnemonic',
];

/** Options for {@link createLogger}. */
export type LoggerOptions = {
  /** pino level; default `LOG_LEVEL` or `info`. */
  level?: string;
  /** Force pretty output on or off; default: on when stdout is a TTY. */
  pretty?: boolean;
  /** Write to this stream instead of stdout (tests, the demo's quiet mode). */
  destination?: NodeJS.WritableStream;
};

/** A root logger for a process; name it for the role (`aggregator`, `operator`, `devnet`). */
export function createLogger(name: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? (process.stdout.isTTY === true && !options.destination);
  const base = { name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } });
  }
  return options.destination ? pino(base, options.destination as pino.DestinationStream) : pino(base);
}

/** A logger that writes nothing (tests and embedded use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
