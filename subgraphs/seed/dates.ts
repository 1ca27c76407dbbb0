/** Calendar arithmetic on 'YYYY-MM-DD' strings, in UTC, for the generator. */
const DAY_MS = 86_400_000;

export function toDay(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

export function fromDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  return fromDay(toDay(date) + days);
}

export function addYears(date: string, years: number): string {
  const shifted = `${Number(date.slice(0, 4)) + years}${date.slice(4)}`;
  // 29 February in a year without one becomes 1 March.
  return fromDay(toDay(shifted.replace(/-02-29$/, '-02-28')) + (shifted.endsWith('-02-29') ? 1 : 0));
}

export function yearOf(date: string): number {
  return Number(date.slice(0, 4));
}

/** Whole years from `birth` to `on`. */
export function ageOn(birth: string, on: string): number {
  const years = yearOf(on) - yearOf(birth);
  return on.slice(5) >= birth.slice(5) ? years : years - 1;
}

export function minDate(a: string, b: string): string {
  return a < b ? a : b;
}

export function maxDate(a: string, b: string): string {
  return a > b ? a : b;
}
