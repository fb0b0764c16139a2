/**
 * A UTC date from calendar fields, or null when a field is out of range
 * (Date.UTC would silently roll "Feb 30" into March). Second 60 (a leap
 * second, allowed by RFC 3659) is clamped to 59.
 */
export function utcDate(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): Date | null {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), ms));
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  if (year < 100) date.setUTCFullYear(year);
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1) return null;
  return date;
}
