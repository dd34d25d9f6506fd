/** A response the router writes out; handlers return or throw these. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Defaults to application/json; text bodies (health, version) are text/html as in Coolify. */
  contentType?: "application/json" | "text/html";
}

export class ApiError extends Error {
  constructor(readonly reply: Reply) {
    super(`emulator reply ${reply.status}`);
  }
}

export function reply(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, headers };
}

export function fail(status: number, body: unknown, headers?: Record<string, string>): never {
  throw new ApiError({ status, body, headers });
}

export function failMessage(status: number, message: string): never {
  return fail(status, { message });
}

export const DOCS_URL = "https://coolify.io/docs";

export function catchAllNotFound(): Reply {
  return reply(404, { message: "Not found.", docs: DOCS_URL });
}

/** Laravel's 422 with a field map (notes §4 shape a/b). */
export function validationFailed(errors: Record<string, string[] | string> | string[]): never {
  return fail(422, { message: "Validation failed.", errors });
}
