/**
 * Dead-letter sink: keeps every dead-lettered event in memory (read through the admin API) and,
 * when a directory is configured, writes it there the way the service writes blobs:
 * `<dir>/<topic>/<SUBSCRIPTION IN UPPER CASE>/<yyyy>/<M>/<d>/<H>/<uuid>.json`, a JSON array holding
 * one event with the dead-letter properties added.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** One dead-lettered event as stored: the event's own JSON with the dead-letter properties. */
export type DeadLetterRecord = Record<string, unknown>;

export class DeadLetterSink {
  private readonly records = new Map<string, DeadLetterRecord[]>();

  constructor(private readonly directory?: string) {}

  /** Stores `record` for `topic`/`subscription`; returns the file written, if any. */
  write(topic: string, subscription: string, record: DeadLetterRecord): string | undefined {
    const key = `${topic}/${subscription}`;
    const list = this.records.get(key) ?? [];
    list.push(record);
    this.records.set(key, list);
    if (!this.directory) return undefined;
    const now = new Date();
    const folder = path.join(
      this.directory,
      topic,
      subscription.toUpperCase(),
      String(now.getUTCFullYear()),
      String(now.getUTCMonth() + 1),
      String(now.getUTCDate()),
      String(now.getUTCHours()),
    );
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, `${randomUUID()}.json`);
    fs.writeFileSync(file, JSON.stringify([record]));
    return file;
  }

  /** Everything dead-lettered for `topic`/`subscription`, oldest first. */
  list(topic: string, subscription: string): readonly DeadLetterRecord[] {
    return this.records.get(`${topic}/${subscription}`) ?? [];
  }
}

/** The service's time format in dead-letter records: "M/d/yyyy h:mm:ss AM" (UTC). */
export function serviceTime(d: Date): string {
  const h = d.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 === 0 ? 12 : h % 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h >= 12 ? 'PM' : 'AM'}`;
}
