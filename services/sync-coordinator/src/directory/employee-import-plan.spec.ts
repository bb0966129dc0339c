import { planImport, type ExistingEmployee, type ImportRow } from './employee-import-plan';

const rows = (...list: ImportRow[]) => list.map((row, i) => ({ line: i + 2, row }));
let counter = 0;
const newId = () => `new-${++counter}`;

describe(planImport.name, () => {
  const existing: ExistingEmployee[] = [
    { id: 'e-1', code: '001', name: 'Asha', status: 'active', deleted: false },
    { id: 'e-2', code: '002', name: 'Ravi', status: 'active', deleted: false },
    { id: 'gone', code: '009', name: 'Left', status: 'active', deleted: true },
  ];

  it('matches by code: unchanged, updated, created (and revives a deleted id)', () => {
    const plan = planImport(
      rows(
        { code: '001', name: 'Asha', status: 'active' },
        { code: '002', name: 'Ravi K', status: 'inactive' },
        { code: '003', name: 'New', status: 'active' },
        { code: '010', name: 'Back', status: 'active', employeeId: 'gone' },
      ),
      existing,
      newId,
    );
    expect(plan.reports.map((r) => [r.line, r.outcome, r.employeeId])).toEqual([
      [2, 'unchanged', 'e-1'],
      [3, 'updated', 'e-2'],
      [4, 'created', 'new-1'],
      [5, 'created', 'gone'],
    ]);
    expect(plan.writes).toEqual([
      { kind: 'update', id: 'e-2', code: '002', name: 'Ravi K', status: 'inactive' },
      { kind: 'insert', id: 'new-1', code: '003', name: 'New', status: 'active' },
      { kind: 'insert', id: 'gone', code: '010', name: 'Back', status: 'active' },
    ]);
  });

  it('refuses duplicates in the file, a code of another id, and a code change through the import', () => {
    const plan = planImport(
      rows(
        { code: '003', name: 'A', status: 'active', employeeId: 'x' },
        { code: '003', name: 'B', status: 'active' },
        { code: '004', name: 'C', status: 'active', employeeId: 'x' },
        { code: '001', name: 'Asha', status: 'active', employeeId: 'e-2' },
        { code: '005', name: 'Asha', status: 'active', employeeId: 'e-1' },
      ),
      existing,
      newId,
    );
    expect(plan.reports.map((r) => [r.line, r.outcome, r.errors?.[0]])).toEqual([
      [2, 'created', undefined],
      [3, 'error', 'code 003 is already on line 2'],
      [4, 'error', 'employeeId x is already on line 2'],
      [5, 'error', 'code 001 is enrolled for employee e-1'],
      [6, 'error', 'employee e-1 is enrolled with code 001; change a code with PATCH /api/v1/admin/employees/e-1'],
    ]);
    expect(plan.writes.map((w) => w.id)).toEqual(['x']);
  });
});
