import { onShutdown } from '../src/app/runtime';
import { loadRuntimeConfig, startTriage } from '../src/app/start';
import { fatal } from './fatal';

(async () => {
  const { config, log } = loadRuntimeConfig();
  const running = await startTriage(config, log);
  onShutdown(() => running.stop(), log);
})().catch(fatal);
