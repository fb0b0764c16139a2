import { z } from 'zod';
import { dataModeSchema, eolSchema, typeOptionSchema } from '../../config/index.js';
import { HttpError } from '../httpError.js';

/**
 * Request validation: one zod schema per input, the TypeScript type inferred
 * from it. The enums are the config's own, so `?mode=` accepts exactly what a
 * server's `mode:` does. Booleans in the query string are `true`/`false`.
 * These schemas are the source of the request shapes in openapi/openapi.yaml:
 * test/unit/openapi/openapi.requests.test.ts fails when the document says otherwise.
 */
const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

export const transferQuerySchema = z.object({
  mode: dataModeSchema.optional(),
  type: typeOptionSchema.optional(),
  eol: eolSchema.optional(),
  atomic: queryBoolean.optional(),
  append: queryBoolean.optional(),
  mkdirs: queryBoolean.optional(),
  recursive: queryBoolean.optional(),
  /** Downloads: shown by the browser (sandboxed) rather than saved. */
  inline: queryBoolean.optional(),
  /** Listings: `name` (directories first, then by name; the default) or `none` (streamed in the server's order). */
  sort: z.enum(['name', 'none']).optional(),
});
export type TransferQuery = z.infer<typeof transferQuerySchema>;

/** (v1.1) `GET …/events/{path}`: a glob on names, the stability window, `existing` events first. */
export const eventsQuerySchema = z.object({
  pattern: z
    .string()
    .min(1)
    .max(256)
    .regex(/^[^/]*$/, 'a glob on names, without "/"')
    .optional(),
  /** Milliseconds, at most eight digits (a bit over a day). */
  stableMs: z
    .string()
    .regex(/^\d{1,8}$/, 'must be a whole number of milliseconds, at most 99999999')
    .transform(Number)
    .optional(),
  initial: queryBoolean.optional(),
});
export type EventsQuery = z.infer<typeof eventsQuerySchema>;

export function parseEventsQuery(query: unknown): EventsQuery {
  const result = eventsQuerySchema.safeParse(query ?? {});
  if (!result.success) throw new HttpError(400, 'BAD_OPTION', describe(result.error));
  return result.data;
}

/** Strict, as the document has always said (`additionalProperties: false`): a misspelt `overwrite` is a 400, not ignored. */
export const moveBodySchema = z.strictObject({
  from: z.string().min(1),
  to: z.string().min(1),
  overwrite: z.boolean().optional(),
});
export type MoveBody = z.infer<typeof moveBodySchema>;

/**
 * (v1.1) Claims. `pattern` is a glob on names (src/gateway/watch/glob.ts), so
 * no "/"; `leaseMs` at least a second, so a lease outlives the few commands
 * that make it; both windows at most a day.
 */
const DAY_MS = 86_400_000;
const leaseMsSchema = z.number().int().min(1000).max(DAY_MS);
// biome-ignore lint/suspicious/noControlCharactersInRegex: CR, LF and NUL are what a pattern may not hold
const PATTERN = /^[^/\r\n\u0000]+$/;
export const claimBodySchema = z.strictObject({
  path: z.string(),
  pattern: z.string().min(1).max(256).regex(PATTERN).optional(),
  stableMs: z.number().int().min(0).max(DAY_MS).optional(),
  leaseMs: leaseMsSchema.optional(),
});
export type ClaimBody = z.infer<typeof claimBodySchema>;

export const ackBodySchema = z.discriminatedUnion('disposition', [
  z.strictObject({ disposition: z.literal('delete') }),
  z.strictObject({ disposition: z.literal('move'), to: z.string().min(1) }),
]);
export type AckBody = z.infer<typeof ackBodySchema>;

export const extendBodySchema = z.strictObject({ leaseMs: leaseMsSchema });
export type ExtendBody = z.infer<typeof extendBodySchema>;

/** release takes no body; an empty JSON object is accepted too. */
export const releaseBodySchema = z.strictObject({});

export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new HttpError(400, 'BAD_BODY', describe(result.error));
  return result.data;
}

export function parseQuery(query: unknown): TransferQuery {
  const result = transferQuerySchema.safeParse(query ?? {});
  if (!result.success) throw new HttpError(400, 'BAD_OPTION', describe(result.error));
  return result.data;
}

export function parseMoveBody(body: unknown): MoveBody {
  const result = moveBodySchema.safeParse(body);
  if (!result.success) throw new HttpError(400, 'BAD_BODY', describe(result.error));
  return result.data;
}

function describe(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'value'}: ${issue.message}`).join('; ');
}
