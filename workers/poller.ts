import { observe } from '../src/app/observe';
import { onShutdown } from '../src/app/runtime';
import { startPoller } from '../src/app/start-poller';
import { loadConfig } from '../src/config/load';
import { createLogger } from '../src/shared/logger';
import { fatal } from './fatal';

try {
  const config = loadConfig({ requirePassword: true });
  const log = createLogger(config.log.level);
  const obs = observe('poller', config, log);
  const running = startPoller(config, log, obs.metrics);
  onShutdown(async () => {
    await running.stop();
    obs.close();
  }, log);
} catch (err) {
  fatal(err);
}
