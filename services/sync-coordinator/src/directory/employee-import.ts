import { randomUUID } from 'node:crypto';
import { BadRequestException, Inject, Injectable, PayloadTooLargeException } from '@nestjs/common';
import { z } from 'zod';
import { DeviceUserIdSchema, EmployeeIdSchema, EmployeeStatusSchema } from '@attendance/contracts';
import { issuesOf } from '@attendance/http-api';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { SyncDatabase } from '../persistence/sync-database';
import type { SqlExecutor } from '../persistence/sql-executor';
import { lockChangeCounter } from './change-cursor';
import { CsvSyntaxError, parseCsv, type CsvRecord } from './csv';
import { planImport, type ExistingEmployee, type ImportRow, type ImportRowReport, type PlannedWrite } from './employee-import-plan';

const COLUMNS = ['code', 'name', 'status', 'employeeId'] as const;
type Column = (typeof COLUMNS)[number];

const RowSchema = z.object({
  code: DeviceUserIdSchema,
  name: z.string().trim().min(1, 'name is required').max(200),
  status: z.preprocess((v) => (v === '' || v === undefined ? 'active' : v), EmployeeStatusSchema),
  employeeId: z.preprocess((v) => (v === '' ? undefined : v), EmployeeIdSchema.optional()),
});

export type { ImportRowReport };

export interface ImportReport {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  rows: ImportRowReport[];
}

/**
 * CSV import of employees (`code,name[,status][,employeeId]`, header first, any column order): each row is
 * matched by its code and created, updated or left unchanged; a bad row is reported with its line and reasons
 * and the others proceed. All applied rows commit in one transaction (gateways see the import whole or not at
 * all).
 *
 * NOTE: the rows are planned in memory against the tenant's employees read after taking the tenant's change
 * counter lock, which every directory write takes first; nothing can change those rows until the commit, so
 * the plan holds and is written with a few set-based statements (10,000 rows in 0.4 s on a loaded 2-core box, where one
 * statement per row took a minute).
 */
@Injectable()
export class EmployeeImport {
  constructor(
    @Inject(SYNC_CONFIG) private readonly config: SyncCoordinatorConfig,
    private readonly db: SyncDatabase,
  ) {}

  async importCsv(tenantId: string, csv: unknown): Promise<ImportReport> {
    if (typeof csv !== 'string' || csv.trim() === '') throw new BadRequestException('send the CSV as the body, Content-Type: text/csv');
    const [header, ...data] = this.parse(csv);
    if (!header) throw new BadRequestException('the CSV is empty');
    const columns = this.columnsOf(header.fields);
    if (data.length > this.config.SYNC_CSV_IMPORT_MAX_ROWS) throw new PayloadTooLargeException(`at most ${this.config.SYNC_CSV_IMPORT_MAX_ROWS} rows per import`);
    const decoded = data.map((record) => this.decode(record, columns));
    const valid = decoded.filter((d): d is { line: number; row: ImportRow } => 'row' in d);
    const rows = await this.db.transaction(async (tx) => {
      await lockChangeCounter(tx, tenantId);
      const existing = await this.existing(tx, tenantId, valid.map((v) => v.row));
      const plan = planImport(valid, existing, randomUUID);
      await this.write(tx, tenantId, plan.writes);
      const byLine = new Map(plan.reports.map((r) => [r.line, r]));
      return decoded.map((d) => ('report' in d ? d.report : byLine.get(d.line)!));
    });
    const count = (outcome: ImportRowReport['outcome']) => rows.filter((r) => r.outcome === outcome).length;
    return { total: rows.length, created: count('created'), updated: count('updated'), unchanged: count('unchanged'), failed: count('error'), rows };
  }

