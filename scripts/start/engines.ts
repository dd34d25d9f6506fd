// The Docker engines the demo deploys to: private dockerds in temporary folders with the stand-in images
// (test/support/docker-engine.ts) when dockerd is installed and this runs as root; otherwise none, and the demo says
// why and runs on the emulator's model alone. CLOUDFREEDOM_DEMO_ENGINE=off asks for the model alone.
import { dockerEngineSkipReason, startDockerEngine, type DockerEngine } from "../../test/support/docker-engine";

/** `count` engines (one per emulator server), or none when any of them cannot start. */
export async function demoEngines(count: number): Promise<DockerEngine[]> {
  if (process.env.CLOUDFREEDOM_DEMO_ENGINE === "off") {
    console.log("Docker engine  off (CLOUDFREEDOM_DEMO_ENGINE=off): tenants run on the emulator's model only, no containers\n");
    return [];
  }
  const skip = dockerEngineSkipReason() ?? (process.getuid?.() !== 0 ? "a private dockerd needs root" : undefined);
  if (skip) {
    console.log(`Docker engine  not used: ${skip}. Tenants run on the emulator's model only, no containers.\n`);
    return [];
  }
  const what = count === 1 ? "a private dockerd" : `${count} private dockerds (one per server)`;
  console.log(`Docker engine  starting ${what} with the stand-in images (first time: builds them)…`);
  const engines: DockerEngine[] = [];
  try {
    for (let i = 0; i < count; i++) engines.push(await startDockerEngine());
    return engines;
  } catch (error) {
    await Promise.all(engines.map((engine) => engine.stop()));
    console.log(`Docker engine  not used: ${(error as Error).message.split("\n")[0]}. Tenants run on the emulator's model only.\n`);
    return [];
  }
}
