// How a non-secret value travels to a container: written into the compose text itself, encoded so that Coolify's
// parser passes it through untouched and compose's interpolation turns it back into exactly the value.
//
// Why not as a Coolify env row (notes coolify-api.md §9, proven in test/templates/value-encoding.test.ts):
// - Coolify trims row values and stores "" as null, so leading/trailing white space is lost;
// - its `.env` writer quotes literal/multiline rows with single quotes and escapes nothing (an apostrophe breaks the
//   whole file, an apostrophe plus newline injects assignments), and backslash-escapes other rows that compose then
//   reads unquoted (backslashes and quotes arrive doubled, a newline starts a new assignment, ` #` starts a comment);
// - every row reference `${X}` at the start of a compose value is also copied into the container by Coolify's parser,
//   where compose interpolates it again, so a tenant's `${` could refuse the whole project.
// In the compose text none of that applies. What remains is handled here:
// - compose interpolates `$`: each `$` becomes `${CF_EMPTY:-$$}`, which compose reads as "$" whatever CF_EMPTY holds.
//   A plain `$$` would not do: Coolify scans values for `$NAME` and `${NAME}` and generates a secret for every
//   `$SERVICE_…` it finds, and a value starting with `$` is treated as a reference by its parser;
// - Coolify replaces `{{team.X}}` / `{{project.X}}` … with shared variables (and trims the value) wherever a value
//   contains `{{`: every `{{` gets an empty `${CF_EMPTY:-}` between its braces.
// CF_EMPTY is a row the stack always carries, empty, so a reference Coolify's parser copies changes no container.

/** The always-empty variable the encoding leans on; every engine-2 stack carries it as an empty row. */
export const EMPTY_VAR = "CF_EMPTY";

const DOLLAR = `\${${EMPTY_VAR}:-$$}`;
const BRACE_BREAK = `\${${EMPTY_VAR}:-}`;

/** The compose text for `value`: compose interpolation of the result gives back `value` byte for byte. */
export function encodeComposeValue(value: string): string {
  // Replacement functions, not strings: in a replacement string `$$` would collapse to `$`.
  return value.replace(/\$/g, () => DOLLAR).replace(/\{(?=\{)/g, () => `{${BRACE_BREAK}`);
}

/** True for the two interpolation forms encodeComposeValue writes. */
export function isEncodingReference(expression: string): boolean {
  return expression === DOLLAR || expression === BRACE_BREAK;
}

/**
 * Replaces every `${KEY}` of `values` inside the compose's `environment:` list entries with the encoded value.
 * Keys not in `values` (secrets, Coolify's SERVICE_* variables) stay references.
 */
export function inlineValues(compose: Record<string, unknown>, values: Record<string, string>): void {
  const services = compose.services as Record<string, { environment?: unknown }> | undefined;
  for (const service of Object.values(services ?? {})) {
    if (!Array.isArray(service.environment)) continue;
    service.environment = service.environment.map((entry) =>
      typeof entry === "string"
        ? entry.replace(/\$\{([A-Z][A-Z0-9_]*)\}/g, (ref, key: string) => (key in values ? encodeComposeValue(values[key]) : ref))
        : entry,
    );
  }
}
