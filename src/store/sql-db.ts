// The little a store needs from a SQL database: queries, and transactions of known statements.
export type SqlValue = string | number | null;
export type SqlRow = Record<string, unknown>;

export interface SqlStatement {
  /** `?` placeholders; the PostgreSQL driver rewrites them to $n. */
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

export interface SqlDb {
  readonly kind: 'sqlite' | 'postgres';
  query(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /** Runs the statements in one transaction; returns each statement's rows. */
  tx(statements: readonly SqlStatement[]): Promise<SqlRow[][]>;
  /**
   * Runs `fn` unless another holder of the lock `name` is running (PostgreSQL: a session advisory lock
   * per schema, shared by every instance; SQLite: this process). `ran: false` when it was held.
   */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  close(): Promise<void>;
}