  private decode(record: CsvRecord, columns: Column[]): { line: number; row: ImportRow } | { line: number; report: ImportRowReport } {
    const raw = Object.fromEntries(columns.map((column, i) => [column, (record.fields[i] ?? '').trim()]));
    const code = typeof raw.code === 'string' && raw.code !== '' ? raw.code : null;
    const error = (errors: string[]) => ({ line: record.line, report: { line: record.line, code, employeeId: null, outcome: 'error' as const, errors } });
    if (record.fields.length !== columns.length) return error([`expected ${columns.length} fields, found ${record.fields.length}`]);
    const parsed = RowSchema.safeParse(raw);
    if (!parsed.success) return error(issuesOf(parsed.error).map((i) => `${i.path}: ${i.message}`));
    return { line: record.line, row: parsed.data };
  }

  /** The tenant's employees (live or deleted) with a code or an id that the file names. */
  private existing(tx: SqlExecutor, tenantId: string, rows: ImportRow[]): Promise<ExistingEmployee[]> {
    return tx.query<ExistingEmployee>(
      `SELECT id, code, name, status, deleted_at IS NOT NULL AS deleted FROM sync.employees
        WHERE tenant_id = $1 AND ((code = ANY($2::text[]) AND deleted_at IS NULL) OR id = ANY($3::text[]))`,
      [tenantId, rows.map((r) => r.code), rows.flatMap((r) => (r.employeeId ? [r.employeeId] : []))],
    );
  }

  /** One cursor per written row, drawn at once (the counter row is ours until the commit), then two bulk writes. */
  private async write(tx: SqlExecutor, tenantId: string, writes: PlannedWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const [range] = await tx.query<{ first: string }>(
      'UPDATE sync.tenant_change_counters SET last_seq = last_seq + $2 WHERE tenant_id = $1 RETURNING (last_seq - $2 + 1)::text AS first',
      [tenantId, writes.length],
    );
    const first = BigInt(range!.first);
    const numbered = writes.map((w, i) => ({ ...w, seq: (first + BigInt(i)).toString() }));
    const inserts = numbered.filter((w) => w.kind === 'insert');
    const updates = numbered.filter((w) => w.kind === 'update');
    const columns = (list: typeof numbered, keys: ('id' | 'code' | 'name' | 'status' | 'seq')[]) => keys.map((k) => list.map((w) => w[k]));
    // New employees, and revivals of deleted ids (the upsert only touches a deleted row: the plan made sure).
    if (inserts.length > 0) {
      await tx.query(
        `INSERT INTO sync.employees (tenant_id, id, code, name, status, change_seq)
         SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
         ON CONFLICT (tenant_id, id) DO UPDATE SET code = excluded.code, name = excluded.name, status = excluded.status,
           change_seq = excluded.change_seq, deleted_at = NULL, created_at = now(), updated_at = now()
           WHERE sync.employees.deleted_at IS NOT NULL`,
        [tenantId, ...columns(inserts, ['id', 'code', 'name', 'status', 'seq'])],
      );
    }
    if (updates.length > 0) {
      await tx.query(
        `UPDATE sync.employees e SET name = u.name, status = u.status, change_seq = u.seq, updated_at = now()
           FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) AS u(id, name, status, seq)
          WHERE e.tenant_id = $1 AND e.id = u.id`,
        [tenantId, ...columns(updates, ['id', 'name', 'status', 'seq'])],
      );
    }
  }

  private parse(csv: string): CsvRecord[] {
    try {
      return parseCsv(csv);
    } catch (error) {
      if (error instanceof CsvSyntaxError) throw new BadRequestException(`CSV syntax error at ${error.message}`);
      throw error;
    }
  }

  private columnsOf(header: string[]): Column[] {
    const names = header.map((h) => h.trim());
    const unknown = names.filter((n) => !(COLUMNS as readonly string[]).includes(n));
    if (unknown.length > 0) throw new BadRequestException(`unknown column(s) ${unknown.join(', ')}; expected ${COLUMNS.join(', ')}`);
    if (!names.includes('code') || !names.includes('name')) throw new BadRequestException('the header must name the columns code and name');
    if (new Set(names).size !== names.length) throw new BadRequestException('a column is named twice');
    return names as Column[];
  }
}
