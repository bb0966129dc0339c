import { z } from 'zod';
import { booleanFromEnv, brokerListSchema } from '@attendance/config';

/**
 * Kafka connection settings, as env keys. The edge reaches the cloud broker over the internet, so SASL/SCRAM
 * and TLS are configurable; on the LAN and in tests both stay off.
 */
export const kafkaEnvSchema = z.object({
  KAFKA_BROKERS: brokerListSchema.default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_SSL: booleanFromEnv.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['scram-sha-256', 'scram-sha-512', 'plain']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
});

export interface KafkaConnectionConfig {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: { mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain'; username: string; password: string };
}

/** Turns parsed env into connection settings; `defaultClientId` is usually the service name. */
export function kafkaConnectionFromEnv(
  env: z.infer<typeof kafkaEnvSchema>,
  defaultClientId: string,
): KafkaConnectionConfig {
  const config: KafkaConnectionConfig = {
    brokers: env.KAFKA_BROKERS,
    clientId: env.KAFKA_CLIENT_ID ?? defaultClientId,
    ssl: env.KAFKA_SSL,
  };
  if (env.KAFKA_SASL_MECHANISM) {
    if (!env.KAFKA_SASL_USERNAME || !env.KAFKA_SASL_PASSWORD) {
      throw new Error('KAFKA_SASL_MECHANISM is set but KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is missing');
    }
    config.sasl = {
      mechanism: env.KAFKA_SASL_MECHANISM,
      username: env.KAFKA_SASL_USERNAME,
      password: env.KAFKA_SASL_PASSWORD,
    };
  }
  return config;
}
