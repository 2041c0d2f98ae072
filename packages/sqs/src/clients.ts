import { SQSClient } from '@aws-sdk/client-sqs';
import { SNSClient } from '@aws-sdk/client-sns';
import type { SqsConfig } from './config.js';

/** Upper bound of any non-polling request (ms); a hung server fails the call instead of stalling it. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Sockets of the pool that sends, settles and administers (per client). */
export const REQUEST_SOCKETS = 128;

/**
 * Client settings shared by SQS and SNS: one attempt per call (EventPort's
 * portable layer owns retries and backoff), keep-alive connections, bounded
 * connect time.
 */
function common(
  config: SqsConfig,
  endpoint: string | undefined,
  maxSockets: number = REQUEST_SOCKETS,
): Record<string, unknown> {
  const agent = { keepAlive: true, maxSockets };
  return {
    region: config.region,
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(config.credentials !== undefined ? { credentials: config.credentials } : {}),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 5_000, httpAgent: agent, httpsAgent: agent },
  };
}

export function createSqsClient(config: SqsConfig): SQSClient {
  return new SQSClient(common(config, config.endpoint));
}

/**
 * The client for ReceiveMessage long polls only, with a socket pool of its own:
 * a long poll holds its socket for up to WaitTimeSeconds, and sharing one pool
 * let the polls of a few dozen consumers take every socket, so sends, deletes,
 * visibility changes and administration queued behind them until they timed out.
 * Unbounded: the polls are bounded already (consumers x receiveConcurrency), and
 * a poll waiting for a socket would be a poll not polling.
 */
export function createSqsPollClient(config: SqsConfig): SQSClient {
  return new SQSClient(common(config, config.endpoint, Infinity));
}

export function createSnsClient(config: SqsConfig): SNSClient {
  return new SNSClient(common(config, config.snsEndpoint));
}
