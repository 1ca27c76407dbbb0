import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs; `name` says which part of the system wrote the line. Servers log to stdout; command-line
 * tools log to stderr (fd 2), keeping stdout for their output.
 */
export function createLogger(name: string, level: string, fd: 1 | 2 = 1): Logger {
  return pino({ name, level, base: { service: name }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd, sync: fd === 2 }));
}
