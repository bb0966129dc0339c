import { statSync } from 'node:fs';

/** Thrown before anything is written when the gateway's storage budget is spent. */
export class DiskBudgetExceededError extends Error {
  constructor(readonly usedBytes: number, readonly budgetBytes: number) {
    super(`storage budget spent: ${Math.round(usedBytes / 1048576)} MiB used of ${Math.round(budgetBytes / 1048576)} MiB`);
    this.name = 'DiskBudgetExceededError';
  }
}

/**
 * The edge's disk budget (DESIGN.md 3.5: full disk means refuse, not drop). When the database and its WAL
 * reach the budget, new uploads are refused with an error, so the devices keep the data themselves; nothing
 * already buffered is ever deleted to make room.
 */
export class DiskBudget {
  constructor(
    private readonly databasePath: string,
    readonly budgetBytes: number,
  ) {}

  usedBytes(): number {
    return sizeOf(this.databasePath) + sizeOf(`${this.databasePath}-wal`);
  }

  /** Throws DiskBudgetExceededError when the budget is spent. */
  assertRoom(): void {
    const used = this.usedBytes();
    if (used >= this.budgetBytes) throw new DiskBudgetExceededError(used, this.budgetBytes);
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
