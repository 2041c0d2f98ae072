/**
 * Fire and forget.
 *  - A "web handler" asked for a report publishes `report.requested` and answers at once (it
 *    never waits for the report); a worker group generates each report (slowly) and, as part of
 *    handling the request, publishes `report.ready`; a notifier group "emails" the user by writing
 *    a file into an outbox folder (named by report id, so a redelivery rewrites the same file).
 *  - A product review is posted the same way and processed later: its consumer starts only after
 *    every web request has been answered; the reviews wait in the broker meanwhile.
 * Promise (exit code 0): every request answered before its report was ready, one outbox file per
 * report with the right content, every review processed.
 * Usage: node dist/main.js [url] [--reports N] [--reviews N] [--work-ms MS]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type Event } from '@eventport/core';
import {
  commandLine,
  ensureTopic,
  numberOption,
  registerGroup,
  run,
  RUN_ID,
  sleep,
  Verdict,
  waitUntil,
} from '@eventport/example-support';

/** What the worker and the notifier need from the broker, and why (see README). */
const REQUIRES = ['consume.at-least-once', 'publish.at-least-once'];

interface ReportRequest {
  readonly reportId: string;
  readonly user: string;
  readonly month: string;
}
interface Review {
  readonly reviewId: string;
  readonly product: string;
  readonly stars: number;
  readonly text: string;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const { url, values } = commandLine({
    reports: { type: 'string' },
    reviews: { type: 'string' },
    'work-ms': { type: 'string' },
  });
  const reportCount = numberOption(values.reports, 'reports', 10, 1);
  const reviewCount = numberOption(values.reviews, 'reviews', 5, 1);
  const workMs = numberOption(values['work-ms'], 'work-ms', 300);
  const broker = await connect(url);
  console.log(`connected to ${broker}; requires ${REQUIRES.join(', ')}`);
  const requested = `reports-requested-${RUN_ID}`;
  const ready = `reports-ready-${RUN_ID}`;
  const reviews = `reviews-${RUN_ID}`;
  for (const t of [requested, ready, reviews]) await ensureTopic(broker, t);
  const outbox = mkdtempSync(path.join(tmpdir(), 'eventport-outbox-'));
  // The review processor is deployed (its group exists) before reviews are posted, though it
  // starts consuming later: where a group is a subscription, it only holds what came after it.
  const moderationOptions = { group: 'review-moderation', from: 'earliest', require: REQUIRES } as const;
  await registerGroup(broker, reviews, moderationOptions);

  // The worker: slow report generation, then report.ready (sent only if the handler succeeds).
  const readyAt = new Map<string, number>();
  const worker = await broker
    .consumer(requested, { group: 'report-worker', from: 'earliest', require: REQUIRES, concurrency: 4 })
    .subscribe(async (event: Event, ctx) => {
      const req = event.data as ReportRequest;
      await sleep(workMs); // "minutes" of work, shortened
      const rows = 100 + (req.reportId.length % 7);
      await ctx.send(ready, {
        type: 'report.ready',
        source: '/reports/worker',
        key: req.user,
        subject: req.reportId,
        data: { ...req, url: `https://reports.invalid/${req.reportId}.pdf`, rows },
      });
      readyAt.set(req.reportId, Date.now());
    });

  // The notifier: one "email" per report, written as a file named by the report id.
  const notifier = await broker
    .consumer(ready, { group: 'notifier', from: 'earliest', require: REQUIRES })
    .subscribe((event: Event) => {
      const r = event.data as ReportRequest & { url: string };
      const mail = `To: ${r.user}@example.invalid\nSubject: your ${r.month} report is ready\n\n${r.url}\n`;
      writeFileSync(path.join(outbox, `${r.reportId}.eml`), mail);
    });

  // The web tier: publish and answer at once.
  const requestsProducer = broker.producer(requested, { delivery: 'at-least-once' });
  const reviewsProducer = broker.producer(reviews, { delivery: 'at-least-once' });
  const answeredAt = new Map<string, number>();
  const answerMs: number[] = [];
  for (let i = 0; i < reportCount; i++) {
    const request: ReportRequest = { reportId: `rep-${i + 1}`, user: `user${i % 4}`, month: '2026-11' };
    const t0 = performance.now();
    await requestsProducer.send({
      type: 'report.requested',
      source: '/web/reports',
      key: request.user,
      subject: request.reportId,
      data: request,
    });
    answerMs.push(performance.now() - t0); // HTTP 202 Accepted would go out here
    answeredAt.set(request.reportId, Date.now());
  }
  for (let i = 0; i < reviewCount; i++) {
    const review: Review = {
      reviewId: `rev-${i + 1}`,
      product: `sku-${i % 3}`,
      stars: 1 + (i % 5),
      text: i % 2 === 0 ? 'great value' : 'arrived late',
    };
    await reviewsProducer.send({
      type: 'review.posted',
      source: '/web/reviews',
      key: review.product,
      data: review,
    });
  }
  const maxAnswer = Math.max(...answerMs);
  console.log(
    `web tier answered ${reportCount} report requests and ${reviewCount} reviews (slowest answer ${maxAnswer.toFixed(1)} ms)`,
  );

  // Later: the review processor starts now; the reviews waited in the broker.
  const processed = new Map<string, string>();
  const moderation = await broker.consumer(reviews, moderationOptions).subscribe((event: Event) => {
    const r = event.data as Review;
    processed.set(r.reviewId, r.stars >= 3 ? 'published' : 'sent to moderation');
  });

  const outboxCount = (): number => readdirSync(outbox).filter((f) => f.endsWith('.eml')).length;
  await waitUntil(() => outboxCount() >= reportCount && processed.size >= reviewCount, 45_000);
  await sleep(200); // let a late duplicate show up, if any
  await Promise.all([worker, notifier, moderation].map((s) => s.close({ drainTimeoutMs: 5_000 })));
  await broker.close();

  const files = readdirSync(outbox).sort();
  console.log(`outbox ${outbox}: ${files.length} files`);
  for (const [id, verdict] of [...processed].sort()) console.log(`  review ${id}: ${verdict}`);
  const v = new Verdict();
  v.check(
    [...answeredAt].every(([id, t]) => t <= (readyAt.get(id) ?? Infinity)),
    `every request was answered before its report was ready`,
  );
  v.check(files.length === reportCount, `one outbox file per report (${files.length}/${reportCount})`);
  v.check(
    files.every((f) => readFileSync(path.join(outbox, f), 'utf8').includes(`/${f.replace('.eml', '')}.pdf`)),
    'every file links its own report',
  );
  v.check(processed.size === reviewCount, `every review processed later (${processed.size}/${reviewCount})`);
  rmSync(outbox, { recursive: true, force: true });
  v.finish('fire-and-forget', startedAt);
}

run('fire-and-forget', main);
