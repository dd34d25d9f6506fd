import { readFileSync } from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { renderStack } from "../../templates";
import { exampleInput, MATRIX } from "./fixtures";

// dclint ships the Compose specification's JSON schema (draft-07) but does not export the file, so it
// is read from the package folder.
const schemaPath = path.join(path.dirname(require.resolve("dclint/package.json")), "schemas", "compose.schema.json");
const { $schema: _draft, ...schema } = JSON.parse(readFileSync(schemaPath, "utf8")) as Record<string, unknown>;
// strict:false: the upstream schema carries annotations (e.g. `deprecated`) that draft-07 does not define.
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

describe("rendered compose against the Compose specification schema", () => {
  it("uses the upstream spec (sanity: it knows recent keys and rejects unknown service keys)", () => {
    expect(JSON.stringify(schema)).toContain("pids_limit");
    expect(validate({ services: { app: { image: "x:1", restartt: "always" } } })).toBe(false);
    expect(validate({ services: { app: { image: "x:1", deploy: { resources: { limits: { memory: 5 } } } } } })).toBe(false);
  });

  it.each(MATRIX)("%s/%s validates", (template, tier) => {
    const stack = renderStack(exampleInput(template, tier));
    const ok = validate(stack.compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });
});
