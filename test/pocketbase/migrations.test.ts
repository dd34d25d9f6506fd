// The product's migrations as an operator applies them to an instance that already has its history:
// `pocketbase migrate up` with pb_migrations holding their own files plus ours.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { combineMigrations, PRODUCT_MIGRATIONS_DIR } from "../../pocketbase/local-server";
import { EXAMPLE_VIEW_DIR, PRODUCTION_SCHEMA_DIR } from "./production-like";

const PRODUCT_FILE = "1767225700_agent_collections.js";
const GRACE_FILE = "1767225720_agent_provisioning_grace_started.js";
const VIEW_FILE = "1767225800_agent_tenants_view.js";
const cleanup: string[] = [];

afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cf-migrations-${name}-`));
  cleanup.push(dir);
  return dir;
}

/** `pocketbase migrate up` over the given folders; resolves with exit code and output. */
async function migrateUp(dataDir: string, folders: string[]): Promise<{ code: number; out: string }> {
  const migrations = combineMigrations(folders, tempDir("pb_migrations"));
  try {
    const { stdout, stderr } = await promisify(execFile)("pocketbase", ["migrate", "up", "--dir", dataDir, "--migrationsDir", migrations]);
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

/** Every collection's definition (name -> type, fields, indexes, rules, view SQL), straight from SQLite. */
function collections(dataDir: string): Record<string, unknown> {
  const db = new DatabaseSync(join(dataDir, "data.db"), { readOnly: true });
  try {
    const rows = db.prepare("SELECT name, type, fields, indexes, listRule, viewRule, createRule, updateRule, deleteRule, options FROM _collections ORDER BY name").all();
    return Object.fromEntries(rows.map((row) => [String(row.name), row]));
  } finally {
    db.close();
  }
}

function forgetMigration(dataDir: string, file: string): void {
  const db = new DatabaseSync(join(dataDir, "data.db"));
  try {
    db.prepare("DELETE FROM _migrations WHERE file = ?").run(file);
  } finally {
    db.close();
  }
}

/** A folder with one migration that creates a collection the product does not own. */
function foreignCollection(name: string, definition: string): string {
  const dir = tempDir("foreign");
  writeFileSync(join(dir, `1700000009_foreign_${name}.js`), `migrate((app) => { app.save(new Collection(${definition})); }, () => {});\n`);
  return dir;
}

describe("the product's migrations on an instance with its own tenants, subscriptions and plans", () => {
  it("add only the agent_* collections and leave every other collection exactly as it was", async () => {
    const dataDir = tempDir("data");
    expect((await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR])).code).toBe(0);
    const before = collections(dataDir);
    expect(Object.keys(before)).toEqual(expect.arrayContaining(["plans", "subscriptions", "tenants"]));

    const applied = await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, PRODUCT_MIGRATIONS_DIR, EXAMPLE_VIEW_DIR]);
    expect(applied.out).toContain(`Applied ${PRODUCT_FILE}`);
    expect(applied.code).toBe(0);
    const after = collections(dataDir);
    const added = Object.keys(after).filter((name) => !(name in before));
    expect(added.sort()).toEqual(["agent_provisioning", "agent_provisioning_runs", "agent_rollouts", "agent_tenants"]);
    for (const [name, definition] of Object.entries(before)) expect(after[name], name).toEqual(definition);
  });

  it("are idempotent: applied again, they change nothing", async () => {
    const dataDir = tempDir("data");
    const folders = [PRODUCTION_SCHEMA_DIR, PRODUCT_MIGRATIONS_DIR, EXAMPLE_VIEW_DIR];
    expect((await migrateUp(dataDir, folders)).code).toBe(0);
    const first = collections(dataDir);
    forgetMigration(dataDir, PRODUCT_FILE);
    forgetMigration(dataDir, GRACE_FILE);
    forgetMigration(dataDir, VIEW_FILE);
    const again = await migrateUp(dataDir, folders);
    expect(again.out).toContain(`Applied ${PRODUCT_FILE}`);
    expect(again.out).toContain(`Applied ${GRACE_FILE}`);
    expect(again.out).toContain(`Applied ${VIEW_FILE}`);
    expect(again.code).toBe(0);
    expect(collections(dataDir)).toEqual(first);
  });

  it("add grace_started_at to an agent_provisioning created by the first migration, keeping its records", async () => {
    const dataDir = tempDir("data");
    const first = tempDir("first");
    writeFileSync(join(first, PRODUCT_FILE), readFileSync(join(PRODUCT_MIGRATIONS_DIR, PRODUCT_FILE)));
    expect((await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, first])).code).toBe(0);
    const db = new DatabaseSync(join(dataDir, "data.db"));
    try {
      db.prepare("INSERT INTO agent_provisioning (id, tenant, status) VALUES ('rec000000000001', 'tenant000000001', 'exited')").run();
    } finally {
      db.close();
    }
    const applied = await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, PRODUCT_MIGRATIONS_DIR]);
    expect(applied.out).toContain(`Applied ${GRACE_FILE}`);
    const fields = JSON.parse(String((collections(dataDir).agent_provisioning as { fields: string }).fields)) as Array<{ name: string; type: string }>;
    expect(fields.find((f) => f.name === "grace_started_at")).toMatchObject({ type: "date" });
    const check = new DatabaseSync(join(dataDir, "data.db"), { readOnly: true });
    try {
      expect(check.prepare("SELECT tenant, status, grace_started_at FROM agent_provisioning").all()).toEqual([{ tenant: "tenant000000001", status: "exited", grace_started_at: "" }]);
    } finally {
      check.close();
    }
  });

  it("refuse a foreign agent_provisioning with a clear message, and change nothing", async () => {
    const dataDir = tempDir("data");
    const foreign = foreignCollection("provisioning", '{ type: "base", name: "agent_provisioning", fields: [{ name: "tenant", type: "relation", maxSelect: 1, collectionId: app.findCollectionByNameOrId("tenants").id }, { name: "note", type: "text" }] }');
    expect((await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, foreign])).code).toBe(0);
    const before = collections(dataDir);
    const refused = await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, foreign, PRODUCT_MIGRATIONS_DIR]);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('a base collection named "agent_provisioning" already exists and was not created by cloudfreedom-agents');
    expect(refused.out).toContain("Nothing was changed");
    expect(collections(dataDir)).toEqual(before);
  });

  it("refuse a foreign collection under the view's name, and change nothing", async () => {
    for (const definition of [
      '{ type: "base", name: "agent_tenants", fields: [{ name: "slug", type: "text" }] }',
      '{ type: "view", name: "agent_tenants", viewQuery: "SELECT t.id AS id, t.subdomain AS slug FROM tenants t" }',
    ]) {
      const dataDir = tempDir("data");
      const foreign = foreignCollection("view", definition);
      expect((await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, foreign, PRODUCT_MIGRATIONS_DIR])).code).toBe(0);
      const before = collections(dataDir);
      const refused = await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, foreign, PRODUCT_MIGRATIONS_DIR, EXAMPLE_VIEW_DIR]);
      expect(refused.code).not.toBe(0);
      expect(refused.out).toMatch(/a (base|view) collection named "agent_tenants" already exists and was not created by cloudfreedom-agents/);
      expect(refused.out).toContain("tenantView");
      expect(collections(dataDir)).toEqual(before);
    }
  });
});
