import { Client } from 'pg';
import { createIsolatedDatabase, type IsolatedDatabase } from '@attendance/testing';
import { binaryTextArray, UnpairedSurrogateError } from './binary-text-array';

/** binaryTextArray read back by a real Postgres server: what arrives is exactly what was sent. */
describe('binaryTextArray on real Postgres', () => {
  let database: IsolatedDatabase;
  let client: Client;

  beforeAll(async () => {
    database = await createIsolatedDatabase('binary_text_array');
    client = new Client({ connectionString: database.url });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  const roundTrip = async (values: (string | null)[]) =>
    ((await client.query('SELECT $1::text[] AS a, cardinality($1::text[]) AS n', [binaryTextArray(values)])).rows[0] as { a: (string | null)[] | null; n: number });

  it('carries ASCII, multi-byte UTF-8, empty strings, NULLs and strings on both sides of the short-string path', async () => {
    const values = [
      'BENCH0001',
      '',
      null,
      'Zoë Ångström',
      '漢字の名前',
      'emoji 👍 pair',
      'tab\there, quote " and backslash \\ and {braces}, commas',
      'a'.repeat(63),
      'b'.repeat(64),
      'é'.repeat(65),
      `${'x'.repeat(10_000)}ü`,
      'NULL',
    ];
    const { a, n } = await roundTrip(values);
    expect(n).toBe(values.length);
    expect(a).toEqual(values);
  });

  it('carries an empty array and an array of NULLs only', async () => {
    expect((await roundTrip([])).a).toEqual([]);
    expect((await roundTrip([null, null])).a).toEqual([null, null]);
  });

  it('casts its elements with the same input functions as text literals', async () => {
    const { rows } = await client.query(
      `SELECT t::timestamptz AS instant, l::timestamp::text AS local FROM unnest($1::text[], $2::text[]) AS u(t, l)`,
      [binaryTextArray(['2024-03-31T01:30:00.123456Z']), binaryTextArray(['2024-03-31T02:30:00'])],
    );
    expect((rows[0] as { instant: Date }).instant.toISOString()).toBe('2024-03-31T01:30:00.123Z');
    expect((rows[0] as { local: string }).local).toBe('2024-03-31 02:30:00');
  });

  it('refuses a string with an unpaired surrogate instead of sending a replacement character', () => {
    expect(() => binaryTextArray(['ok', 'broken \ud800 text'])).toThrow(UnpairedSurrogateError);
    expect(() => binaryTextArray(['\udc00'])).toThrow(UnpairedSurrogateError);
  });
});
