import { observe } from '../src/app/observe';
import { onShutdown } from '../src/app/runtime';
import { loadRuntimeConfig, startTriage } from '../src/app/start';
import { fatal } from './fatal';

(async () => {
  const { config, log } = loadRuntimeConfig();
  const obs = observe('triage', config, log);
  const running = await startTriage(config, log, obs.metrics);
  onShutdown(async () => {
    await running.stop();
    obs.close();
  }, log);
})().catch(fatal);
