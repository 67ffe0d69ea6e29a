import { Redis } from 'ioredis';
import type { Config } from '../config/schema';

/** ioredis connection for BullMQ: workers need `maxRetriesPerRequest: null` (blocking commands). */
export function createRedis(config: Readonly<Config>): Redis {
  return new Redis(config.redis.url, { maxRetriesPerRequest: null, enableReadyCheck: true, lazyConnect: false });
}

/** Run `stop` once on SIGTERM/SIGINT, then exit. */
export function onShutdown(stop: () => Promise<void>, log: { info: (o: object, m: string) => void; error: (o: object, m: string) => void }): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop()
      .then(() => process.exit(0))
      .catch((err: Error) => {
        log.error({ err: err.message }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}
