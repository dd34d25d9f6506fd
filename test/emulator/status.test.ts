// Container and service statuses as Coolify's ContainerStatusAggregator computes them (docker mode reads the real
// containers; the pure mode's rows go through the same service aggregation).
import { describe, expect, it } from "vitest";
import { healthFromStatus } from "../../emulator/deploy/engine";
import { aggregateStatuses, engineContainerStatus } from "../../emulator/model/status";

describe("Coolify's container status aggregation", () => {
  it.each([
    ["running", "healthy", "running:healthy"],
    ["running", "unhealthy", "running:unhealthy"],
    ["running", "starting", "running:unknown"],
    ["running", null, "running:unknown"],
    ["restarting", null, "restarting:unknown"],
    ["exited", null, "exited"],
    ["created", null, "starting:unknown"],
    ["paused", null, "paused:unknown"],
    ["dead", null, "degraded:unhealthy"],
  ])("reads a %s container with health %s as %s", (state, health, expected) => {
    expect(engineContainerStatus(state, health)).toBe(expected);
  });

  it.each([
    [["running:healthy", "running:healthy"], "running:healthy"],
    [["running:healthy", "running:unknown"], "running:unknown"],
    [["running:healthy", "running:unhealthy"], "running:unhealthy"],
    [["running:healthy", "exited"], "degraded:unhealthy"],
    [["running:healthy", "starting:unknown"], "starting:unknown"],
    [["running:healthy", "restarting:unknown"], "degraded:unhealthy"],
    [["exited", "exited"], "exited"],
    [["paused:unknown", "exited"], "paused:unknown"],
    [[], "exited"],
  ])("aggregates %j to %s", (statuses, expected) => {
    expect(aggregateStatuses(statuses)).toBe(expected);
  });

  it("reads the health docker ps shows in a container's Status text", () => {
    expect(healthFromStatus("Up 5 seconds (healthy)")).toBe("healthy");
    expect(healthFromStatus("Up 2 minutes (unhealthy)")).toBe("unhealthy");
    expect(healthFromStatus("Up 1 second (health: starting)")).toBe("starting");
    expect(healthFromStatus("Up 3 seconds")).toBeNull();
  });
});
