import { onShutdown } from '../src/app/runtime';
import { loadRuntimeConfig } from '../src/app/start';
import { startDashboard } from '../src/dashboard/start';
import { fatal } from './fatal';

/** The dashboard process: web app + retrain worker. */
(async () => {
  const { config, log } = loadRuntimeConfig();
  const running = await startDashboard(config, log);
  onShutdown(() => running.stop(), log);
})().catch(fatal);
