import { EventEmitter } from 'node:events';
import type { Logger } from './logger';
import { createRedisClient, openRedis } from './redis';

/** Tells every process that something changed (a new supergraph version): Redis pub/sub, or in-process. */
export interface Notifier {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * Redis pub/sub when `redisUrl` is set; otherwise an in-process equivalent for a single process. Notices are a
 * shortcut: whoever listens also polls (or, for the entity cache, has a TTL), so while Redis is down a publish is
 * skipped at once and a subscriber waits for Redis in the background.
 */
export function createNotifier(redisUrl: string | undefined, log: Logger): Notifier {
  if (!redisUrl) {
    const events = new EventEmitter();
    return {
      publish: async (channel, message) => void events.emit(channel, message),
      subscribe: async (channel, listener) => void events.on(channel, listener),
      close: async () => void events.removeAllListeners(),
    };
  }
  const publisher = openRedis(redisUrl, log, 'change notices');
  // A subscriber connection only listens; ioredis subscribes again by itself after each reconnect.
  const subscriber = createRedisClient(redisUrl, { purpose: 'change notices subscriber', whileDown: 'wait' });
  let subscriberDown = false;
  subscriber.on('error', (error: Error) => {
    if (!subscriberDown) log.warn({ err: error }, 'Redis unavailable for change notices: relying on polling until it is back');
    subscriberDown = true;
  });
  subscriber.on('ready', () => {
    subscriberDown = false;
  });
  const listeners = new Map<string, Array<(message: string) => void>>();
  subscriber.on('message', (channel: string, message: string) => {
    for (const listener of listeners.get(channel) ?? []) listener(message);
  });
  return {
    async publish(channel, message) {
      await publisher.use((redis) => redis.publish(channel, message), 0);
    },
    async subscribe(channel, listener) {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      // Not awaited: with Redis down this waits for a reconnect, and ioredis subscribes again by itself once it has one.
      if (subscriber.status === 'wait') subscriber.connect().catch(() => undefined);
      subscriber.subscribe(channel).catch((error: unknown) => log.warn({ err: error, channel }, 'cannot subscribe yet: relying on polling'));
    },
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
