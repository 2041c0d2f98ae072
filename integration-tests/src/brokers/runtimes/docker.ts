/**
 * Whether a Docker engine answers: GET /_ping on DOCKER_HOST (unix:// or tcp://) or on
 * /var/run/docker.sock, bounded to 1.5 s. A docker *client* alone does not count.
 */
import fs from 'node:fs';
import http from 'node:http';

export function dockerEngineAnswers(timeoutMs = 1500): Promise<boolean> {
  const host = process.env.DOCKER_HOST;
  let options: http.RequestOptions;
  if (host?.startsWith('tcp://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    options = { host: url.hostname, port: url.port || 2375, path: '/_ping' };
  } else {
    const socketPath = host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
    if (!fs.existsSync(socketPath)) return Promise.resolve(false);
    options = { socketPath, path: '/_ping' };
  }
  return new Promise((resolve) => {
    const request = http.get({ ...options, timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}
