import { onShutdown } from '../src/app/runtime';
import { loadRuntimeConfig, startPoller } from '../src/app/start';
import { fatal } from './fatal';

try {
  const { config, log } = loadRuntimeConfig();
  const running = startPoller(config, log);
  onShutdown(() => running.stop(), log);
} catch (err) {
  fatal(err);
}
