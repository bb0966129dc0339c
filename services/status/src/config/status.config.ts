import { z } from 'zod';
import { logLevelSchema, parseConfig, portSchema, redisUrlSchema, type Env } from '@attendance/config';
import { kafkaEnvSchema } from '@attendance/kafka';

const statusEnvSchema = kafkaEnvSchema.extend({
  PORT: portSchema.default(3003),
  HOST: z.string().default('0.0.0.0'),
  REDIS_URL: redisUrlSchema.default('redis://127.0.0.1:6379'),
  LOG_LEVEL: logLevelSchema,
  SERVICE_VERSION: z.string().default('0.1.0-dev'),
});

export type StatusConfig = z.infer<typeof statusEnvSchema>;
export const STATUS_CONFIG = Symbol('STATUS_CONFIG');

export function loadStatusConfig(env: Env): StatusConfig {
  return parseConfig(statusEnvSchema, env);
}
