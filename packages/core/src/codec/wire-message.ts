/** A message as a protocol binding sees it: string headers and a body. */
export interface WireMessage {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array | undefined;
}
