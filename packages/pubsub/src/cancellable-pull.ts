import type { protos, v1 } from '@google-cloud/pubsub';

type PullRequest = protos.google.pubsub.v1.IPullRequest;
type PullResponse = protos.google.pubsub.v1.IPullResponse;

/** A Pull request in flight, and how to end it early. */
export interface PullCall {
  readonly response: Promise<PullResponse>;
  /** Ends the request now (it rejects with CANCELLED); a no-op once it settled. */
  cancel(): void;
}

/**
 * Starts a Pull that can be cancelled. A Pull waits up to its deadline (`timeoutMs`) on an empty
 * subscription, so a consumer that closes must cancel the ones in flight, or its close (and the
 * process) outlives them by up to that deadline. The generated client's `pull` wraps the call's
 * cancellable promise in another one (for its request logging), losing `cancel`; the same call
 * made through the client's `innerApiCalls.pull` (a public member of the generated class, set up
 * once the client is initialized) keeps it. Where that member is missing (another client version)
 * this falls back to `pull`, which cannot be cancelled: close then waits for the deadline.
 */
export function startPull(client: v1.SubscriberClient, request: PullRequest, timeoutMs: number): PullCall {
  const options = { retry: null, timeout: timeoutMs };
  const inner = (client as unknown as { innerApiCalls?: Record<string, unknown> }).innerApiCalls?.pull;
  if (typeof inner === 'function') {
    const call = (
      inner as (r: PullRequest, o: typeof options) => Promise<[PullResponse]> & { cancel?: () => void }
    ).call(client.innerApiCalls, request, options);
    return { response: call.then(([response]) => response), cancel: () => call.cancel?.() };
  }
  const call = client.pull(request, options);
  return { response: call.then(([response]) => response), cancel: () => undefined };
}
