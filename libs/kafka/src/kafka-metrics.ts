import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Consumer and producer metrics with bounded labels (topic, group, outcome; never ids). */
export class KafkaMetrics {
  readonly batchSize: Histogram<'topic' | 'group'>;
  readonly handlerDuration: Histogram<'topic' | 'group' | 'outcome'>;
  readonly consumerLag: Gauge<'topic' | 'group' | 'partition'>;
  readonly dlqMessages: Counter<'topic' | 'group' | 'reason'>;
  readonly retries: Counter<'topic' | 'group'>;
  readonly producedMessages: Counter<'topic'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.batchSize = new Histogram({
      name: 'kafka_consumer_batch_size',
      help: 'Messages per handled batch',
      labelNames: ['topic', 'group'],
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
      registers,
    });
    this.handlerDuration = new Histogram({
      name: 'kafka_consumer_handler_duration_seconds',
      help: 'Time spent applying a batch (until its effects are durable)',
      labelNames: ['topic', 'group', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'kafka_consumer_lag_messages',
      help: 'Messages behind the high watermark, per partition, as of the last fetched batch',
      labelNames: ['topic', 'group', 'partition'],
      registers,
    });
    this.dlqMessages = new Counter({
      name: 'kafka_consumer_dlq_messages_total',
      help: 'Messages sent to the dead-letter topic',
      labelNames: ['topic', 'group', 'reason'],
      registers,
    });
    this.retries = new Counter({
      name: 'kafka_consumer_retries_total',
      help: 'Batches paused and retried because a dependency was unavailable',
      labelNames: ['topic', 'group'],
      registers,
    });
    this.producedMessages = new Counter({
      name: 'kafka_producer_messages_total',
      help: 'Messages acknowledged by the broker',
      labelNames: ['topic'],
      registers,
    });
  }
}
