import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { currentTraceId } from './tracing';

export type { Logger };

/**
 * Structured JSON logs; `name` says which part of the system wrote the line. Servers log to stdout; command-line
 * tools log to stderr (fd 2), keeping stdout for their output. On a terminal the lines are made human-readable
 * (pino-pretty); piped or collected, they stay JSON. Lines written while a traced request is handled carry its
 * `traceId`.
 */
export function createLogger(name: string, level: string, fd: 1 | 2 = 1): Logger {
  const terminal = (fd === 1 ? process.stdout : process.stderr).isTTY;
  const destination = terminal
    ? PinoPretty({ destination: fd, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' })
    : pino.destination({ fd, sync: fd === 2 });
  return pino(
    {
      name,
      level,
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => {
        const traceId = currentTraceId();
        return traceId ? { traceId } : {};
      },
    },
    destination,
  );
}
