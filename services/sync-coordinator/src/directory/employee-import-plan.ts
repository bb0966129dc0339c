import type { EmployeeStatus } from '@attendance/contracts';

export interface ImportRow {
  code: string;
  name: string;
  status: EmployeeStatus;
  employeeId?: string | undefined;
}

export interface ImportRowReport {
  line: number;
  code: string | null;
  employeeId: string | null;
  outcome: 'created' | 'updated' | 'unchanged' | 'error';
  errors?: string[];
}

/** An employee of the tenant that the file names by code (live) or by id (live or deleted). */
export interface ExistingEmployee {
  id: string;
  code: string;
  name: string;
  status: EmployeeStatus;
  deleted: boolean;
}

/** A row to write: a new (or revived) employee, or new name/status for a live one. Codes never change here. */
export interface PlannedWrite {
  kind: 'insert' | 'update';
  id: string;
  code: string;
  name: string;
  status: EmployeeStatus;
}

/**
 * Decides every row of an import, in file order, against the employees that exist: matched by code, a live
 * employee is updated or unchanged; an unknown code is a new employee (with the given id, which may revive a
 * deleted one). Refused: a code or id twice in the file, a code enrolled for another id than the row gives,
 * and an id that is live under another code (changing a code is a PATCH, so an import can never swap codes).
 */
export function planImport(rows: { line: number; row: ImportRow }[], existing: ExistingEmployee[], newId: () => string): { reports: ImportRowReport[]; writes: PlannedWrite[] } {
  const liveByCode = new Map(existing.filter((e) => !e.deleted).map((e) => [e.code, e]));
  const byId = new Map(existing.map((e) => [e.id, e]));
  const lineOfCode = new Map<string, number>();
  const lineOfId = new Map<string, number>();
  const reports: ImportRowReport[] = [];
  const writes: PlannedWrite[] = [];
  for (const { line, row } of rows) {
    const error = (message: string): void => void reports.push({ line, code: row.code, employeeId: row.employeeId ?? null, outcome: 'error', errors: [message] });
    if (lineOfCode.has(row.code)) {
      error(`code ${row.code} is already on line ${lineOfCode.get(row.code)}`);
      continue;
    }
    if (row.employeeId !== undefined && lineOfId.has(row.employeeId)) {
      error(`employeeId ${row.employeeId} is already on line ${lineOfId.get(row.employeeId)}`);
      continue;
    }
    lineOfCode.set(row.code, line);
    if (row.employeeId !== undefined) lineOfId.set(row.employeeId, line);
    const current = liveByCode.get(row.code);
    if (current) {
      if (row.employeeId !== undefined && row.employeeId !== current.id) error(`code ${row.code} is enrolled for employee ${current.id}`);
      else if (current.name === row.name && current.status === row.status) reports.push({ line, code: row.code, employeeId: current.id, outcome: 'unchanged' });
      else {
        writes.push({ kind: 'update', id: current.id, code: row.code, name: row.name, status: row.status });
        reports.push({ line, code: row.code, employeeId: current.id, outcome: 'updated' });
      }
      continue;
    }
    const named = row.employeeId !== undefined ? byId.get(row.employeeId) : undefined;
    if (named && !named.deleted) {
      error(`employee ${named.id} is enrolled with code ${named.code}; change a code with PATCH /api/v1/admin/employees/${named.id}`);
      continue;
    }
    const id = row.employeeId ?? newId();
    writes.push({ kind: 'insert', id, code: row.code, name: row.name, status: row.status });
    reports.push({ line, code: row.code, employeeId: id, outcome: 'created' });
  }
  return { reports, writes };
}
