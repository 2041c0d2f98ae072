/**
 * The endpoint validation handshakes the service runs before it creates a webhook subscription.
 *
 * - Event Grid and custom schema: POST `[SubscriptionValidationEvent]` (header
 *   `aeg-event-type: SubscriptionValidation`, `data.validationCode`, `data.validationUrl`). The
 *   webhook answers 200 with `{"validationResponse": "<code>"}` (validated), or 200 without it and
 *   later GETs `validationUrl` (manual validation), or anything else (refused).
 * - CloudEvents schema: OPTIONS with `WebHook-Request-Origin: eventgrid.azure.net`; the webhook
 *   answers 200 with `WebHook-Allowed-Origin` equal to that origin or `*`.
 */
import { randomUUID } from 'node:crypto';
import type { InputSchema } from '../config.js';
import type { WebhookClient } from './webhook-client.js';

export const REQUEST_ORIGIN = 'eventgrid.azure.net';

export type HandshakeResult =
  | { readonly state: 'validated' }
  | { readonly state: 'awaiting-manual-validation'; readonly validationCode: string }
  | { readonly state: 'refused'; readonly reason: string };

export async function handshake(
  client: WebhookClient,
  endpointUrl: string,
  schema: InputSchema,
  context: {
    readonly topicId: string;
    readonly validationUrl: (code: string) => string;
    readonly timeoutMs: number;
  },
): Promise<HandshakeResult> {
  try {
    if (schema === 'CloudEventSchemaV1_0') {
      const answer = await client.request(endpointUrl, {
        method: 'OPTIONS',
        headers: { 'WebHook-Request-Origin': REQUEST_ORIGIN },
        timeoutMs: context.timeoutMs,
      });
      const allowed = String(answer.headers['webhook-allowed-origin'] ?? '');
      if (answer.status === 200 && (allowed === '*' || allowed.toLowerCase() === REQUEST_ORIGIN))
        return { state: 'validated' };
      return {
        state: 'refused',
        reason: `OPTIONS answered HTTP ${answer.status} with WebHook-Allowed-Origin '${allowed}' (expected '${REQUEST_ORIGIN}' or '*').`,
      };
    }
    const validationCode = randomUUID();
    const event = {
      id: randomUUID(),
      topic: context.topicId,
      subject: '',
      data: { validationCode, validationUrl: context.validationUrl(validationCode) },
      eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
      eventTime: new Date().toISOString(),
      metadataVersion: '1',
      dataVersion: '2',
    };
    const answer = await client.request(endpointUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation' },
      body: JSON.stringify([event]),
      timeoutMs: context.timeoutMs,
    });
    if (answer.status !== 200)
      return { state: 'refused', reason: `the validation event was answered with HTTP ${answer.status}.` };
    let parsed: unknown;
    try {
      parsed = answer.body ? JSON.parse(answer.body) : undefined;
    } catch {
      parsed = undefined;
    }
    const entries = typeof parsed === 'object' && parsed !== null ? Object.entries(parsed) : [];
    const response = entries.find(([k]) => k.toLowerCase() === 'validationresponse')?.[1];
    if (response === undefined) return { state: 'awaiting-manual-validation', validationCode };
    return response === validationCode
      ? { state: 'validated' }
      : {
          state: 'refused',
          reason: `validationResponse '${String(response)}' does not match the validation code.`,
        };
  } catch (error) {
    return {
      state: 'refused',
      reason: `the endpoint did not answer the handshake: ${(error as Error).message}`,
    };
  }
}
