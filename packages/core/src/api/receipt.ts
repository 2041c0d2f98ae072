/** Where an event landed. */
export interface Receipt {
  readonly id: string;
  readonly topic: string;
  readonly partition?: string;
  readonly offset?: number;
  /** The broker recognised this as a resend of an event it already had (idempotent publish). */
  readonly duplicate?: boolean;
}
