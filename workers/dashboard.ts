import { observe } from '../src/app/observe';
import { registerProbe } from '../src/shared/readiness';
import { onShutdown } from '../src/app/runtime';
import { loadRuntimeConfig } from '../src/app/start';
import { startDashboard } from '../src/dashboard/start';
import { fatal } from './fatal';

/** The dashboard process: web app + retrain worker. */
(async () => {
  const { config, log } = loadRuntimeConfig();
  // Its metrics (corrections) are served at the dashboard's own /metrics, and on metrics.port if set.
  const obs = observe('dashboard', config, log);
  const running = await startDashboard(config, log, { metrics: obs.metrics });
  obs.addProbe(registerProbe(running.deps.register));
  onShutdown(async () => {
    await running.stop();
    obs.close();
  }, log);
})().catch(fatal);
