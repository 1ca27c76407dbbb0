import { createRedisClient } from '../platform';
import { testEnv } from './helpers/test-env';

/** The Redis the tests use; TEST_REDIS_URL overrides it, as in the tests themselves. */
const REDIS_URL = testEnv.TEST_REDIS_URL;

/** Fails the tier at once, naming the URL, when the Redis it declares it needs does not answer. */
export default async function setup(): Promise<void> {
  const redis = createRedisClient(REDIS_URL, { purpose: 'test setup', whileDown: 'fail' });
  let cause: Error | undefined;
  redis.on('error', (error: Error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`this test tier needs Redis at ${REDIS_URL} (TEST_REDIS_URL): ${(cause ?? (error as Error)).message}`, { cause: error });
  } finally {
    redis.disconnect();
  }
}
