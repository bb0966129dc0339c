import pino, { type Logger } from 'pino';

/** Paths redacted at any depth: credentials must never reach logs (DEVELOPERS.md, "Secrets never in logs"). */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'apiKey',
  '*.apiKey',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'commKey',
  '*.commKey',
  'sasl',
  '*.sasl',
];

export interface RootLoggerOptions {
  service: string;
  version: string;
  level: string;
  /** Tests pass a stream to capture output; production writes JSON lines to stdout. */
  destination?: pino.DestinationStream;
}

/** One JSON logger per process; every component takes a `child({ component })` of it. */
export function createRootLogger({ service, version, level, destination }: RootLoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service, version },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export type { Logger };
