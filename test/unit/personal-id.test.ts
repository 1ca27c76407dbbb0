import { describe, expect, it } from 'vitest';
import { centurySexDigit, formatPersonalId, parsePersonalId, personalIdProblems } from '../../platform';

const TODAY = new Date('2026-11-25T00:00:00Z');

describe('personal ID rule (Decree 137/2015, Circular 07/2016)', () => {
  it('decodes province, sex and birth year from a valid number', () => {
    expect(parsePersonalId('001090123456')).toEqual({ provinceCode: '001', sex: 'MALE', birthYear: 1990, serial: '123456' });
    expect(parsePersonalId('079305000001')).toEqual({ provinceCode: '079', sex: 'FEMALE', birthYear: 2005, serial: '000001' });
  });

  it('maps every century and sex to its digit 4', () => {
    expect([
      centurySexDigit('MALE', 1999),
      centurySexDigit('FEMALE', 1900),
      centurySexDigit('MALE', 2000),
      centurySexDigit('FEMALE', 2099),
      centurySexDigit('MALE', 2100),
      centurySexDigit('FEMALE', 2199),
    ]).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(() => centurySexDigit('MALE', 1899)).toThrow(RangeError);
  });

  it('formats a number that parses back to the same facts', () => {
    const id = formatPersonalId('048', 'FEMALE', 2012, 42);
    expect(id).toBe('048312000042');
    expect(personalIdProblems(id, { sex: 'FEMALE', birthYear: 2012 }, TODAY)).toEqual([]);
  });

  it.each([
    ['12345', 'must be exactly 12 digits (got 5 characters)'],
    ['00109012345a', 'must be exactly 12 digits (got 12 characters, not all digits)'],
    ['0010901234567', 'must be exactly 12 digits (got 13 characters)'],
    ['003090123456', 'digits 1-3 "003" are not a province code of Circular 07/2016'],
    ['001790123456', 'digit 4 "7" is not a century/sex digit (0-5)'],
    ['001290123456', 'digits 4-6 encode birth year 2090, which is in the future'],
  ])('rejects %s: %s', (id, problem) => {
    expect(personalIdProblems(id, {}, TODAY)).toContain(problem);
  });

  it('checks the number against the record when the record knows sex and birth year', () => {
    expect(personalIdProblems('001090123456', { sex: 'FEMALE', birthYear: 1991 }, TODAY)).toEqual([
      'digit 4 "0" means male, but the record says female',
      'digits 4-6 encode birth year 1990, but the record says 1991',
    ]);
  });

  it('throws BAD_USER_INPUT that names the argument and the broken rule', () => {
    try {
      parsePersonalId('00109', 'personalIds[3]');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({
        message: 'personalIds[3] "00109" is not a valid personal ID: must be exactly 12 digits (got 5 characters)',
        extensions: { code: 'BAD_USER_INPUT', argument: 'personalIds[3]' },
      });
    }
  });
});
