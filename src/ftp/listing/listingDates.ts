import { utcTime } from './utcDate.js';
import type { FtpEntry } from '../types.js';

/**
 * Date pieces shared by the `ls`-like dialects (Unix, Netware, MacOS Peter,
 * Enterprise Unix, VMS).
 *
 * Month abbreviations as `ls -l` prints them in the locales Apache Commons
 * Net's FTPClientConfig knows (en, de, fr, it, es, pt, da, sv, no, nl, ro, sq,
 * sh, sk, sl), from glibc's `abmon` and Commons Net's own French table. No
 * abbreviation means two months in two languages, so one table serves every
 * server without being told its locale. Keys are lower case, without a
 * trailing dot ("janv.", "févr.").
 */
const MONTH_NAMES: readonly (readonly string[])[] = [
  ['jan', 'janv', 'ene', 'gen', 'ian'],
  ['feb', 'févr', 'fév', 'fevr', 'fev', 'shk'],
  ['mar', 'mär', 'mrz', 'mars', 'mrt'],
  ['apr', 'avr', 'avril', 'abr', 'pri'],
  ['may', 'mai', 'mag', 'maj', 'mei'],
  ['jun', 'juin', 'giu', 'iun', 'jún', 'qer'],
  ['jul', 'juil', 'jui', 'lug', 'iul', 'júl', 'kor'],
  ['aug', 'août', 'aoû', 'ago', 'avg', 'gsh'],
  ['sep', 'sept', 'set', 'sht'],
  ['oct', 'okt', 'ott', 'out', 'tet'],
  ['nov', 'noi', 'nën'],
  ['dec', 'déc', 'dez', 'dic', 'des', 'dhj'],
];

const MONTHS: ReadonlyMap<string, number> = new Map(MONTH_NAMES.flatMap((names, i) => names.map((n) => [n, i + 1] as const)));

/** Month 1-12 from an abbreviation in any case, with or without a trailing dot; undefined when unknown. */
export function monthNumber(token: string): number | undefined {
  const key = token.toLowerCase();
  return MONTHS.get(key.endsWith('.') ? key.slice(0, -1) : key);
}

/** How far ahead of `now` a year-less date may lie (server clock or zone ahead). */
const SKEW_MS = 24 * 60 * 60 * 1000;
/** Feb 29 recurs at most 8 years apart (2096 → 2104). */
const LOOKBACK_YEARS = 8;

/**
 * A date shown without its year, as `ls` does for files changed within the
 * past six months (GNU coreutils ls.c: older or future stamps get a year
 * instead): the most recent such date not after tomorrow, as a time value. A
 * day of allowance for a server whose clock or zone runs ahead, never the
 * nearest year, which would put January files into next year all through
 * December. Null when no year has that date (Feb 30).
 */
export function recentTime(month: number, day: number, hour: number, minute: number, second: number, now: Date): number | null {
  const latest = now.getTime() + SKEW_MS;
  const thisYear = now.getUTCFullYear();
  for (let year = thisYear + 1; year >= thisYear - LOOKBACK_YEARS; year--) {
    const time = utcTime(year, month, day, hour, minute, second);
    if (time !== null && time <= latest) return time;
  }
  return null;
}

/** Two-digit years pivot at 70: 70-99 → 19xx, 00-69 → 20xx. Four-digit years pass. */
export function fullYear(yearText: string): number {
  const year = Number(yearText);
  return yearText.length <= 2 ? year + (year < 70 ? 2000 : 1900) : year;
}

/** 12-hour clock to 24: 12:xxAM is just past midnight, 12:xxPM just past noon; 99 (no date) when out of range. */
export function hour24(hour: number, meridiem: string | undefined): number {
  if (meridiem === undefined) return hour;
  if (hour < 1 || hour > 12) return 99;
  if (meridiem.toUpperCase() === 'AM') return hour === 12 ? 0 : hour;
  return hour === 12 ? 12 : hour + 12;
}

/**
 * The `ls -l` date as Netware and MacOS Peter print it (the groups of one
 * match: month name, day, then hour and minute or a year): within the last
 * year to the minute, older to the day. An unknown month sets nothing.
 */
export function setLsDate(
  entry: FtpEntry,
  [monthText, dayText, hourText, minuteText, yearText]: ReadonlyArray<string | undefined>,
  now: Date,
): void {
  const month = monthNumber(monthText as string);
  if (month === undefined) return;
  const day = Number(dayText);
  const time =
    yearText !== undefined ? utcTime(Number(yearText), month, day) : recentTime(month, day, Number(hourText), Number(minuteText), 0, now);
  if (time === null) return;
  entry.modifiedAt = new Date(time);
  entry.modifiedAtPrecision = yearText !== undefined ? 'day' : 'minute';
}
