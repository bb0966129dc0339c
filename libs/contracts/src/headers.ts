/**
 * Kafka header names. Values follow CloudEvents 1.0 binary mode for Kafka (`ce_*` + `content-type`), plus a
 * correlation id that follows a punch from the device request to Postgres, and the error headers that the
 * batch consumer puts on dead-lettered messages.
 */
export const KAFKA_HEADERS = {
  ceId: 'ce_id',
  ceType: 'ce_type',
  ceSource: 'ce_source',
  ceTime: 'ce_time',
  ceSpecVersion: 'ce_specversion',
  contentType: 'content-type',
  correlationId: 'correlation_id',
  dlqErrorClass: 'dlq_error_class',
  dlqErrorMessage: 'dlq_error_message',
  dlqOriginalTopic: 'dlq_original_topic',
  dlqOriginalPartition: 'dlq_original_partition',
  dlqOriginalOffset: 'dlq_original_offset',
  dlqFailedAt: 'dlq_failed_at',
  dlqConsumerGroup: 'dlq_consumer_group',
} as const;

export const CLOUDEVENTS_SPEC_VERSION = '1.0';
export const JSON_CONTENT_TYPE = 'application/json';
