/**
 * moto's server mode (`python3 -m moto.server`): SQS and SNS (and more) on 127.0.0.1:5000, in
 * memory. A second, independent SQS implementation beside ElasticMQ, and the SNS for fan-out.
 * Uses the interpreter's moto when present, else installs `moto[server]` with pip into the cache.
 */
import { ensurePythonModules, PYTHON } from '../install/python.js';
import type { LaunchPlan } from '../proc.js';
import { probeSqs } from '../probes.js';
import { LOOPBACK, type ServiceSpec } from './spec.js';

const PORT = 5000;
const MODULES = ['moto.server', 'flask', 'flask_cors'];
const REQUIREMENT = 'moto[server]>=5,<6';

let pythonPath: string | undefined;

async function install(log: (m: string) => void): Promise<void> {
  pythonPath ??= await ensurePythonModules(MODULES, REQUIREMENT, log);
}

export const moto: ServiceSpec = {
  name: 'moto',
  title: 'moto server (SQS + SNS)',
  ports: [PORT],
  endpoint: `http://${LOOPBACK}:${PORT}`,
  externalEnv: 'EVENTPORT_MOTO_ENDPOINT',
  processMarker: 'moto.server',
  startTimeoutMs: 60_000,
  stopGraceMs: 5_000,
  container: { image: 'motoserver/moto:5.2.1', ports: [PORT] },
  env: (endpoint) => ({ EVENTPORT_MOTO_ENDPOINT: endpoint, EVENTPORT_SNS_ENDPOINT: endpoint }),
  probe: probeSqs,
  install,
  launch: async ({ dir, log }): Promise<LaunchPlan> => {
    await install(log);
    const env: Record<string, string> = pythonPath ? { PYTHONPATH: pythonPath } : {};
    return {
      command: PYTHON,
      args: ['-m', 'moto.server', '-H', LOOPBACK, '-p', String(PORT)],
      cwd: dir,
      env,
    };
  },
};
