// Property-based tests of the admin API and the store, on SQLite and PostgreSQL: hostile numbers
// (1e400, 2^63, fractions, negatives), huge ranges, and text with U+0000, control characters and
// lone surrogates. The gateway answers 201/200 or a 400 naming a field — never a 500 — stores
// nothing it refused, and gives back exactly the text it accepted. Seeded: the same cases every run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { cleanText, isWellFormed } from '../../src/store/clean-text.js';
import type { UsageRecord } from '../../src/usage/record.js';
import { testStores } from '../store/services.js';
import { startAdminGateway, type AdminGateway } from './admin-gateway.js';

const runs = { numRuns: 150, seed: 20_261_130 };

/** A JSON value whose numbers may be written as any literal, including ones JavaScript reads as Infinity. */
type Json = { readonly raw: string } | string | boolean | null | Json[] | { readonly [k: string]: Json };

function toJson(v: Json): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if ('raw' in v && typeof v.raw === 'string') return v.raw;
  return `{${Object.entries(v as Record<string, Json>).map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`).join(',')}}`;
}

/** Any UTF-16 code unit: NUL, controls, lone surrogates included. */
const anyText = fc.string({ unit: fc.nat(0xffff).map((c) => String.fromCharCode(c)), maxLength: 40 });
const nastyText = fc.oneof(
  anyText,
  fc.constantFrom('', 'a\u0000b', '\ud800', 'x\udc00y', '😀', 'line\nbreak', '\u007f', ' ', 'llama-*', 'a'.repeat(201)),
);
const hostileNumber = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('1e400', '-1e400', '1e308', '9e15', '9000000000000000', '-1', '0', '1.5', '9223372036854775808', '1e-400', '253402300799999', '253402300800000', '3650', '3651', '-0') },
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
).map((raw) => ({ raw }));
const anyValue: fc.Arbitrary<Json> = fc.oneof(
  hostileNumber,
  nastyText,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(nastyText, hostileNumber), { maxLength: 3 }),
  fc.dictionary(nastyText, nastyText, { maxKeys: 3 }),
);
const n = (a: fc.Arbitrary<number>): fc.Arbitrary<Json> => a.map((x) => ({ raw: String(x) }));
/** A plausible value per field, so that a good share of bodies is valid and the stored side is exercised too. */
const plausible: Record<string, fc.Arbitrary<Json>> = {
  name: fc.stringMatching(/^[a-z][a-z0-9 -]{0,20}$/),
  user_id: fc.constant(null),
  team_id: fc.constant(null),
  models: fc.array(fc.constantFrom('m', 'llama-*', 'a?c'), { maxLength: 3 }),
  expires_at: fc.oneof(fc.constant(null), n(fc.integer({ min: 0, max: 253_402_300_799_999 })), fc.date({ min: new Date(0), max: new Date('9999-12-31'), noInvalidDate: true }).map((d) => d.toISOString())),
  rpm: n(fc.integer({ min: 1, max: 1_000_000 })),
  tpm: n(fc.integer({ min: 1, max: 1_000_000 })),
  concurrency: n(fc.integer({ min: 1, max: 100 })),
  budget: n(fc.double({ min: 0, max: 1e6, noNaN: true })),
  budget_period: fc.constantFrom('daily', 'weekly', 'monthly', 'none'),
  priority: fc.constantFrom('interactive', 'batch'),
  zones: fc.constantFrom(['any'], ['local'], ['eu', 'local']),
  logging: fc.constantFrom('none', 'metadata', 'full'),
  log_retention_days: n(fc.integer({ min: 1, max: 3650 })),
  admin: fc.boolean(),
  metadata: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
};
const keyFields = Object.keys(plausible);
const numericFields = ['expires_at', 'rpm', 'tpm', 'concurrency', 'budget', 'log_retention_days'];
/** Hostile values of the field's own kind (a number for a number) most of the time: they get past the type check. */
const hostileField = fc.constantFrom(...keyFields).chain((field) =>
  fc.tuple(
    fc.constant(field),
    numericFields.includes(field)
      ? fc.oneof({ weight: 4, arbitrary: hostileNumber }, { weight: 1, arbitrary: anyValue })
      : field === 'models'
        ? fc.oneof(fc.array(nastyText, { maxLength: 3 }), anyValue)
        : field === 'metadata'
          ? fc.oneof(fc.dictionary(nastyText, nastyText, { maxKeys: 3 }), anyValue)
          : fc.oneof(nastyText, anyValue),
  ),
);
/** A plausible body, most often with one field replaced by a hostile value: each is met alone, not hidden behind another. */
const keyBody = fc
  .tuple(fc.record(plausible, { requiredKeys: ['name'] }) as fc.Arbitrary<Record<string, Json>>, fc.option(hostileField, { freq: 4 }))
  .map(([body, hostile]) => (hostile ? { ...body, [hostile[0]]: hostile[1] } : body));

const storable = (s: string): boolean => s.length >= 1 && s.length <= 200 && isWellFormed(s) && ![...s].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f');

for (const kind of testStores) {
  describe(`review: admin API properties (${kind.name})`, () => {
    let gw: AdminGateway;
    before(async () => {
      gw = await startAdminGateway(kind);
    });
    after(async () => {
      await gw.close();
    });

    it('any key body: 201 and a listing that works, or 400 naming a field and nothing stored', async () => {
      let created = 0;
      await fc.assert(
        fc.asyncProperty(keyBody, async (body) => {
          const before = (await gw.store.listKeys()).length;
          const r = await gw.call('POST', '/admin/keys', toJson(body));
          assert.ok(r.status === 201 || r.status === 400, `${toJson(body)} → ${r.status} ${r.text}`);
          if (r.status === 400) {
            const param = String((r.json.error as { param?: unknown }).param);
            assert.ok(param === 'body' || keyFields.includes(param.split(/[.[]/)[0] ?? ''), `param ${param}`);
            assert.equal((await gw.store.listKeys()).length, before, 'a refused key is not stored');
            return;
          }
          created++;
          const shown = await gw.call('GET', `/admin/keys/${String(r.json.id)}`);
          assert.equal(shown.status, 200, shown.text);
          assert.equal(shown.json.name, body.name, 'the name as sent');
          assert.equal((await gw.call('GET', '/admin/keys')).status, 200);
        }),
        runs,
      );
      assert.ok(created >= 5, `only ${created} bodies were valid: the property saw too little of the stored side`);
    });

    it('any name: accepted exactly as sent when it is plain text, else 400 on name', async () => {
      await fc.assert(
        fc.asyncProperty(nastyText, async (name) => {
          const r = await gw.call('POST', '/admin/teams', { name });
          if (!storable(name)) {
            assert.equal(r.status, 400, `${JSON.stringify(name)} → ${r.text}`);
            assert.equal((r.json.error as { param: string }).param, 'name');
            return;
          }
          assert.equal(r.status, 201, `${JSON.stringify(name)} → ${r.text}`);
          const team = await gw.store.getTeam(String(r.json.id));
          assert.equal(team?.name, name, 'stored byte for byte');
        }),
        runs,
      );
    });

    it('any usage or audit range: 200 or 400, never 500', async () => {
      const hostile = fc.oneof(anyText, hostileNumber.map((h) => h.raw), fc.date({ noInvalidDate: true }).map((d) => d.toISOString()));
      const range = fc.oneof(
        fc.record({ to: hostile }),
        fc.record({ from: hostile }),
        fc.record({ from: fc.constant('2020-01-01'), to: hostile }),
        fc.record({ from: hostile, to: hostile }),
      );
      await fc.assert(
        fc.asyncProperty(range, fc.constantFrom('usage', 'audit'), async (params, what) => {
          const q = new URLSearchParams(params).toString();
          const r = await gw.call('GET', `/admin/${what}?${q}`);
          assert.ok(r.status === 200 || r.status === 400, `${q} → ${r.status} ${r.text}`);
        }),
        runs,
      );
    });

    it('any text in a usage record is written, as cleaned text', async () => {
      const DAY = 86_400_000;
      let i = 0;
      await fc.assert(
        fc.asyncProperty(anyText, anyText, async (model, error) => {
          const r: UsageRecord = {
            requestId: `prop-${i++}`, time: 5 * DAY + i, keyId: 'k', model: `p:${model}`, endpoint: 'chat', status: 400, outcome: 'rejected',
            tokensEstimated: false, queueMs: 0, totalMs: 1, stream: false, error,
          };
          await gw.store.insertUsage([r]);
          const rows = await gw.store.usage({ groupBy: 'model', from: 5 * DAY + i, to: 5 * DAY + i + 1 });
          assert.deepEqual(rows.map((x) => x.group), [cleanText(`p:${model}`)]);
          assert.ok(isWellFormed(rows[0]?.group ?? '') && !(rows[0]?.group ?? '').includes('\u0000'));
        }),
        runs,
      );
    });
  });
}
