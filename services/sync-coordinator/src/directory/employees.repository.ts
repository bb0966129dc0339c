import { randomUUID } from 'node:crypto';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import type { EmployeeStatus } from '@attendance/contracts';
import { postgresErrorOf, UNIQUE_VIOLATION } from '../api/postgres-constraint';
import { SyncDatabase } from '../persistence/sync-database';
import type { SqlExecutor } from '../persistence/sql-executor';
import { lockChangeCounter, nextChangeSeq } from './change-cursor';
import type { EmployeeCreate, EmployeePatch, ListQuery } from './directory.schemas';

export interface EmployeeView {
  employeeId: string;
  code: string;
  name: string;
  status: EmployeeStatus;
  createdAt: string;
  updatedAt: string;
}

export interface EmployeeRow {
  id: string;
  code: string;
  name: string;
  status: EmployeeStatus;
  created_at: Date;
  updated_at: Date;
}

export const employeeView = (r: EmployeeRow): EmployeeView => ({
  employeeId: r.id,
  code: r.code,
  name: r.name,
  status: r.status,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

/** Employees of a tenant; `code` is the user id as enrolled on devices, unique among live employees. */
@Injectable()
export class EmployeesRepository {
  constructor(private readonly db: SyncDatabase) {}

  async list(tenantId: string, query: ListQuery): Promise<EmployeeView[]> {
    const rows = await this.db.query<EmployeeRow>(
      `SELECT * FROM sync.employees WHERE tenant_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR id > $2)
       ORDER BY id LIMIT $3`,
      [tenantId, query.after ?? null, query.limit],
    );
    return rows.map(employeeView);
  }

  async get(tenantId: string, employeeId: string): Promise<EmployeeView> {
    const [row] = await this.db.query<EmployeeRow>('SELECT * FROM sync.employees WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [tenantId, employeeId]);
    if (!row) throw new NotFoundException(`no employee ${employeeId}`);
    return employeeView(row);
  }

  async create(tenantId: string, employee: EmployeeCreate): Promise<EmployeeView> {
    const employeeId = employee.employeeId ?? randomUUID();
    return this.writing(tenantId, employee.code, employeeId, async (tx) => {
      const [row] = await tx.query<EmployeeRow>(
        `INSERT INTO sync.employees (tenant_id, id, code, name, status, change_seq) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, id) DO UPDATE SET code = excluded.code, name = excluded.name, status = excluded.status,
           change_seq = excluded.change_seq, deleted_at = NULL, created_at = now(), updated_at = now()
           WHERE sync.employees.deleted_at IS NOT NULL
         RETURNING *`,
        [tenantId, employeeId, employee.code, employee.name, employee.status, await nextChangeSeq(tx, tenantId)],
      );
      if (!row) throw new ConflictException(`employee ${employeeId} exists`);
      return employeeView(row);
    });
  }

  async update(tenantId: string, employeeId: string, patch: EmployeePatch): Promise<EmployeeView> {
    return this.writing(tenantId, patch.code ?? '', employeeId, async (tx) => {
      const [row] = await tx.query<EmployeeRow>(
        `UPDATE sync.employees SET code = coalesce($3, code), name = coalesce($4, name), status = coalesce($5, status),
           change_seq = $6, updated_at = now()
         WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING *`,
        [tenantId, employeeId, patch.code ?? null, patch.name ?? null, patch.status ?? null, await nextChangeSeq(tx, tenantId)],
      );
      if (!row) throw new NotFoundException(`no employee ${employeeId}`);
      return employeeView(row);
    });
  }

  /** Tombstones the employee: gateways pull the deletion and remove the employee from their cache. */
  async delete(tenantId: string, employeeId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await lockChangeCounter(tx, tenantId);
      const rows = await tx.query(
        `UPDATE sync.employees SET deleted_at = now(), updated_at = now(), change_seq = $3
         WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL RETURNING id`,
        [tenantId, employeeId, await nextChangeSeq(tx, tenantId)],
      );
      if (rows.length === 0) throw new NotFoundException(`no employee ${employeeId}`);
    });
  }

  private async writing<T>(tenantId: string, code: string, employeeId: string, work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(async (tx) => {
        await lockChangeCounter(tx, tenantId);
        return work(tx);
      });
    } catch (error) {
      if (postgresErrorOf(error)?.code === UNIQUE_VIOLATION) throw new ConflictException(`code ${code} is enrolled for another employee than ${employeeId}`);
      throw error;
    }
  }
}
