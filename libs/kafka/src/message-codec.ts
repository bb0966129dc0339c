import { randomUUID } from 'node:crypto';
import type { IHeaders, Message } from 'kafkajs';
import {
  CLOUDEVENTS_SPEC_VERSION,
  JSON_CONTENT_TYPE,
  KAFKA_HEADERS,
  type TopicContract,
  type TopicValue,
} from '@attendance/contracts';
import type { ContractCheck } from './compiled-contract-check';
import { ContractViolationError, PoisonMessageError } from './errors';

export interface EncodeOptions {
  /** CloudEvents `ce_source`, e.g. `/device-gateway/gw-1`. */
  source: string;
  correlationId?: string;
  now?: Date;
}

/**
 * Validates a value against its topic contract and builds the Kafka message: key from the contract,
 * JSON value, CloudEvents binary-mode headers. `ce_id` is the value's `eventId` when it has one (a punch's
 * stable identity, so a redelivered punch carries the same id) and a random UUID otherwise.
 */
export function encodeMessage<C extends TopicContract>(contract: C, value: TopicValue<C>, options: EncodeOptions): Message {
  const parsed = contract.schema.safeParse(value);
  if (!parsed.success) {
    throw new ContractViolationError(
      contract.name,
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  const eventId = (parsed.data as { eventId?: unknown }).eventId;
  return {
    key: contract.key(parsed.data),
    value: JSON.stringify(parsed.data),
    headers: cloudEventHeaders(contract, typeof eventId === 'string' ? eventId : randomUUID(), options),
  };
}

/** CloudEvents 1.0 binary-mode headers for Kafka, plus our correlation id. */
export function cloudEventHeaders(contract: TopicContract, id: string, options: EncodeOptions): IHeaders {
  const headers: IHeaders = {
    [KAFKA_HEADERS.ceId]: id,
    [KAFKA_HEADERS.ceType]: contract.name,
    [KAFKA_HEADERS.ceSource]: options.source,
    [KAFKA_HEADERS.ceTime]: (options.now ?? new Date()).toISOString(),
    [KAFKA_HEADERS.ceSpecVersion]: CLOUDEVENTS_SPEC_VERSION,
    [KAFKA_HEADERS.contentType]: JSON_CONTENT_TYPE,
  };
  if (options.correlationId) headers[KAFKA_HEADERS.correlationId] = options.correlationId;
  return headers;
}

/**
 * Decodes and validates a consumed value; throws PoisonMessageError for anything that can never succeed.
 * `fastCheck` (see compileContractCheck) may vouch for the parsed JSON, which is then returned as it is;
 * whatever it does not vouch for is parsed by the contract's zod schema.
 */
export function decodeValue<C extends TopicContract>(contract: C, raw: Buffer | null, fastCheck?: ContractCheck | null): TopicValue<C> {
  return decodeValueAndText(contract, raw, fastCheck).value;
}

/**
 * decodeValue, plus the JSON text the value was parsed from when that text stands for the value exactly: the
 * fast check vouched that the parsed JSON is the value unchanged (`text` is null when zod built the value,
 * which may differ from what was sent). A consumer that forwards the value can reuse the text instead of
 * serialising the value again.
 */
export function decodeValueAndText<C extends TopicContract>(
  contract: C,
  raw: Buffer | null,
  fastCheck?: ContractCheck | null,
): { value: TopicValue<C>; text: string | null } {
  if (raw === null) throw new PoisonMessageError('missing-value', 'message has no value (tombstone)');
  const text = raw.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PoisonMessageError('invalid-json', (error as Error).message);
  }
  if (fastCheck && fastCheck(json)) return { value: json as TopicValue<C>, text };
  const parsed = contract.schema.safeParse(json);
  if (!parsed.success) {
    throw new PoisonMessageError(
      'contract-violation',
      parsed.error.issues
        .slice(0, 10)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    );
  }
  return { value: parsed.data as TopicValue<C>, text: null };
}

/** Kafka headers arrive as Buffers (or arrays of them); we only use single string values. */
export function headersToStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const single = Array.isArray(value) ? value[0] : value;
    if (single !== undefined) out[name] = single.toString();
  }
  return out;
}
