// The hostile free-text values of the render tests (test/templates/value-encoding.test.ts generates 500 per field
// with these), shared with the engine tests that deploy the worst of them (test/engine-docker/program-values.test.ts).
// No vitest here.

/** Deterministic xorshift, so a failure reproduces. */
export function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** Pieces aimed at Coolify's parser and .env writer and at compose's dotenv parser and interpolation. */
export const PIECES = [
  "'", '"', "\\", "\\'", "$", "$$", "$$$", "${", "}", "${HOME}", "$HOME", "${CF_AI_ROUTER_KEY}", "${AI_ROUTER_API_KEY}",
  "${X:?boom}", "${X:-d}", "${X:+a}", "$SERVICE_PASSWORD_EVIL", "${SERVICE_PASSWORD_EVIL}", "${CF_EMPTY}", "${CF_EMPTY:-$$}",
  "{{team.SECRET}}", "{{ project.X }}", "{{{", "}}", "#", " #", "# c", "=", "A=B", "CF_AI_ROUTER_URL='https://evil.invalid/v1'",
  '{"apiKey":"${K}"}', "[1,2]", "{", "[", "export X=1", "`id`", "$(id)", "&a", "*a", "!!binary", "---", "- y", ": x", "? k",
  "|", ">", "%", "@", "~", "null", "yes", "0x1F", "é", "日本語", "🦀", "\u202e", "\u2028", "\u00a0", "\ufeff", " ", "  ",
];
export const MULTI_LINE_ONLY = ["\n", "\t", "\n\n", "\t\t", "\nX='y'\n", "x'\nCF_AI_ROUTER_URL='https://evil.invalid/v1"];

/** A string the field's schema accepts; ends and starts with white space often, sometimes empty or at max length. */
export function hostile(next: () => number, max: number, multiLine: boolean, n: number): string {
  if (n === 0) return "";
  const pool = multiLine ? [...PIECES, ...MULTI_LINE_ONLY] : PIECES;
  if (n === 1) {
    let long = "";
    while (long.length < max) long += pool[Math.floor(next() * pool.length)];
    return long.slice(0, max);
  }
  let out = next() < 0.3 ? " " : "";
  const parts = 1 + Math.floor(next() * 6);
  for (let i = 0; i < parts; i++) out += pool[Math.floor(next() * pool.length)] + (next() < 0.3 ? "x" : "");
  if (next() < 0.3) out += multiLine && next() < 0.5 ? "\n" : " ";
  return out.slice(0, max);
}

/** The `count` values of a field, in the order and from the seed the render test uses. */
export function hostileValues(variable: string, max: number, multiLine: boolean, count = 500): string[] {
  const next = rng(0x9e3779b9 ^ variable.length);
  return Array.from({ length: count }, (_, n) => hostile(next, max, multiLine, n));
}

/** What makes a value hard to carry through .env writers, dotenv parsers and interpolation; each counts once. */
export const HOSTILE_FEATURES: Record<string, (value: string) => boolean> = {
  apostrophe: (v) => v.includes("'"),
  "double quote": (v) => v.includes('"'),
  newline: (v) => v.includes("\n"),
  tab: (v) => v.includes("\t"),
  dollar: (v) => v.includes("$"),
  "${…} reference": (v) => /\$\{[A-Z_]+/.test(v),
  "{{": (v) => v.includes("{{"),
  " #": (v) => v.includes(" #"),
  backslash: (v) => v.includes("\\"),
  "non-ASCII": (v) => /[^\x00-\x7f]/.test(v),
  "line separator U+2028": (v) => v.includes("\u2028"),
  "leading or trailing space": (v) => v !== v.trim(),
};

export function hostileFeatures(value: string): string[] {
  return Object.entries(HOSTILE_FEATURES).filter(([, has]) => has(value)).map(([name]) => name);
}

/**
 * The worst of a field's values: greedily, the value with the most features not yet covered (then the longest),
 * until no value adds one. One value for the 4,000-character prompt; a 64-character name needs more.
 */
export function worstHostile(values: string[]): string[] {
  const chosen: string[] = [];
  const covered = new Set<string>();
  for (;;) {
    const gain = (v: string) => hostileFeatures(v).filter((f) => !covered.has(f)).length;
    const best = values.reduce((b, v) => (gain(v) > gain(b) || (gain(v) === gain(b) && v.length > b.length) ? v : b), values[0]);
    if (gain(best) === 0) return chosen;
    chosen.push(best);
    for (const f of hostileFeatures(best)) covered.add(f);
  }
}
