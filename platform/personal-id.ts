import { badUserInput } from './errors';
import { provinceByCode } from './provinces';

/**
 * The personal identification number (số định danh cá nhân), Decree 137/2015 Art. 13 and Circular
 * 07/2016/TT-BCA Art. 7: digits 1-3 the province where the birth was registered, digit 4 century and sex,
 * digits 5-6 the last two digits of the birth year, digits 7-12 random. There is no check digit.
 */
export type Sex = 'MALE' | 'FEMALE';

export interface PersonalIdParts {
  provinceCode: string;
  sex: Sex;
  birthYear: number;
  serial: string;
}

/** What the record says, when it is known, to cross-check the number against. */
export interface RecordFacts {
  sex?: Sex | null;
  birthYear?: number | null;
}

const CENTURIES = [1900, 2000, 2100] as const;

/** Digit 4: 0/1 for 1900-1999, 2/3 for 2000-2099, 4/5 for 2100-2199; even male, odd female. */
export function centurySexDigit(sex: Sex, birthYear: number): string {
  const century = CENTURIES.findIndex((start) => birthYear >= start && birthYear < start + 100);
  if (century < 0) throw new RangeError(`birth year ${birthYear} has no century/sex digit (1900-2199 only)`);
  return String(century * 2 + (sex === 'FEMALE' ? 1 : 0));
}

/** Every rule the number breaks, in order; empty when it is valid. */
export function personalIdProblems(id: string, facts: RecordFacts = {}, today = new Date()): string[] {
  if (!/^\d{12}$/.test(id)) {
    return [`must be exactly 12 digits (got ${id.length} character${id.length === 1 ? '' : 's'}${/\D/.test(id) ? ', not all digits' : ''})`];
  }
  const problems: string[] = [];
  const provinceCode = id.slice(0, 3);
  if (!provinceByCode(provinceCode)) problems.push(`digits 1-3 "${provinceCode}" are not a province code of Circular 07/2016`);
  const digit = Number(id[3]);
  if (digit > 5) {
    problems.push(`digit 4 "${digit}" is not a century/sex digit (0-5)`);
    return problems;
  }
  const parts = decode(id);
  if (parts.birthYear > today.getUTCFullYear()) problems.push(`digits 4-6 encode birth year ${parts.birthYear}, which is in the future`);
  if (facts.sex && facts.sex !== parts.sex)
    problems.push(`digit 4 "${digit}" means ${parts.sex.toLowerCase()}, but the record says ${facts.sex.toLowerCase()}`);
  if (facts.birthYear != null && facts.birthYear !== parts.birthYear) {
    problems.push(`digits 4-6 encode birth year ${parts.birthYear}, but the record says ${facts.birthYear}`);
  }
  return problems;
}

function decode(id: string): PersonalIdParts {
  const digit = Number(id[3]);
  const century = CENTURIES[Math.floor(digit / 2)] ?? 1900;
  return {
    provinceCode: id.slice(0, 3),
    sex: digit % 2 === 0 ? 'MALE' : 'FEMALE',
    birthYear: century + Number(id.slice(4, 6)),
    serial: id.slice(6),
  };
}

/** The parts of a valid number; throws BAD_USER_INPUT naming the first broken rule otherwise. */
export function parsePersonalId(id: string, argument = 'personalId'): PersonalIdParts {
  const [problem] = personalIdProblems(id);
  if (problem) throw badUserInput(`${argument} "${truncate(id)}" is not a valid personal ID: ${problem}`, argument);
  return decode(id);
}

function truncate(value: string): string {
  return value.length > 20 ? `${value.slice(0, 20)}…` : value;
}

export function formatPersonalId(provinceCode: string, sex: Sex, birthYear: number, serial: number): string {
  return `${provinceCode}${centurySexDigit(sex, birthYear)}${String(birthYear % 100).padStart(2, '0')}${String(serial).padStart(6, '0')}`;
}
