import { Partitioners, type IHeaders, type Kafka, type Message, type Producer } from 'kafkajs';
import { KAFKA_HEADERS, type TopicContract, type TopicValue } from '@attendance/contracts';
import type { KafkaMetrics } from './kafka-metrics';
import type { KafkaLogger } from './logger';
import { cloudEventHeaders, encodeMessage } from './message-codec';

export interface ContractProducerOptions {
  /** CloudEvents `ce_source` for everything this producer sends. */
  source: string;
  logger: KafkaLogger;
  metrics?: KafkaMetrics;
}

export interface PublishOptions {
  correlationId?: string;
}

/**
 * Producer settings shared with WorkerThreadProducer (plain data, so a worker thread can receive them; each
 * side adds `createPartitioner: Partitioners.DefaultPartitioner` itself).
 */
export const IDEMPOTENT_PRODUCER_OPTIONS = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: true,
  // NOTE: kafkajs warns that bounded retries "may invalidate EoS" for an idempotent producer. We want
  // bounded retries: a send that fails surfaces to the caller (the gateway relay backs off and keeps its
  // rows), and a re-send can at worst duplicate a message, which consumers dedupe by eventId anyway.
  retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 10000 },
} as const;

/**
 * An idempotent producer (acks=all) that validates every value against its topic contract before sending.
 * `publish` resolves only once the broker has acknowledged every message, so callers may then mark their
 * outbox rows as published.
 *
 * TRICKY: kafkajs' idempotence needs `maxInFlightRequests: 1`, otherwise concurrent sends can fail with
 * OUT_OF_ORDER_SEQUENCE_NUMBER (tulios/kafkajs#598, #980). Batch many messages into one `publish` instead.
 */
export class ContractProducer {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka, private readonly options: ContractProducerOptions) {
    this.producer = kafka.producer({
      // Java-client-compatible murmur2 partitioning: the same key lands on the same partition whichever client
      // (or a future replacement of kafkajs) produced it, which keeps per-device order (DESIGN.md 3.3).
      createPartitioner: Partitioners.DefaultPartitioner,
      ...IDEMPOTENT_PRODUCER_OPTIONS,
    });
    this.producer.on(this.producer.events.CONNECT, () => (this.connected = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Validates all values first (nothing is sent if one is invalid), then sends and awaits the broker's ack. */
  async publish<C extends TopicContract>(contract: C, values: readonly TopicValue<C>[], options: PublishOptions = {}): Promise<void> {
    if (values.length === 0) return;
    const now = new Date();
    const messages = values.map((value) =>
      encodeMessage(contract, value, {
        source: this.options.source,
        now,
        ...(options.correlationId ? { correlationId: options.correlationId } : {}),
      }),
    );
    await this.sendEncoded(contract.name, messages);
  }

  /**
   * Sends values that were validated against `contract` and serialized when they were stored, i.e. a
   * transactional outbox whose writer validated each value inside the transaction that stored it. Checking
   * the same bytes again here would only repeat that work; `id` becomes `ce_id` (the value's eventId).
   */
  async publishSerialized<C extends TopicContract>(
    contract: C,
    items: readonly { key: string; json: string; id: string }[],
    options: PublishOptions = {},
  ): Promise<void> {
    if (items.length === 0) return;
    const encodeOptions = { source: this.options.source, now: new Date(), ...(options.correlationId ? { correlationId: options.correlationId } : {}) };
    // The headers every message of this publish shares (ce_type, ce_source, ce_time, ...) are encoded to Buffers
    // once, not once per message by kafkajs; only ce_id differs. Same bytes on the wire, in the same order.
    const shared: IHeaders = {};
    for (const [name, value] of Object.entries(cloudEventHeaders(contract, '', encodeOptions))) {
      shared[name] = name === KAFKA_HEADERS.ceId ? value : Buffer.from(String(value));
    }
    const messages = new Array<Message>(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      messages[i] = { key: item.key, value: item.json, headers: { ...shared, [KAFKA_HEADERS.ceId]: item.id } };
    }
    await this.sendEncoded(contract.name, messages);
  }

  /**
   * Sends pre-built messages without contract validation. Only for bytes that must travel unchanged,
   * i.e. dead-lettering the original message.
   */
  async sendRaw(topic: string, messages: Message[]): Promise<void> {
    await this.sendEncoded(topic, messages);
  }

  /**
   * TRICKY: the broker refuses a record batch over `message.max.bytes` (1 MB by default), and all messages of
   * one key share a partition, hence one batch. Large publishes (an outbox of one busy device) are therefore
   * sent in slices of at most MAX_SEND_BYTES, in order.
   */
  private async sendEncoded(topic: string, messages: Message[]): Promise<void> {
    for (const slice of slicesByBytes(messages, MAX_SEND_BYTES)) {
      await this.producer.send({ topic, acks: -1, messages: slice });
      this.options.metrics?.producedMessages.inc({ topic }, slice.length);
    }
  }
}

/** Largest send; see sendEncoded. Shared with WorkerThreadProducer. */
export const MAX_SEND_BYTES = 512 * 1024;

function approximateSize(message: Message): number {
  const size = (v: unknown) => (v == null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : (v as Buffer).length);
  let headers = 0;
  for (const [name, value] of Object.entries(message.headers ?? {})) headers += name.length + size(value);
  return size(message.key) + size(message.value) + headers + 64;
}

function* slicesByBytes(messages: Message[], maxBytes: number): Generator<Message[]> {
  let slice: Message[] = [];
  let bytes = 0;
  for (const message of messages) {
    const messageBytes = approximateSize(message);
    if (slice.length > 0 && bytes + messageBytes > maxBytes) {
      yield slice;
      slice = [];
      bytes = 0;
    }
    slice.push(message);
    bytes += messageBytes;
  }
  if (slice.length > 0) yield slice;
}
