// JSON text with values JSON.stringify cannot write (1e400, -0 as typed, 2^63 exactly, deep nesting)
// and the hostile values the fuzzer puts into fields.
import type { Rng } from '../../src/random/seeded-rng.js';

/** A JSON token written as is. */
export class RawJson {
  constructor(readonly text: string) {}
}

export type FuzzValue = null | boolean | number | string | RawJson | FuzzValue[] | { [k: string]: FuzzValue };

export function jsonText(v: FuzzValue): string {
  if (v instanceof RawJson) return v.text;
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
  return JSON.stringify(v);
}

export const pick = <T>(rng: Rng, xs: readonly T[]): T => {
  if (xs.length === 0) throw new Error('pick from an empty list');
  return xs[Math.floor(rng() * xs.length)] as T;
};

const hostileNumbers = [
  '1e400', '-1e400', '-0', '0', '-1', '1.5', '0.0000001', '1e308', '-1e308', '4294967296', '9223372036854775807',
  '9223372036854775808', '-9223372036854775809', '18446744073709551616', '123456789012345678901234567890', '1E+2', '2e-400', '9e15',
];

function nested(depth: number, open: string, close: string, leaf = '1'): RawJson {
  return new RawJson(open.repeat(depth) + leaf + close.repeat(depth));
}

/** A hostile value: numbers past every range, NaN strings, NUL, lone surrogates, huge strings, deep nesting, wrong types. */
export function hostileValue(rng: Rng): FuzzValue {
  switch (Math.floor(rng() * 9)) {
    case 0:
    case 1:
      return new RawJson(pick(rng, hostileNumbers));
    case 2:
      return pick(rng, ['NaN', 'Infinity', '-Infinity', '1e400', '', ' ', '0x10', 'true', 'null', '-0']);
    case 3:
      return pick(rng, ['\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '\u202eevil', '../../etc/passwd', '%00', '<script>alert(1)</script>', '${jndi:ldap://x}', '\r\nx-injected: 1']);
    case 4:
      return pick(rng, ['x', '🙂', 'é', '\u0000']).repeat(pick(rng, [1_000, 50_000, 300_000]));
    case 5:
      return pick(rng, [nested(pick(rng, [65, 500, 10_000, 100_000]), '[', ']'), nested(pick(rng, [65, 2_000, 50_000]), '{"a":', '}')]);
    case 6:
      return pick<FuzzValue>(rng, [null, true, false, [], {}, [null], { model: 'chat' }, [1, 'a', null]]);
    case 7:
      return Array.from({ length: pick(rng, [0, 1, 10_000]) }, () => pick<FuzzValue>(rng, [1, 'a', null, {}]));
    default:
      return new RawJson(String(Math.floor((rng() - 0.5) * 2 ** 40)));
  }
}

/** A JSON body cut, spliced with bad bytes, or replaced by something that is not the expected document. */
export function malformedBody(rng: Rng, valid: string): Buffer {
  const bytes = Buffer.from(valid, 'utf8');
  switch (Math.floor(rng() * 8)) {
    case 0:
      return bytes.subarray(0, Math.floor(rng() * bytes.length));
    case 1: {
      const at = Math.floor(rng() * bytes.length);
      const junk = Buffer.from(pick(rng, [[0x00], [0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0x22], [0x5c]]));
      return Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at)]);
    }
    case 2:
      return Buffer.from(pick(rng, ['', '{', '}', 'nul', '{"a":}', "{'model':'chat'}", '[', '""', 'null', '1', '[]', 'true', '{"model":"chat",}', '{"model":"chat"}{"model":"chat"}']));
    case 3:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
    case 4:
      return Buffer.from(valid.replace('{', '{"model":5,"model":"chat",'));
    case 5:
      return Buffer.from(`[${valid}]`);
    case 6:
      return Buffer.from(pick(rng, ['['.repeat(100_000), '{"a":'.repeat(60_000), `{"model":"chat","messages":${'['.repeat(20_000)}${']'.repeat(20_000)}}`]));
    default:
      // Latin-1 bytes where UTF-8 is expected.
      return Buffer.from(valid.replace(/"user"/, '"us\u00e9r"'), 'latin1');
  }
}
