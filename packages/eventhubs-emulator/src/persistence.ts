/**
 * Optional persistence: one append-only file per partition, `<dataDir>/<hub>/<partition>.log`,
 * plus `<dataDir>/<hub>/hub.json` for the hub's shape.
 *
 * Contract: an event is written to its file (one `write` per client transfer) before the
 * transfer is accepted, so a killed and restarted emulator serves every event a client saw
 * acknowledged, with the same sequence numbers, offsets and enqueued times. Writes are not
 * fsync'ed: an operating-system crash may lose the tail. A torn last record (killed mid-write)
 * is cut off on load.
 *
 * Record layout: u32 BE length of what follows, f64 BE sequence number, f64 BE offset,
 * f64 BE enqueued time (epoch ms), then the delivered message bytes. A record with no message
 * bytes is a watermark (written first when retention rewrites the file): numbering continues
 * after its sequence number, at its offset.
 */
import fs from 'node:fs';
import path from 'node:path';

const HEAD = 4 + 8 * 3;

/** One stored event. `bytes` is the message exactly as receivers get it (broker annotations included). */
export interface StoredEvent {
  readonly seq: number;
  readonly offset: number;
  readonly enqueuedMs: number;
  readonly bytes: Buffer;
}

/** The shape of a hub, as kept in `hub.json`. */
export interface HubMeta {
  readonly name: string;
  readonly partitionCount: number;
  readonly consumerGroups: readonly string[];
  readonly createdAt: number;
}

/** The folder of a hub under the data directory (hub names are case-insensitive). */
export function hubDir(dataDir: string, hub: string): string {
  return path.join(dataDir, encodeURIComponent(hub.toLowerCase()));
}

export function writeHubMeta(dataDir: string, meta: HubMeta): void {
  const dir = hubDir(dataDir, meta.name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'hub.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(meta, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

/** Every hub previously persisted under `dataDir`. */
export function readHubMetas(dataDir: string): HubMeta[] {
  if (!fs.existsSync(dataDir)) return [];
  const metas: HubMeta[] = [];
  for (const entry of fs.readdirSync(dataDir)) {
    const file = path.join(dataDir, entry, 'hub.json');
    if (fs.existsSync(file)) metas.push(JSON.parse(fs.readFileSync(file, 'utf8')) as HubMeta);
  }
  return metas;
}

function encode(events: readonly StoredEvent[]): Buffer {
  let size = 0;
  for (const e of events) size += HEAD + e.bytes.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const e of events) {
    out.writeUInt32BE(HEAD - 4 + e.bytes.length, at);
    out.writeDoubleBE(e.seq, at + 4);
    out.writeDoubleBE(e.offset, at + 12);
    out.writeDoubleBE(e.enqueuedMs, at + 20);
    e.bytes.copy(out, at + HEAD);
    at += HEAD + e.bytes.length;
  }
  return out;
}

/** The append-only file of one partition. */
export class PartitionLog {
  private fd: number;

  constructor(private readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
  }

  static forPartition(dataDir: string, hub: string, partitionId: string): PartitionLog {
    return new PartitionLog(path.join(hubDir(dataDir, hub), `${partitionId}.log`));
  }

  /** Reads every complete record; cuts a torn tail off the file. */
  load(): StoredEvent[] {
    const data = fs.readFileSync(this.file);
    const events: StoredEvent[] = [];
    let at = 0;
    while (at + HEAD <= data.length) {
      const length = data.readUInt32BE(at);
      if (at + 4 + length > data.length) break;
      events.push({
        seq: data.readDoubleBE(at + 4),
        offset: data.readDoubleBE(at + 12),
        enqueuedMs: data.readDoubleBE(at + 20),
        bytes: Buffer.from(data.subarray(at + HEAD, at + 4 + length)),
      });
      at += 4 + length;
    }
    if (at < data.length) fs.truncateSync(this.file, at);
    return events;
  }

  /** Appends events with one write. */
  append(events: readonly StoredEvent[]): void {
    if (events.length > 0) fs.writeSync(this.fd, encode(events));
  }

  /** Replaces the file's content by `kept` (after retention dropped older events). */
  rewrite(kept: readonly StoredEvent[]): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, encode(kept));
    fs.closeSync(this.fd);
    fs.renameSync(tmp, this.file);
    this.fd = fs.openSync(this.file, 'a');
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
