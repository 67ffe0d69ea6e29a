import { observe } from '../src/app/observe';
import { registerProbe } from '../src/shared/readiness';
import { onShutdown } from '../src/app/runtime';
import { loadRuntimeConfig, startPoller, startTriage } from '../src/app/start';
import { startDashboard } from '../src/dashboard/start';
import { fatal } from './fatal';

/** `npm start`: poller, triage worker and dashboard in one process, for a small installation. */
(async () => {
  const { config, log } = loadRuntimeConfig();
  const obs = observe('all', config, log);
  const triage = await startTriage(config, log, obs.metrics);
  obs.addProbe(registerProbe(triage.register));
  const poller = startPoller(config, log, obs.metrics);
  const dashboard = await startDashboard(config, log, { metrics: obs.metrics });
  onShutdown(async () => {
    await dashboard.stop();
    await poller.stop();
    await triage.stop();
    obs.close();
  }, log);
})().catch(fatal);
