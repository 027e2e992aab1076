// Text on its way to the database: PostgreSQL refuses U+0000 and lone surrogates have no UTF-8 form,
// so both become U+FFFD — one record echoing a client's bytes must never fail a whole batch.
import type { SqlDb, SqlStatement, SqlValue } from './sql-db.js';

const lone = '[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const loneSurrogate = new RegExp(lone);
const unstorable = new RegExp(`\\u0000|${lone}`, 'g');
// Same set without the global flag: test() on a /g regex would carry lastIndex between calls.
const hasUnstorable = new RegExp(unstorable.source);

/** False when the text holds half of a surrogate pair (a lone JSON escape such as \ud800 makes one). */
export function isWellFormed(s: string): boolean {
  return !loneSurrogate.test(s);
}

export function cleanText(s: string): string {
  return hasUnstorable.test(s) ? s.replace(unstorable, '\uFFFD') : s;
}

/** The values unchanged (same array) when every text is storable, else a cleaned copy. */
function cleanValues(values: readonly SqlValue[]): readonly SqlValue[] {
  let out: SqlValue[] | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'string') continue;
    const c = cleanText(v);
    if (c === v) continue;
    out ??= [...values];
    out[i] = c;
  }
  return out ?? values;
}

/** Every statement parameter of `db` passes through cleanText: the one place text is made storable. */
export function withCleanText(db: SqlDb): SqlDb {
  const clean = (s: SqlStatement): SqlStatement => {
    const params = cleanValues(s.params);
    return params === s.params ? s : { sql: s.sql, params };
  };
  return {
    kind: db.kind,
    query: (sql, params = []) => db.query(sql, cleanValues(params)),
    tx: (statements) => db.tx(statements.map(clean)),
    exclusive: (name, fn) => db.exclusive(name, fn),
    close: () => db.close(),
  };
}
