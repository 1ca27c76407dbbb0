import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from './logger';

/** Tells every process that something changed (a new supergraph version): Redis pub/sub, or in-process. */
export interface Notifier {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** Redis pub/sub when `redisUrl` is set; otherwise an in-process equivalent for a single process. */
export function createNotifier(redisUrl: string | undefined, log: Logger): Notifier {
  if (!redisUrl) {
    const events = new EventEmitter();
    return {
      publish: async (channel, message) => void events.emit(channel, message),
      subscribe: async (channel, listener) => void events.on(channel, listener),
      close: async () => void events.removeAllListeners(),
    };
  }
  const options = { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false };
  const publisher = new Redis(redisUrl, options);
  const subscriber = new Redis(redisUrl, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
  for (const [role, client] of [['publisher', publisher], ['subscriber', subscriber]] as const) {
    client.on('error', (error: Error) => log.warn({ err: error, role }, 'Redis unavailable: relying on polling'));
  }
  const listeners = new Map<string, Array<(message: string) => void>>();
  subscriber.on('message', (channel: string, message: string) => {
    for (const listener of listeners.get(channel) ?? []) listener(message);
  });
  return {
    async publish(channel, message) {
      if (publisher.status === 'wait') await publisher.connect();
      await publisher.publish(channel, message);
    },
    async subscribe(channel, listener) {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      // Not awaited: with Redis down this waits for a reconnect, and ioredis subscribes again by itself once it has one.
      if (subscriber.status === 'wait') subscriber.connect().catch(() => undefined);
      subscriber.subscribe(channel).catch((error: Error) => log.warn({ err: error, channel }, 'cannot subscribe yet: relying on polling'));
    },
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
