/**
 * A UTC date from calendar fields, or null when a field is out of range
 * (Date.UTC would silently roll "Feb 30" into March). Second 60 (a leap
 * second, allowed by RFC 3659) is clamped to 59.
 */
export function utcDate(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): Date | null {
  const time = utcTime(year, month, day, hour, minute, second, ms);
  return time === null ? null : new Date(time);
}

/** 400 Gregorian years are exactly 146,097 days: the calendar repeats. */
const MS_PER_400_YEARS = 146_097 * 86_400_000;

/**
 * utcDate as a time value. Checked by arithmetic, not by reading the fields
 * back from a Date: listings call this once per entry, and a large listing
 * has hundreds of thousands.
 */
export function utcTime(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return null;
  // Date.UTC reads years 0-99 as 1900-1999: compute 400 years later and shift back.
  const early = year >= 0 && year < 100;
  return Date.UTC(early ? year + 400 : year, month - 1, day, hour, minute, Math.min(second, 59), ms) - (early ? MS_PER_400_YEARS : 0);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
