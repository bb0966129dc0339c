import type { Admin, Kafka } from 'kafkajs';

/**
 * Readiness probe for the broker: one lazily connected admin client asking for cluster metadata. Callers
 * race it against a timeout (HealthRegistry does), so a dead broker makes readiness fail fast.
 */
export class KafkaHealthProbe {
  private admin: Admin | null = null;

  constructor(private readonly kafka: Kafka) {}

  async check(): Promise<void> {
    if (!this.admin) {
      const admin = this.kafka.admin({ retry: { retries: 0 } });
      await admin.connect();
      this.admin = admin;
    }
    try {
      await this.admin.describeCluster();
    } catch (error) {
      const admin = this.admin;
      this.admin = null;
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = null;
  }
}
