// Stand-in images for the template images, built from our own source (tools/standin) and loaded into a Docker
// engine without any registry: one root file system per image (the static multi-call binary, linked under the
// paths of the tools the real image has, plus /etc/standin/image.json), packed as a tar and `docker import`ed under
// the image's exact name, so a rendered compose runs untouched and nothing is pulled.
// The tars are cached in the tool cache, keyed by the binary and the layout; an engine that already holds an image
// of the same key is left alone. What a stand-in proves and what it cannot: README, "Stand-in images".
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { load } from "js-yaml";

const run = promisify(execFile);
const ROOT = join(__dirname, "..", "..");
const SOURCE_DIR = join(ROOT, "tools", "standin");
const TEMPLATES_DIR = join(ROOT, "templates");
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const BINARY = "/usr/local/bin/standin";

export type StandinProfile = "postgres" | "litellm" | "open-webui" | "openclaw" | "telegram-bot";

/** How one real image is laid out, as far as its compose, health checks and start depend on it. */
export interface ImageLayout {
  /** Which image names this layout stands in for (repository, any tag). */
  match: RegExp;
  entrypoint?: string[];
  cmd: string[];
  workdir?: string;
  expose: number[];
  env?: Record<string, string>;
  /** Absolute paths of the programs the real image has; each is the stand-in binary under that name. */
  tools: string[];
  /** Files the real image has that its command reads (a script that names a stand-in role). */
  files?: Record<string, string>;
  dirs?: string[];
  /** Internet hosts its checks call; the stand-in answers them in process (tools/standin/offline.go). */
  offlineHosts?: Record<string, string>;
}

const SHELLS = ["/bin/sh", "/bin/bash"];
const PYTHON = ["/usr/local/bin/python", "/usr/local/bin/python3"];

/**
 * One entry per image the templates use. The tools are the real image's, so a health check calling a program the
 * image lacks (curl in the bot's Python image, say) fails here as it would there.
 */
export const STANDIN_LAYOUTS: Record<StandinProfile, ImageLayout> = {
  // postgres:16-alpine: docker-entrypoint.sh postgres; BusyBox sh and wget, no bash, curl or python.
  postgres: {
    match: /^(docker\.io\/)?(library\/)?postgres:/,
    entrypoint: ["docker-entrypoint.sh"],
    cmd: ["postgres"],
    expose: [5432],
    env: { PGDATA: "/var/lib/postgresql/data" },
    tools: ["/usr/local/bin/docker-entrypoint.sh", "/usr/local/bin/postgres", "/usr/local/bin/pg_isready", "/bin/sh", "/usr/bin/wget"],
    dirs: ["/var/run/postgresql", "/var/lib/postgresql/data"],
  },
  // ghcr.io/berriai/litellm-database: a Python image whose CLI is `litellm`; the template replaces the entrypoint.
  litellm: {
    match: /(^|\/)berriai\/litellm(-database)?:/,
    entrypoint: ["litellm"],
    cmd: ["--port", "4000"],
    workdir: "/app",
    expose: [4000],
    tools: [...PYTHON, "/usr/local/bin/litellm", ...SHELLS],
  },
  // ghcr.io/open-webui/open-webui: Python slim image with curl (its own HEALTHCHECK uses it), PORT=8080.
  "open-webui": {
    match: /(^|\/)open-webui\/open-webui:/,
    cmd: ["open-webui", "serve"],
    workdir: "/app/backend",
    expose: [8080],
    env: { PORT: "8080" },
    tools: [...PYTHON, "/usr/local/bin/open-webui", "/usr/bin/curl", ...SHELLS],
  },
  // coollabsio/openclaw: nginx wrapper on $PORT in front of the gateway; curl present (Coolify's template uses it).
  openclaw: {
    match: /(^|\/)coollabsio\/openclaw:/,
    cmd: ["openclaw"],
    workdir: "/app",
    expose: [8080],
    tools: ["/usr/local/bin/openclaw", "/usr/bin/curl", ...SHELLS],
  },
  // ghcr.io/n3d1117/chatgpt-telegram-bot: `python bot/main.py` in /app; Python only (no curl, no wget).
  "telegram-bot": {
    match: /(^|\/)n3d1117\/chatgpt-telegram-bot:/,
    cmd: ["python", "bot/main.py"],
    workdir: "/app",
    expose: [],
    tools: [...PYTHON, ...SHELLS],
    files: { "/app/bot/main.py": "# standin-role: telegram-bot\n" },
    dirs: ["/app/usage_logs"],
    offlineHosts: { "api.telegram.org": "telegram" },
  },
};

/** Every image name in templates/<id>/<version>/compose.yaml, with the template versions that use it. */
export function templateImages(templatesDir = TEMPLATES_DIR): Map<string, string[]> {
  const images = new Map<string, string[]>();
  for (const id of readdirSync(templatesDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const version of readdirSync(join(templatesDir, id)).sort()) {
      const file = join(templatesDir, id, version, "compose.yaml");
      if (!existsSync(file)) continue;
      const compose = load(readFileSync(file, "utf8")) as { services?: Record<string, { image?: string }> };
      for (const service of Object.values(compose.services ?? {})) {
        if (!service.image) continue;
        images.set(service.image, [...(images.get(service.image) ?? []), `${id}@${version}`]);
      }
    }
  }
  return images;
}

/** The layout that stands in for an image; a template image with none is an error naming the fix. */
export function profileForImage(image: string): StandinProfile {
  const found = (Object.entries(STANDIN_LAYOUTS) as Array<[StandinProfile, ImageLayout]>).find(([, layout]) => layout.match.test(image));
  if (!found) throw new Error(`no stand-in for image ${image}: add its layout to STANDIN_LAYOUTS in test/support/standin-images.ts (and a role to tools/standin if it serves something new)`);
  return found[0];
}

