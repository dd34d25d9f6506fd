// agent_rollouts (pocketbase/migrations/1767225750_agent_rollouts.js), applied by `pocketbase migrate up` to an
// instance that already has the other agent_* collections: created superusers only, and changed nothing when run again.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { combineMigrations, PRODUCT_MIGRATIONS_DIR } from "../../pocketbase/local-server";
import { PRODUCTION_SCHEMA_DIR } from "./production-like";

const PRODUCT_FILE = "1767225700_agent_collections.js";
const ROLLOUTS_FILE = "1767225750_agent_rollouts.js";
const cleanup: string[] = [];
afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cf-rollouts-${name}-`));
  cleanup.push(dir);
  return dir;
}

async function migrateUp(dataDir: string, folders: string[]): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)("pocketbase", ["migrate", "up", "--dir", dataDir, "--migrationsDir", combineMigrations(folders, tempDir("pb_migrations"))]);
  return stdout + stderr;
}

function collectionOf(dataDir: string): { fields: Array<{ name: string; type: string }>; listRule: unknown; indexes: string } {
  const db = new DatabaseSync(join(dataDir, "data.db"), { readOnly: true });
  try {
    const row = db.prepare("SELECT fields, listRule, indexes FROM _collections WHERE name = 'agent_rollouts'").get() as { fields: string; listRule: unknown; indexes: string };
    return { fields: JSON.parse(row.fields) as Array<{ name: string; type: string }>, listRule: row.listRule, indexes: row.indexes };
  } finally {
    db.close();
  }
}

describe("the rollouts migration", () => {
  it("creates agent_rollouts, superusers only, one record per stack, and changes nothing when run again", async () => {
    const dataDir = tempDir("data");
    const first = tempDir("first");
    writeFileSync(join(first, PRODUCT_FILE), readFileSync(join(PRODUCT_MIGRATIONS_DIR, PRODUCT_FILE)));
    await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, first]);
    expect(await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, PRODUCT_MIGRATIONS_DIR])).toContain(`Applied ${ROLLOUTS_FILE}`);
    const created = collectionOf(dataDir);
    expect(created.fields.map((f) => `${f.name}:${f.type}`)).toEqual(expect.arrayContaining(["stack:text", "release:text", "status:text", "wave:number", "halt_reason:text", "state:json"]));
    expect(created.listRule).toBeNull();
    expect(created.indexes).toContain("idx_agent_rollouts_stack");
    const again = new DatabaseSync(join(dataDir, "data.db"));
    try {
      again.prepare("DELETE FROM _migrations WHERE file = ?").run(ROLLOUTS_FILE);
    } finally {
      again.close();
    }
    await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, PRODUCT_MIGRATIONS_DIR]);
    expect(collectionOf(dataDir)).toEqual(created);
  });
});
