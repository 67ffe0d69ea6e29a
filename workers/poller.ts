import { onShutdown } from '../src/app/runtime';
import { loadConfig } from '../src/config/load';
import { createLogger } from '../src/shared/logger';
import { startPoller } from '../src/app/start-poller';
import { fatal } from './fatal';

try {
  const config = loadConfig({ requirePassword: true });
  const log = createLogger(config.log.level);
  const running = startPoller(config, log);
  onShutdown(() => running.stop(), log);
} catch (err) {
  fatal(err);
}