/** The tool cache of `npm run setup` (scripts/setup.sh). */
export function toolsDir(): string {
  return process.env.CLOUDFREEDOM_TOOLS_DIR || join(homedir(), ".cache", "cloudfreedom-tools");
}

/** The key scripts/env.sh gives the binary: go.mod and the non-test sources, in `ls` order. */
export function standinSourceHash(): string {
  const files = ["go.mod", ...readdirSync(SOURCE_DIR).filter((f) => f.endsWith(".go") && !f.endsWith("_test.go")).sort()];
  const hash = createHash("sha256");
  for (const f of files) hash.update(readFileSync(join(SOURCE_DIR, f)));
  return hash.digest("hex").slice(0, 12);
}

/** The static stand-in binary for this source: STANDIN_BIN when it matches, else built into the tool cache. */
export async function standinBinary(): Promise<string> {
  const path = join(toolsDir(), `standin-${standinSourceHash()}`, "standin");
  if (existsSync(path)) return path;
  const dir = dirname(path);
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  try {
    await run("go", ["build", "-trimpath", "-ldflags", "-s -w", "-o", join(tmp, "standin"), "."], {
      cwd: SOURCE_DIR,
      env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    const detail = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`building tools/standin failed (needs Go; npm run setup builds it):\n${detail}`);
  }
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another worker won the race; its build is the same source
  }
  return path;
}

export interface StandinImage {
  image: string;
  profile: StandinProfile;
  /** `standin <key>` is the image's Comment in the engine. */
  key: string;
  tar: string;
  changes: string[];
}

function dockerfileChanges(layout: ImageLayout): string[] {
  const changes = [`ENV PATH=${PATH}`];
  for (const [k, v] of Object.entries(layout.env ?? {})) changes.push(`ENV ${k}=${v}`);
  if (layout.entrypoint) changes.push(`ENTRYPOINT ${JSON.stringify(layout.entrypoint)}`);
  changes.push(`CMD ${JSON.stringify(layout.cmd)}`);
  if (layout.workdir) changes.push(`WORKDIR ${layout.workdir}`);
  for (const port of layout.expose) changes.push(`EXPOSE ${port}`);
  return changes;
}

async function buildTar(binary: string, image: string, profile: StandinProfile, tar: string): Promise<void> {
  const layout = STANDIN_LAYOUTS[profile];
  const root = mkdtempSync(join(tmpdir(), "standin-root-"));
  try {
    const put = (path: string) => mkdirSync(join(root, dirname(path)), { recursive: true });
    put(BINARY);
    copyFileSync(binary, join(root, BINARY));
    chmodSync(join(root, BINARY), 0o755);
    for (const tool of layout.tools) {
      put(tool);
      symlinkSync(BINARY, join(root, tool));
    }
    for (const [path, content] of Object.entries(layout.files ?? {})) {
      put(path);
      writeFileSync(join(root, path), content);
    }
    for (const dir of [...(layout.dirs ?? []), layout.workdir ?? "/", "/etc", "/root"]) mkdirSync(join(root, dir), { recursive: true });
    mkdirSync(join(root, "tmp"));
    chmodSync(join(root, "tmp"), 0o1777);
    put("/etc/standin/image.json");
    writeFileSync(join(root, "etc/standin/image.json"), `${JSON.stringify({ image, profile, offlineHosts: layout.offlineHosts })}\n`);
    const partial = `${tar}.tmp-${process.pid}`;
    await run("tar", ["-C", root, "--owner=0", "--group=0", "--numeric-owner", "-cf", partial, "."]);
    renameSync(partial, tar);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The stand-in of every template image, as cached tars ready for `docker import`. */
export async function standinImages(images: Iterable<string> = templateImages().keys()): Promise<StandinImage[]> {
  const binary = await standinBinary();
  const binaryHash = createHash("sha256").update(readFileSync(binary)).digest("hex");
  const cache = join(toolsDir(), "standin-images");
  mkdirSync(cache, { recursive: true });
  const out: StandinImage[] = [];
  for (const image of images) {
    const profile = profileForImage(image);
    const layout = STANDIN_LAYOUTS[profile];
    const changes = dockerfileChanges(layout);
    const key = createHash("sha256")
      .update(JSON.stringify({ binaryHash, image, profile, layout: { ...layout, match: layout.match.source }, changes }))
      .digest("hex")
      .slice(0, 16);
    const tar = join(cache, `${key}.tar`);
    if (!existsSync(tar)) await buildTar(binary, image, profile, tar);
    out.push({ image, profile, key, tar, changes });
  }
  return out;
}

/**
 * Imports the stand-ins into the engine that `env` (DOCKER_HOST) names, under each image's exact name; an image
 * already holding the same key is skipped. Returns the image names.
 */
export async function loadStandinImages(env: NodeJS.ProcessEnv, images?: Iterable<string>): Promise<string[]> {
  const wanted = await standinImages(images);
  await Promise.all(
    wanted.map(async ({ image, key, tar, changes }) => {
      const comment = `standin ${key}`;
      const current = await run("docker", ["image", "inspect", "-f", "{{.Comment}}", image], { env }).then(
        (r) => r.stdout.trim(),
        () => "",
      );
      if (current === comment) return;
      await run("docker", ["import", "-m", comment, ...changes.flatMap((c) => ["-c", c]), tar, image], { env });
    }),
  );
  return wanted.map((w) => w.image);
}
