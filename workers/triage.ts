import { observe } from '../src/app/observe';
import { registerProbe } from '../src/shared/readiness';
import { onShutdown } from '../src/app/runtime';
import { loadRuntimeConfig, startTriage } from '../src/app/start';
import { fatal } from './fatal';

(async () => {
  const { config, log } = loadRuntimeConfig();
  const obs = observe('triage', config, log);
  const running = await startTriage(config, log, obs.metrics);
  obs.addProbe(registerProbe(running.register));
  onShutdown(async () => {
    await running.stop();
    obs.close();
  }, log);
})().catch(fatal);
