import { z } from 'zod';
import { MobileConflictStrategySchema, SiteIdSchema, TimeZoneSchema, UuidSchema } from '@attendance/contracts';

/** One record a mobile client made (offline) and now syncs. */
export const MobileSyncRecordSchema = z.strictObject({
  localId: z.string().min(1).max(128).optional().describe('The client\'s own id of the record, echoed in the result'),
  recordId: UuidSchema.optional().describe('Server id of a record synced before (for an update); absent for a new record'),
  facilityId: SiteIdSchema.describe('Site the record was made at; must be one of the token\'s facilities'),
  direction: z.enum(['in', 'out']).describe('Clock in or clock out'),
  clientTimestamp: z.iso.datetime({ offset: true }).describe('When the user clocked, ISO-8601 with offset or Z'),
  timeZone: TimeZoneSchema.optional(),
  location: z
    .strictObject({
      latitude: z.number().min(-90).max(90),
      longitude: z.number().min(-180).max(180),
      accuracyMeters: z.number().nonnegative().optional(),
    })
    .optional(),
  deviceId: z.string().min(1).max(128).describe('Id of the mobile device'),
  syncVersion: z.number().int().min(0).describe('Server version the client last saw (0 for a new record)'),
  strategy: MobileConflictStrategySchema.default('server_wins'),
});
export type MobileSyncRecord = z.infer<typeof MobileSyncRecordSchema>;

/** The envelope; records are validated one by one so that a bad record does not fail the batch. */
export function mobileSyncRequestSchema(maxBatch: number) {
  return z.strictObject({ records: z.array(z.unknown()).min(1).max(maxBatch) });
}

export type ConflictReason = 'version-mismatch' | 'time-difference';
export type ConflictResolution = 'server-kept' | 'client-applied' | 'queued';

export interface StoredMobileRecord {
  recordId: string;
  employeeId: string;
  facilityId: string;
  direction: 'in' | 'out';
  clientTimestamp: string;
  timeZone: string | null;
  location: { latitude: number; longitude: number; accuracyMeters: number | null } | null;
  deviceId: string;
  version: number;
}

export interface MobileRecordResult {
  index: number;
  localId?: string;
  status: 'created' | 'updated' | 'duplicate' | 'conflict' | 'error';
  recordId?: string;
  version?: number;
  conflict?: { reasons: ConflictReason[]; resolution: ConflictResolution; conflictId?: string; server: StoredMobileRecord };
  errors?: { path: string; message: string }[];
}

export interface MobileSyncResponse {
  syncedAt: string;
  summary: Record<MobileRecordResult['status'], number>;
  results: MobileRecordResult[];
}

export const ResolveConflictSchema = z.strictObject({ keep: z.enum(['server', 'client']) });
export const ConflictListQuerySchema = z.strictObject({
  status: z.enum(['pending', 'resolved']).default('pending'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
