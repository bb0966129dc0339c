import { CsvSyntaxError, parseCsv } from './csv';

describe(parseCsv.name, () => {
  it('splits fields and records with LF or CRLF and skips blank lines', () => {
    expect(parseCsv('code,name\r\n001,Asha\n\n002,Ravi\n')).toEqual([
      { line: 1, fields: ['code', 'name'] },
      { line: 2, fields: ['001', 'Asha'] },
      { line: 4, fields: ['002', 'Ravi'] },
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields, and empty fields', () => {
    expect(parseCsv('\uFEFFa,b,c\n"x, y","say ""hi""","two\nlines"\n,,\n')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 4, fields: ['', '', ''] },
    ]);
  });

  it('rejects an unterminated quote and stray quotes with the line', () => {
    expect(() => parseCsv('a\n"open')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a\nb"c')).toThrow('line 2: a quote inside an unquoted field');
    expect(() => parseCsv('"a"b')).toThrow('line 1: text after a closing quote');
  });
});
