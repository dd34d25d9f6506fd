// program/fresh-task.ts: declarations run in a task of their own, so the call stack Pulumi records for each
// registration ends at our frames.
import { describe, expect, it } from "vitest";
import { inFreshTask } from "../../program/fresh-task";

function stackHere(): string {
  return new Error("probe").stack ?? "";
}

async function awaitingCaller(fresh: boolean): Promise<string> {
  await Promise.resolve();
  return fresh ? inFreshTask(stackHere) : stackHere();
}

describe("inFreshTask", () => {
  it("settles with what declare returns, called with the given arguments", async () => {
    await expect(inFreshTask((a: number, b: string) => `${b}${a}`, 1, "x")).resolves.toBe("x1");
  });

  it("rejects with what declare throws", async () => {
    await expect(inFreshTask(() => { throw new Error("tenant acme: bad"); })).rejects.toThrow("tenant acme: bad");
  });

  it("leaves the awaiting caller out of the stack, where a plain call after an await has it", async () => {
    expect(await awaitingCaller(false)).toContain("awaitingCaller");
    const fresh = await awaitingCaller(true);
    expect(fresh).toContain("stackHere");
    expect(fresh).not.toContain("awaitingCaller");
  });
});
