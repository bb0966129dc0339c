import { z } from 'zod';
import { booleanFromEnv, logLevelSchema, parseConfig, portSchema, redisUrlSchema, type Env, apiKeysEnvSchema } from '@attendance/config';
import { kafkaEnvSchema } from '@attendance/kafka';

/**
 * Alert webhooks, comma-separated: `json:<url>` posts the transition as JSON, `slack:<url>` posts a
 * Slack-compatible `{ text, blocks }` body (Slack, Mattermost and Teams incoming webhooks accept it).
 */
const webhooksSchema = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((entry) => entry.trim()).filter(Boolean))
  .pipe(
    z.array(
      z
        .string()
        .regex(/^(json|slack):https?:\/\/\S+$/, 'each entry must be json:<http(s) url> or slack:<http(s) url>')
        .transform((entry) => {
          const colon = entry.indexOf(':');
          return { format: entry.slice(0, colon) as 'json' | 'slack', url: entry.slice(colon + 1) };
        }),
    ),
  );

const seconds = (min: number, max: number) => z.coerce.number().min(min).max(max);
const ratio = z.coerce.number().gt(0).max(1);

const statusEnvSchema = kafkaEnvSchema
  .extend({
    PORT: portSchema.default(3003),
    HOST: z.string().default('0.0.0.0'),
    REDIS_URL: redisUrlSchema.default('redis://127.0.0.1:6379'),
    /** Every key status writes starts with this, so several deployments (or tests) can share one Redis. */
    STATUS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:._-]{1,64}$/).default('status:'),
    STATUS_CONSUMER_GROUP: z.string().min(1).default('status'),
    STATUS_MAX_BATCH: z.coerce.number().int().min(1).max(20000).default(2000),
    STATUS_PARTITION_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(3),
    STATUS_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300000).default(30000),
    /**
     * TEST AND BENCH ONLY: appended to every topic name status reads and writes, so that a run on a shared
     * broker sees only its own messages. Empty in production.
     */
    STATUS_TOPIC_SUFFIX: z.string().regex(/^(\.[a-z0-9-]+)?$/).default(''),

    // Health thresholds (DESIGN.md 3.7): the reasons a device is not healthy.
    /** No contact for this long: offline (found by the sweep even when no message arrives). */
    STATUS_OFFLINE_AFTER_SECONDS: seconds(1, 7 * 86400).default(600),
    /** The device's punches wait at the edge longer than this: degraded. */
    STATUS_BACKLOG_MAX_AGE_SECONDS: seconds(1, 30 * 86400).default(1800),
    /** |device clock - gateway clock| over this: degraded. */
    STATUS_CLOCK_SKEW_MAX_SECONDS: seconds(0.001, 86400).default(120),
    STATUS_CAPACITY_WARN_RATIO: ratio.default(0.8),
    /** Log capacity over this ratio: unhealthy (the device is about to overwrite or refuse punches). */
    STATUS_CAPACITY_CRITICAL_RATIO: ratio.default(0.95),
    /** This many failed or partial commands in a row (no success between): degraded. */
    STATUS_REPEATED_ERRORS: z.coerce.number().int().min(1).max(1000).default(3),
    /** Completeness watermark older than this: degraded; 0 turns the rule off. */
    STATUS_COMPLETENESS_MAX_LAG_SECONDS: seconds(0, 90 * 86400).default(0),
    /** A device-side "time set" or "logs deleted" keeps the device degraded this long. */
    STATUS_AUDIT_ALERT_SECONDS: seconds(0, 30 * 86400).default(86400),
    /** A gateway is offline after this many missed heartbeat intervals. */
    STATUS_GATEWAY_MISSED_HEARTBEATS: z.coerce.number().min(1).max(100).default(3),

    STATUS_SWEEP_INTERVAL_MS: z.coerce.number().int().min(10).max(600000).default(15000),
    /** Recent transitions kept per device for the detail view. */
    STATUS_TRANSITIONS_KEPT: z.coerce.number().int().min(1).max(500).default(20),
    /**
     * Bound of the transition outbox (a Redis stream read by the Kafka relay, the webhooks and the SSE feed).
     * Beyond it the oldest entries are trimmed, even if a webhook receiver that has been down for long has not
     * had them: alerts are bounded, the health record itself never is.
     */
    STATUS_OUTBOX_MAX_LENGTH: z.coerce.number().int().min(100).max(10_000_000).default(50000),

    STATUS_API_KEYS: apiKeysEnvSchema,
    /** Largest device page. */
    STATUS_PAGE_MAX: z.coerce.number().int().min(1).max(5000).default(500),
    /** Prometheus: devices-by-state gauges get a tenant label for at most this many tenants (others: `other`). */
    STATUS_METRICS_MAX_TENANTS: z.coerce.number().int().min(0).max(1000).default(50),

    STATUS_WEBHOOKS: webhooksSchema,
    /** Send a webhook for a device's first health record too (off: only real changes alert). */
    STATUS_WEBHOOK_NOTIFY_FIRST: booleanFromEnv.default(false),
    STATUS_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(5000),
    STATUS_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
    STATUS_WEBHOOK_RETRY_INITIAL_MS: z.coerce.number().int().min(1).max(60000).default(500),
    STATUS_WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(1).max(3600000).default(60000),

    LOG_LEVEL: logLevelSchema,
    SERVICE_VERSION: z.string().default('0.1.0-dev'),
  })
  .refine((c) => c.STATUS_CAPACITY_CRITICAL_RATIO >= c.STATUS_CAPACITY_WARN_RATIO, {
    path: ['STATUS_CAPACITY_CRITICAL_RATIO'],
    message: 'must be at least STATUS_CAPACITY_WARN_RATIO',
  })
  .refine((c) => c.STATUS_WEBHOOK_RETRY_MAX_MS >= c.STATUS_WEBHOOK_RETRY_INITIAL_MS, {
    path: ['STATUS_WEBHOOK_RETRY_MAX_MS'],
    message: 'must be at least STATUS_WEBHOOK_RETRY_INITIAL_MS',
  });

export type StatusConfig = z.infer<typeof statusEnvSchema>;
export type ApiKeyEntry = StatusConfig['STATUS_API_KEYS'][number];
export type WebhookTarget = StatusConfig['STATUS_WEBHOOKS'][number];
export const STATUS_CONFIG = Symbol('STATUS_CONFIG');

export function loadStatusConfig(env: Env): StatusConfig {
  return parseConfig(statusEnvSchema, env);
}
