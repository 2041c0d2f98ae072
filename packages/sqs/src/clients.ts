import { SQSClient } from '@aws-sdk/client-sqs';
import { SNSClient } from '@aws-sdk/client-sns';
import type { SqsConfig } from './config.js';

/** Upper bound of any non-polling request (ms); a hung server fails the call instead of stalling it. */
export const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Client settings shared by SQS and SNS: one attempt per call (EventPort's
 * portable layer owns retries and backoff), keep-alive connections, bounded
 * connect time.
 */
function common(config: SqsConfig, endpoint: string | undefined): Record<string, unknown> {
  const agent = { keepAlive: true, maxSockets: 128 };
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

export function createSnsClient(config: SqsConfig): SNSClient {
  return new SNSClient(common(config, config.snsEndpoint));
}
