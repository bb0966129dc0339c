import { readableText, toQuarantineItemView } from './quarantine-view';

describe('quarantine view', () => {
  const line = (raw: Buffer) => ({ id: 7, rawRequestId: 3, deviceSerial: 'DEV1', lineNumber: 2, rawLine: raw, reason: 'malformed-time', detail: 'x', createdAt: '2026-12-01T10:00:00.000Z' });

  it('keeps the exact bytes as base64 and shows control bytes as escapes', () => {
    const raw = Buffer.from([0x31, 0x09, 0x00, 0x1b, 0x41, 0x7f, 0x0d]);
    const view = toQuarantineItemView(line(raw));
    expect(Buffer.from(view.rawBase64, 'base64')).toEqual(raw);
    expect(view.rawBytes).toBe(7);
    expect(view.textExcerpt).toBe('1\t\\x00\\x1bA\\x7f\\x0d');
  });

  it('cuts long lines in the excerpt but not in the bytes', () => {
    const raw = Buffer.from('9'.repeat(500));
    const view = toQuarantineItemView(line(raw));
    expect(view.textExcerpt).toHaveLength(201);
    expect(view.textExcerpt.endsWith('…')).toBe(true);
    expect(Buffer.from(view.rawBase64, 'base64').length).toBe(500);
  });

  it('shows invalid UTF-8 as replacement characters rather than failing', () => {
    expect(readableText(Buffer.from([0x41, 0xff, 0xfe, 0x42]))).toBe('A\uFFFD\uFFFDB');
  });
});
