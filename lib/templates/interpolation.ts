/** A `${NAME}` / `${NAME:-default}` reference found in a compose string. */
export interface VariableRef {
  name: string;
}

export type ScanResult = { refs: VariableRef[]; error?: undefined } | { refs: VariableRef[]; error: string };

/**
 * Finds Compose interpolation references in one string. `$$` is a literal dollar; only the braced form is
 * allowed (an unbraced `$NAME` or a lone `$` is reported), so every variable the stack needs is explicit.
 */
export function scanInterpolation(value: string): ScanResult {
  const refs: VariableRef[] = [];
  for (let i = value.indexOf("$"); i !== -1; i = value.indexOf("$", i)) {
    const next = value[i + 1];
    if (next === "$") {
      i += 2;
      continue;
    }
    if (next !== "{") return { refs, error: `bare "$" at offset ${i} (write $$ for a literal dollar, \${NAME} for a variable)` };
    const close = value.indexOf("}", i);
    // A default may hold `$$` (a literal dollar), which compose-values.ts's encoding uses.
    const match = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(?::?[-?+])(?:[^}$]|\$\$)*)?\}$/.exec(value.slice(i, close + 1));
    if (close === -1 || !match) return { refs, error: `malformed interpolation at offset ${i}` };
    refs.push({ name: match[1] });
    i = close + 1;
  }
  return { refs };
}

/** Every string in a compose value, depth first, with its path. */
export function* walkStrings(value: unknown, path = ""): Generator<[string, string]> {
  if (typeof value === "string") {
    yield [path, value];
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* walkStrings(value[i], `${path}[${i}]`);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) yield* walkStrings(child, path ? `${path}.${key}` : key);
  }
}
