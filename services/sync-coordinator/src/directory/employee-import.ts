import { randomUUID } from 'node:crypto';
import { BadRequestException, Inject, Injectable, PayloadTooLargeException } from '@nestjs/common';
import { z } from 'zod';
import { DeviceUserIdSchema, EmployeeIdSchema, EmployeeStatusSchema } from '@attendance/contracts';
import { issuesOf } from '../api/zod-http';
import { SYNC_CONFIG, type SyncCoordinatorConfig } from '../config/sync-coordinator.config';
import { SyncDatabase } from '../persistence/sync-database';
import type { SqlExecutor } from '../persistence/sql-executor';
import { lockChangeCounter, nextChangeSeq } from './change-cursor';
import { CsvSyntaxError, parseCsv } from './csv';

const COLUMNS = ['code', 'name', 'status', 'employeeId'] as const;
type Column = (typeof COLUMNS)[number];

const RowSchema = z.object({
  code: DeviceUserIdSchema,
  name: z.string().trim().min(1, 'name is required').max(200),
  status: z.preprocess((v) => (v === '' || v === undefined ? 'active' : v), EmployeeStatusSchema),
  employeeId: z.preprocess((v) => (v === '' ? undefined : v), EmployeeIdSchema.optional()),
});
type ImportRow = z.infer<typeof RowSchema>;

export interface ImportRowReport {
  line: number;
  code: string | null;
  employeeId: string | null;
  outcome: 'created' | 'updated' | 'unchanged' | 'error';
  errors?: string[];
}

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
 * all), each row under a savepoint so that one constraint failure does not abort the rest.
 */
@Injectable()
export class EmployeeImport {
  constructor(
    @Inject(SYNC_CONFIG) private readonly config: SyncCoordinatorConfig,
    private readonly db: SyncDatabase,
  ) {}

  async importCsv(tenantId: string, csv: unknown): Promise<ImportReport> {
    if (typeof csv !== 'string' || csv.trim() === '') throw new BadRequestException('send the CSV as the body, Content-Type: text/csv');
    const records = this.parse(csv);
    const [header, ...data] = records;
    if (!header) throw new BadRequestException('the CSV is empty');
    const columns = this.columnsOf(header.fields);
    if (data.length > this.config.SYNC_CSV_IMPORT_MAX_ROWS) throw new PayloadTooLargeException(`at most ${this.config.SYNC_CSV_IMPORT_MAX_ROWS} rows per import`);
    const rows: ImportRowReport[] = [];
    const firstLineOfCode = new Map<string, number>();
    const firstLineOfId = new Map<string, number>();
    await this.db.transaction(async (tx) => {
      await lockChangeCounter(tx, tenantId);
      for (const record of data) {
        const raw = Object.fromEntries(columns.map((column, i) => [column, (record.fields[i] ?? '').trim()]));
        const parsed = RowSchema.safeParse(raw);
        const code = typeof raw.code === 'string' && raw.code !== '' ? raw.code : null;
        if (record.fields.length !== columns.length) {
          rows.push({ line: record.line, code, employeeId: null, outcome: 'error', errors: [`expected ${columns.length} fields, found ${record.fields.length}`] });
        } else if (!parsed.success) {
          rows.push({ line: record.line, code, employeeId: null, outcome: 'error', errors: issuesOf(parsed.error).map((i) => `${i.path}: ${i.message}`) });
        } else if (firstLineOfCode.has(parsed.data.code)) {
          rows.push({ line: record.line, code, employeeId: null, outcome: 'error', errors: [`code ${parsed.data.code} is already on line ${firstLineOfCode.get(parsed.data.code)}`] });
        } else if (parsed.data.employeeId !== undefined && firstLineOfId.has(parsed.data.employeeId)) {
          const errors = [`employeeId ${parsed.data.employeeId} is already on line ${firstLineOfId.get(parsed.data.employeeId)}`];
          rows.push({ line: record.line, code, employeeId: parsed.data.employeeId, outcome: 'error', errors });
        } else {
          firstLineOfCode.set(parsed.data.code, record.line);
          if (parsed.data.employeeId !== undefined) firstLineOfId.set(parsed.data.employeeId, record.line);
          rows.push({ line: record.line, ...(await this.applyRow(tx, tenantId, parsed.data)) });
        }
      }
    });
    const count = (outcome: ImportRowReport['outcome']) => rows.filter((r) => r.outcome === outcome).length;
    return { total: rows.length, created: count('created'), updated: count('updated'), unchanged: count('unchanged'), failed: count('error'), rows };
  }

  private async applyRow(tx: SqlExecutor, tenantId: string, row: ImportRow): Promise<Omit<ImportRowReport, 'line'>> {
    await tx.query('SAVEPOINT import_row');
    try {
      const [existing] = await tx.query<{ id: string; name: string; status: string }>(
        'SELECT id, name, status FROM sync.employees WHERE tenant_id = $1 AND code = $2 AND deleted_at IS NULL',
        [tenantId, row.code],
      );
      let result: Omit<ImportRowReport, 'line'>;
      if (existing && row.employeeId !== undefined && row.employeeId !== existing.id) {
        result = { code: row.code, employeeId: row.employeeId, outcome: 'error', errors: [`code ${row.code} is enrolled for employee ${existing.id}`] };
      } else if (existing && existing.name === row.name && existing.status === row.status) {
        result = { code: row.code, employeeId: existing.id, outcome: 'unchanged' };
      } else if (existing) {
        await tx.query('UPDATE sync.employees SET name = $3, status = $4, change_seq = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2', [
          tenantId,
          existing.id,
          row.name,
          row.status,
          await nextChangeSeq(tx, tenantId),
        ]);
        result = { code: row.code, employeeId: existing.id, outcome: 'updated' };
      } else {
        result = await this.insertOrRecode(tx, tenantId, row);
      }
      await tx.query('RELEASE SAVEPOINT import_row');
      return result;
    } catch (error) {
      await tx.query('ROLLBACK TO SAVEPOINT import_row');
      return { code: row.code, employeeId: row.employeeId ?? null, outcome: 'error', errors: [error instanceof Error ? error.message : String(error)] };
    }
  }

  /** A code not enrolled yet: a new employee, or (with employeeId of a live employee) a new code for them. */
  private async insertOrRecode(tx: SqlExecutor, tenantId: string, row: ImportRow): Promise<Omit<ImportRowReport, 'line'>> {
    const employeeId = row.employeeId ?? randomUUID();
    const [written] = await tx.query<{ created: boolean }>(
      `INSERT INTO sync.employees (tenant_id, id, code, name, status, change_seq) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, id) DO UPDATE SET code = excluded.code, name = excluded.name, status = excluded.status,
         change_seq = excluded.change_seq, updated_at = now(),
         created_at = CASE WHEN sync.employees.deleted_at IS NULL THEN sync.employees.created_at ELSE now() END,
         deleted_at = NULL
       RETURNING (created_at = updated_at) AS created`,
      [tenantId, employeeId, row.code, row.name, row.status, await nextChangeSeq(tx, tenantId)],
    );
    return { code: row.code, employeeId, outcome: written!.created ? 'created' : 'updated' };
  }

  private parse(csv: string) {
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
