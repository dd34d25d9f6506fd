/** Why reading (or writing back to) PocketBase failed. */
export type TenantSourceCause = "unreachable" | "auth" | "short-read" | "malformed" | "http";

export interface TenantSourceErrorDetails {
  /** What went wrong, in one sentence, without secrets. */
  problem: string;
  /** What the operator should do next. */
  fix: string;
  /** The tenant's slug, else its PocketBase record id. */
  tenant?: string;
  /** The PocketBase field (or list-response field) at fault, e.g. "template" or "plan.allowed_templates". */
  field?: string;
  /** HTTP status when PocketBase answered; 0 when no answer came back. */
  status?: number;
  /** The underlying error (an SDK ClientResponseError, a zod error, a network error). */
  origin?: unknown;
}

/**
 * Any failure of the PocketBase tenant source. It aborts the run: the program never continues
 * with an empty or shortened tenant list, because a missing tenant would be torn down.
 * `cause` is the discriminant; the underlying error is in `origin`. Messages never contain the password.
 */
export class TenantSourceError extends Error {
  declare readonly cause: TenantSourceCause;
  /** The problem and the fix, as in the message. */
  readonly problem: string;
  readonly fix: string;
  readonly tenant?: string;
  readonly field?: string;
  readonly status?: number;
  readonly origin?: unknown;

  constructor(cause: TenantSourceCause, details: TenantSourceErrorDetails) {
    super(formatMessage(cause, details), { cause });
    this.name = "TenantSourceError";
    this.problem = details.problem;
    this.fix = details.fix;
    this.tenant = details.tenant;
    this.field = details.field;
    this.status = details.status;
    // Non-enumerable: keeps the SDK's request details out of logs and serialized state.
    Object.defineProperty(this, "origin", { value: details.origin, enumerable: false });
  }
}

export function isTenantSourceError(error: unknown, cause?: TenantSourceCause): error is TenantSourceError {
  return error instanceof TenantSourceError && (cause === undefined || error.cause === cause);
}

function formatMessage(cause: TenantSourceCause, details: TenantSourceErrorDetails): string {
  const where = [
    details.tenant !== undefined ? `tenant "${details.tenant}"` : undefined,
    details.field !== undefined ? `field "${details.field}"` : undefined,
  ].filter((part): part is string => part !== undefined);
  const subject = where.length > 0 ? ` (${where.join(", ")})` : "";
  return `PocketBase tenant source failed [${cause}]${subject}: ${details.problem} Fix: ${details.fix}`;
}
