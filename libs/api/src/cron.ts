import { type CronExpression, CronExpressionParser, CronMonth } from 'cron-parser';

/** The time zone a hibernation schedule without a location is read in, as in Gardener. */
export const DEFAULT_SCHEDULE_LOCATION = 'UTC';

const FIVE_FIELDS = 'must be a cron expression with 5 fields';
const TIME_ZONE = 'must be an IANA time zone such as Europe/Berlin';
/** cron-parser's `H` (not a letter of a month or weekday name) draws a new random value at every parse. */
const HASHED = /(^|[^A-Za-z])H/;

/** How many answers each of the bounded maps below keeps before it starts afresh. */
const REMEMBERED = 1000;

function remember<V>(answers: Map<string, V>, key: string, value: V): V {
  if (answers.size >= REMEMBERED) answers.clear();
  answers.set(key, value);
  return value;
}

/** Zones already looked up: building an Intl.DateTimeFormat costs more than the rest of a check. */
const timeZones = new Map<string, boolean>();

export function validTimeZone(location: string): boolean {
  return timeZones.get(location) ?? remember(timeZones, location, isTimeZone(location));
}

function isTimeZone(location: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: location });
    return true;
  } catch {
    return false;
  }
}

function notationProblem(expression: string): string | undefined {
  if (expression.trim().split(/\s+/).length !== 5) return FIVE_FIELDS;
  if (HASHED.test(expression)) return `${FIVE_FIELDS} and no H (its value changes at every reading)`;
  return undefined;
}

/**
 * With any weekday allowed, a day of the month that none of the named months has never comes, and
 * cron-parser would take ten thousand steps (over a second) to give up looking for it.
 */
function neverFires({ fields }: CronExpression): boolean {
  if (!fields.dayOfWeek.isWildcard || fields.dayOfMonth.hasLastChar) return false;
  const days = fields.dayOfMonth.values.filter((day) => day !== 'L');
  const longest = (month: number) => CronMonth.daysInMonth[month - 1] ?? 31;
  return !fields.month.values.some((month) => days.some((day) => day <= longest(month)));
}

function cannotRun(reason: string): Error {
  return new Error(`${FIVE_FIELDS} that can run: ${reason}`);
}

function parserCall<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw cannotRun((error as Error).message);
  }
}

function readCron(expression: string, location: string, at: Date): CronExpression {
  const problem = notationProblem(expression) ?? (validTimeZone(location) ? undefined : TIME_ZONE);
  if (problem) throw new Error(problem);
  const cron = parserCall(() => CronExpressionParser.parse(expression, { currentDate: at, tz: location }));
  if (neverFires(cron)) throw cannotRun('none of the months it names has any of the days it names');
  return cron;
}

/**
 * The latest time before `at` that a five-field cron expression fires in an IANA time zone, read by
 * cron-parser. Validation and the hibernation scheduler both read schedules through this function,
 * so a schedule is accepted exactly when it can run. Throws an Error saying why it cannot.
 */
export function lastCronTrigger(expression: string, location: string, at: Date): Date {
  const cron = readCron(expression, location, at);
  return parserCall(() => cron.prev().toDate());
}

/**
 * Schedules found able to run, by zone and expression: admission checks a shoot's hibernation
 * schedules at every write, and reading one (cron-parser over luxon's zone arithmetic) was a tenth
 * of a create's CPU under load. The answer does not depend on the moment: a schedule that fires at
 * all (neverFires rules out the rest) last fired within four years, well inside cron-parser's search.
 */
const runnable = new Map<string, true>();

/** Why a cron expression cannot run in `location` (an IANA time zone), or undefined if it can. */
export function cronProblem(expression: string, location: string, at = new Date()): string | undefined {
  const key = `${location}\n${expression}`;
  if (runnable.has(key)) return undefined;
  try {
    lastCronTrigger(expression, location, at);
    remember(runnable, key, true);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
