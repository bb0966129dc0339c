import type { DeviceEventInput } from '../events/device-event-recorder';
import { AUDIT_OPERATIONS, type OplogRecord } from './operlog-parser';

/**
 * The `audit` device event of an OPLOG record (21 time set, 23 attendance deleted, 13 data cleared), or null
 * for operations that are not audits. One mapping for a live OPERLOG upload (AdmsUploadService) and for the
 * paths that turn stored OPERLOG bodies into events later (an approval's replay).
 */
export function auditEventOf(serial: string, record: OplogRecord, occurredAt: string): DeviceEventInput | null {
  const operation = AUDIT_OPERATIONS[record.operationCode];
  if (!operation) return null;
  const raw = record.rawLine.toString('utf8').replace(/\r$/, '').trim();
  return {
    type: 'audit',
    deviceSerial: serial,
    operation,
    operationCode: record.operationCode,
    operator: record.operator ? record.operator.slice(0, 64) : null,
    deviceLocalTime: record.localTime ? record.localTime.replace(' ', 'T') : null,
    raw: raw.slice(0, 4096) || record.operationCode,
    occurredAt,
  };
}
