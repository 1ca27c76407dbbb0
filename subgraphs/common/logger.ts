import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; `name` says which part of the system wrote the line. */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime });
}
