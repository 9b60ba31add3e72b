import { getMetadataArgsStorage } from 'typeorm';
import '../../src/db/entities';
import * as L from '../../src/domain/limits';
import { forbiddenCharacter, isStorableTime } from '../../src/domain/limits';
import { decodeCursor, encodeCursor } from '../../src/services/cursors';

describe('forbiddenCharacter', () => {
  it.each([
    ['\u0000', 'U+0000'],
    ['a\u0001b', 'U+0001'],
    ['\u001b[31m', 'U+001B'],
    ['x\u007f', 'U+007F'],
    ['lone \ud800 high', 'U+D800'],
    ['lone \udc00 low', 'U+DC00'],
  ])('finds the character in %j', (text, expected) => {
    expect(forbiddenCharacter(text)).toBe(expected);
  });

  it.each(['plain', 'tabs\tand\nnew\r\nlines', 'emoji 😀 and ₹ and हिन्दी', ''])('accepts %j', (text) => {
    expect(forbiddenCharacter(text)).toBeNull();
  });
});

describe('isStorableTime', () => {
  it('holds the years 0001 to 9999 and nothing beyond', () => {
    expect(isStorableTime(Date.parse('0001-01-01T00:00:00Z'))).toBe(true);
    expect(isStorableTime(Date.parse('9999-12-31T23:59:59.999Z'))).toBe(true);
    expect(isStorableTime(Date.parse('0001-01-01T00:00:00Z') - 1)).toBe(false);
    expect(isStorableTime(Date.parse('9999-12-31T23:59:59.999Z') + 1)).toBe(false);
    expect(isStorableTime(NaN)).toBe(false);
  });
});

describe('cursors', () => {
  const uuid = '0b0b0b0b-aaaa-4aaa-8aaa-000000000001';
  it('decode what they encode', () => {
    const at = new Date('2026-11-30T10:00:00.123Z');
    expect(decodeCursor(encodeCursor(at, uuid, 'order_x'), ['uuid', 'text'])).toEqual({ at, keys: [uuid, 'order_x'] });
  });

  it.each([
    ['a time beyond year 9999', [1e20, uuid], ['uuid']],
    ['a fractional time', [1.5, uuid], ['uuid']],
    ['a key that is not a uuid', [0, 'x'], ['uuid']],
    ['too many parts', [0, uuid, uuid], ['uuid']],
    ['too few parts', [0, uuid], ['uuid', 'text']],
    ['a control character in a text key', [0, uuid, 'a\u0000'], ['uuid', 'text']],
  ] as Array<[string, unknown[], Array<'uuid' | 'text'>]>)('refuse %s', (_name, parts, shape) => {
    const cursor = Buffer.from(JSON.stringify(parts)).toString('base64url');
    expect(() => decodeCursor(cursor, shape)).toThrow(/not a cursor from this API/);
  });
});

describe('column widths come from the limits', () => {
  // every caller-given text column is as wide as its limit: a text validation lets through fits
  const expected: Record<string, Record<string, number>> = {
    orders: { referenceId: L.MAX_REFERENCE_ID, body: L.MAX_BODY, footer: L.MAX_FOOTER, catalogId: L.MAX_CATALOG_ID, statusDescription: L.MAX_LONG_DESCRIPTION },
    order_items: { retailerId: L.MAX_RETAILER_ID, name: L.MAX_ITEM_NAME, countryOfOrigin: L.MAX_COUNTRY_OF_ORIGIN, importerName: L.MAX_IMPORTER_NAME },
    businesses: { name: L.MAX_BUSINESS_NAME, wabaId: L.MAX_WABA_ID },
    phone_numbers: { apiUrl: L.MAX_API_URL, phoneNumberId: L.MAX_PHONE_NUMBER_ID },
    idempotency_records: { key: L.MAX_IDEMPOTENCY_KEY },
  };
  it.each(Object.entries(expected))('%s', (table, columns) => {
    const storage = getMetadataArgsStorage();
    const target = storage.tables.find((t) => t.name === table)!.target;
    for (const [property, length] of Object.entries(columns)) {
      const column = storage.columns.find((c) => c.target === target && c.propertyName === property)!;
      expect({ property, length: Number(column.options.length) }).toEqual({ property, length });
    }
  });
});
