// The real engine end to end: preview, up, a no-op preview, refresh and destroy of a program with one
// dynamic resource (served by the pulumi-nodejs plugin) and, when the plugin exists, a RandomPassword.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProgram, randomPluginInstalled, type TestProgram } from "../support/pulumi";

const withRandom = randomPluginInstalled();
if (!withRandom) {
  console.warn(
    "\n*** random resource plugin not installed: the smoke test runs without random.RandomPassword " +
      "(scripts/setup.sh reports why; see README, Toolchain) ***\n",
  );
}

const source = `
import * as pulumi from "@pulumi/pulumi";
${withRandom ? 'import * as random from "@pulumi/random";' : ""}

const counter: pulumi.dynamic.ResourceProvider = {
  async create(inputs) {
    return { id: "greeting-" + inputs.name, outs: { ...inputs, token: "tok-" + require("crypto").randomBytes(8).toString("hex") } };
  },
  async read(id, props) { return { id, props }; },
};

class Greeting extends pulumi.dynamic.Resource {
  declare readonly token: pulumi.Output<string>;
  constructor(name: string, args: { name: string }) {
    super(counter, name, { ...args, token: undefined }, { additionalSecretOutputs: ["token"] }, "smoke", "Greeting");
  }
}

const greeting = new Greeting("hello", { name: "world" });
export const greetingId = greeting.id;
export const token = greeting.token;
${withRandom ? 'export const password = new random.RandomPassword("pw", { length: 24 }).result;' : ""}
`;

describe("the real pulumi engine", () => {
  let program: TestProgram;
  beforeAll(async () => {
    program = await createProgram({ project: "smoke", source });
  });
  afterAll(() => program?.dispose());

  it("previews the creation of every resource", async () => {
    const preview = await program.stack.preview();
    expect(preview.changeSummary.create).toBe(withRandom ? 3 : 2);
  });

  it("creates them with up, keeping secret outputs secret", async () => {
    const up = await program.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(up.summary.resourceChanges?.create).toBe(withRandom ? 3 : 2);
    expect(up.outputs.greetingId.value).toBe("greeting-world");
    expect(up.outputs.token.secret).toBe(true);
    if (withRandom) expect(up.outputs.password.secret).toBe(true);
  });

  it("reports no changes on a second preview", async () => {
    const preview = await program.stack.preview();
    expect(preview.changeSummary).toEqual({ same: withRandom ? 3 : 2 });
  });

  it("refreshes without drift", async () => {
    const refresh = await program.stack.refresh();
    expect(refresh.summary.result).toBe("succeeded");
    expect(refresh.summary.resourceChanges).toEqual({ same: withRandom ? 3 : 2 });
  });

  it("never writes a secret output in clear into the exported state", async () => {
    const outputs = await program.stack.outputs();
    const exported = program.cli(["stack", "export"]);
    expect(outputs.token.value).toMatch(/^tok-[0-9a-f]{16}$/);
    expect(exported).not.toContain(outputs.token.value);
    if (withRandom) expect(exported).not.toContain(outputs.password.value);
    expect(exported).toContain("4dabf18193072939515e22adb298388d"); // the engine's secret signature
  });

  it("destroys everything", async () => {
    const destroy = await program.stack.destroy();
    expect(destroy.summary.result).toBe("succeeded");
    expect(destroy.summary.resourceChanges?.delete).toBe(withRandom ? 3 : 2);
    const exported = JSON.parse(program.cli(["stack", "export"]));
    expect(exported.deployment.resources ?? []).toHaveLength(0);
  });
});
