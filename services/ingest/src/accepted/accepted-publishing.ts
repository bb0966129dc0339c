import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import { ROOT_LOGGER, METRICS_REGISTRY, type Logger } from '@attendance/observability';
import { INGEST_CONFIG, type IngestConfig } from '../config/ingest.config';
import { IngestKafka } from '../kafka/ingest-kafka';
import { IngestDatabase } from '../persistence/ingest-database';
import { AcceptedOutboxRelay } from './accepted-outbox-relay';

/** Runs the accepted-outbox relay for the life of the service and exposes its backlog as a metric. */
@Injectable()
export class AcceptedPublishing implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly relay: AcceptedOutboxRelay;

  constructor(
    @Inject(INGEST_CONFIG) config: IngestConfig,
    @Inject(ROOT_LOGGER) logger: Logger,
    @Inject(METRICS_REGISTRY) registry: Registry,
    kafka: IngestKafka,
    database: IngestDatabase,
  ) {
    const published = new Counter({ name: 'ingest_accepted_published_total', help: 'Accepted events acknowledged by Kafka', registers: [registry] });
    new Gauge({
      name: 'ingest_accepted_outbox_backlog',
      help: 'Accepted events committed but not yet published',
      registers: [registry],
      async collect() {
        const [row] = await database.dataSource.query('SELECT COUNT(*)::int AS n FROM ingest.accepted_outbox').catch(() => [{ n: -1 }]);
        this.set(row.n);
      },
    });
    this.relay = new AcceptedOutboxRelay(database.dataSource, kafka.producer, published, logger.child({ component: 'accepted-relay' }), {
      batchSize: config.ACCEPTED_RELAY_BATCH,
      idlePollMs: config.ACCEPTED_RELAY_IDLE_MS,
    });
  }

  onApplicationBootstrap(): void {
    this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }

  notify(): void {
    this.relay.notify();
  }
}
