// agent_provisioning.server_uuid and .reservation (pocketbase/migrations/1767225740_agent_provisioning_placement.js),
// applied by `pocketbase migrate up` to an instance whose agent_provisioning predates them.
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
const PLACEMENT_FILE = "1767225740_agent_provisioning_placement.js";
const cleanup: string[] = [];
afterEach(() => {
  for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cf-placement-${name}-`));
  cleanup.push(dir);
  return dir;
}

async function migrateUp(dataDir: string, folders: string[]): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)("pocketbase", ["migrate", "up", "--dir", dataDir, "--migrationsDir", combineMigrations(folders, tempDir("pb_migrations"))]);
  return stdout + stderr;
}

function fieldsOf(dataDir: string): Array<{ name: string; type: string }> {
  const db = new DatabaseSync(join(dataDir, "data.db"), { readOnly: true });
  try {
    const row = db.prepare("SELECT fields FROM _collections WHERE name = 'agent_provisioning'").get() as { fields: string };
    return JSON.parse(row.fields) as Array<{ name: string; type: string }>;
  } finally {
    db.close();
  }
}

describe("the placement migration", () => {
  it("adds server_uuid and reservation to an existing agent_provisioning, keeping its records, and is idempotent", async () => {
    const dataDir = tempDir("data");
    const first = tempDir("first");
    writeFileSync(join(first, PRODUCT_FILE), readFileSync(join(PRODUCT_MIGRATIONS_DIR, PRODUCT_FILE)));
    await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, first]);
    const db = new DatabaseSync(join(dataDir, "data.db"));
    try {
      db.prepare("INSERT INTO agent_provisioning (id, tenant, status) VALUES ('rec000000000001', 'tenant000000001', 'running:healthy')").run();
    } finally {
      db.close();
    }
    expect(await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, PRODUCT_MIGRATIONS_DIR])).toContain(`Applied ${PLACEMENT_FILE}`);
    const fields = fieldsOf(dataDir);
    expect(fields.find((f) => f.name === "server_uuid")).toMatchObject({ type: "text" });
    expect(fields.find((f) => f.name === "reservation")).toMatchObject({ type: "json" });
    const check = new DatabaseSync(join(dataDir, "data.db"), { readOnly: true });
    try {
      expect(check.prepare("SELECT tenant, status, server_uuid FROM agent_provisioning").all()).toEqual([{ tenant: "tenant000000001", status: "running:healthy", server_uuid: "" }]);
    } finally {
      check.close();
    }
    // Run again as if never recorded: the fields are there, nothing changes.
    const again = new DatabaseSync(join(dataDir, "data.db"));
    try {
      again.prepare("DELETE FROM _migrations WHERE file = ?").run(PLACEMENT_FILE);
    } finally {
      again.close();
    }
    await migrateUp(dataDir, [PRODUCTION_SCHEMA_DIR, PRODUCT_MIGRATIONS_DIR]);
    expect(fieldsOf(dataDir)).toEqual(fields);
  });
});
