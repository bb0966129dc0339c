import { z } from 'zod';
import { booleanFromEnv } from '@attendance/config';

const seconds = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * Config of reconciliation, completeness and leases (spread into the service's env schema). Defaults follow
 * DESIGN.md 6: reconcile each device hourly over its last hours, leases renewed while heartbeats are healthy.
 */
export const edgeSyncEnvShape = {
  /** Prefix of this service's consumer groups (`<prefix>.punch-counts`, `.heartbeats`, `.command-results`). */
  SYNC_CONSUMER_GROUP_PREFIX: z.string().min(1).max(200).default('sync-coordinator'),
  /**
   * A new punch-count consumer group starts at the beginning of `attendance.punch.accepted.v1` (so every
   * accepted punch is counted). false starts at the end: only for tests on a broker shared with other suites.
   */
  SYNC_PUNCH_COUNTS_FROM_BEGINNING: booleanFromEnv.default(true),
  /** How often each device is reconciled. */
  SYNC_RECONCILE_INTERVAL_SECONDS: seconds(10, 7 * 86400, 3600),
  /** A scheduled run re-verifies at least this many complete hours (and everything since the watermark). */
  SYNC_RECONCILE_WINDOW_HOURS: seconds(1, 168, 24),
  /**
   * An hour is verified only this long after it ended, so punches of its last seconds still on their way
   * (gateway → raw → ingest → accepted) do not show up as a mismatch and a needless backfill.
   */
  SYNC_RECONCILE_SETTLE_SECONDS: seconds(0, 3600, 300),
  /** How often the scheduler looks for due devices, expired commands and old dedupe rows. */
  SYNC_SCHEDULER_TICK_SECONDS: seconds(1, 3600, 30),
  /** Deadline of a command: a gateway that has not started it by then answers `expired`. */
  SYNC_COMMAND_TIMEOUT_SECONDS: seconds(10, 86400, 900),
  /** A command still without a result this long after its deadline is given up and its run closed. */
  SYNC_COMMAND_RESULT_GRACE_SECONDS: seconds(0, 3600, 60),
  /** Longest operator re-pull; it is split into windows the command contract accepts. */
  SYNC_REPULL_MAX_DAYS: seconds(1, 366, 93),
  /** Pull lease lifetime; renewed when less than half is left and the holder's heartbeat says it is healthy. */
  SYNC_LEASE_TTL_SECONDS: seconds(3, 3600, 60),
  /** How long eventIds of counted punches are kept to absorb redeliveries. */
  SYNC_COUNTED_EVENT_RETENTION_HOURS: seconds(1, 24 * 90, 72),
};
