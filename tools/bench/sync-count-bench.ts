// Cost of sync-coordinator's per-device-hour counting of accepted punches (dedupe by eventId), against a raw
// baseline measured in the same run: the same batches as a plain pre-aggregated upsert of hour counts, which is
// what counting would cost without any redelivery protection. Postgres only (no Kafka): the consumer adds a
// fixed per-batch cost on top. Usage: node tools/build/run-ts.mjs tools/bench/sync-count-bench.ts [--events N]
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { runMigrationsLocked } from '@attendance/persistence';
import { PunchCountsRepository, type CountedPunch } from '../../services/sync-coordinator/src/reconciliation/punch-counts.repository';
import { createSyncDataSource, SYNC_SCHEMA } from '../../services/sync-coordinator/src/persistence/sync-data-source';
import { dropDatabase, ensureDatabase, withDatabase } from '../infra/postgres';

const { values } = parseArgs({ options: { events: { type: 'string', default: '200000' }, batch: { type: 'string', default: '1000' }, devices: { type: 'string', default: '1000' } } });
const EVENTS = Number(values.events);
const BATCH = Number(values.batch);
const DEVICES = Number(values.devices);

async function main(): Promise<void> {
  const url = withDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/attendance', `attendance_bench_sync_${Date.now().toString(36)}`);
  await ensureDatabase(url);
  const dataSource = createSyncDataSource(url, 2);
  await dataSource.initialize();
  await runMigrationsLocked(dataSource, SYNC_SCHEMA);
  await dataSource.destroy();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const repository = new PunchCountsRepository({ query: async (sql, params) => (await client.query(sql, params)).rows });
    await client.query('CREATE TABLE sync.baseline_hour_counts (tenant_id text, device_serial text, hour timestamptz, count integer, PRIMARY KEY (tenant_id, device_serial, hour))');
    const start = Date.parse('2026-11-01T00:00:00Z');
    const punches: CountedPunch[] = Array.from({ length: EVENTS }, (_, i) => ({
      eventId: randomUUID(),
      tenantId: 'bench',
      deviceSerial: `DEV-${i % DEVICES}`,
      punchedAt: new Date(start + Math.floor(i / DEVICES) * 60_000).toISOString(),
    }));
    const batches: CountedPunch[][] = [];
    for (let i = 0; i < punches.length; i += BATCH) batches.push(punches.slice(i, i + BATCH));

    const baselineStarted = process.hrtime.bigint();
    for (const batch of batches) {
      const perHour = new Map<string, number>();
      for (const p of batch) {
        const key = `${p.deviceSerial}|${new Date(Math.floor(Date.parse(p.punchedAt) / 3_600_000) * 3_600_000).toISOString()}`;
        perHour.set(key, (perHour.get(key) ?? 0) + 1);
      }
      const keys = [...perHour.keys()];
      await client.query(
        `INSERT INTO sync.baseline_hour_counts AS c SELECT 'bench', d, h, n FROM unnest($1::text[], $2::timestamptz[], $3::int[]) AS t(d, h, n)
         ON CONFLICT (tenant_id, device_serial, hour) DO UPDATE SET count = c.count + EXCLUDED.count`,
        [keys.map((k) => k.split('|')[0]), keys.map((k) => k.split('|')[1]), [...perHour.values()]],
      );
    }
    const baselineSeconds = Number(process.hrtime.bigint() - baselineStarted) / 1e9;

    const countStarted = process.hrtime.bigint();
    let added = 0;
    for (const batch of batches) added += await repository.count(batch);
    const countSeconds = Number(process.hrtime.bigint() - countStarted) / 1e9;

    // A redelivery of 20% of the events (crash between publish and commit, repeated).
    const redelivered = batches.filter((_, i) => i % 5 === 0);
    const redeliveryStarted = process.hrtime.bigint();
    let addedAgain = 0;
    for (const batch of redelivered) addedAgain += await repository.count(batch);
    const redeliverySeconds = Number(process.hrtime.bigint() - redeliveryStarted) / 1e9;

    const size = async (table: string) => Number((await client.query('SELECT pg_total_relation_size($1) AS b', [table])).rows[0].b);
    const dedupeBytes = await size('sync.counted_punches');
    const total = Number((await client.query('SELECT sum(count) AS n FROM sync.device_hour_counts')).rows[0].n);
    const rate = (n: number, s: number) => Math.round(n / s).toLocaleString('en-US');
    console.log(`machine: ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')} (shared with other work: figures under contention)`);
    console.log(`${EVENTS} accepted events, ${DEVICES} devices, batches of ${BATCH}`);
    console.log(`baseline (pre-aggregated hour upsert, no dedupe): ${baselineSeconds.toFixed(2)} s, ${rate(EVENTS, baselineSeconds)} events/s`);
    console.log(`counted with eventId dedupe:                      ${countSeconds.toFixed(2)} s, ${rate(EVENTS, countSeconds)} events/s, added ${added}`);
    console.log(`redelivered 20% (all duplicates):                 ${redeliverySeconds.toFixed(2)} s, ${rate(redelivered.flat().length, redeliverySeconds)} events/s, added ${addedAgain}`);
    console.log(`hour counts total ${total} (expected ${EVENTS}); dedupe table ${(dedupeBytes / 1024 / 1024).toFixed(1)} MB = ${Math.round(dedupeBytes / EVENTS)} bytes/event while retained`);
  } finally {
    await client.end();
    await dropDatabase(url);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
