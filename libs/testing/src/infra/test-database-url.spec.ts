import { toTestDatabaseUrl } from './test-database-url';

describe(toTestDatabaseUrl.name, () => {
  it('keeps a URL whose database name says "test"', () => {
    const url = 'postgres://app:secret@db.internal:5433/billing_test';
    expect(toTestDatabaseUrl(url)).toEqual({ url, derived: false });
  });

  it('moves any other database to attendance_test on the same server and credentials', () => {
    expect(toTestDatabaseUrl('postgres://app:secret@db.internal:5433/attendance?sslmode=disable')).toEqual({
      url: 'postgres://app:secret@db.internal:5433/attendance_test?sslmode=disable',
      derived: true,
    });
  });

  it('derives a test database when the URL names none', () => {
    expect(toTestDatabaseUrl('postgres://postgres@127.0.0.1:5432').url).toBe('postgres://postgres@127.0.0.1:5432/attendance_test');
  });
});
