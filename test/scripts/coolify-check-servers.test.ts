// coolify:check checks every server of coolifyServers, not only coolifyServerUuid.
import { describe, expect, it } from "vitest";
import { settings } from "../../scripts/coolify-check";

const BASE = { coolifyUrl: "https://coolify.example.com", coolifyToken: "tok" };

describe("coolify:check servers", () => {
  it("checks each server listed in coolifyServers, and coolifyServerUuid once", () => {
    const config = { ...BASE, coolifyServers: JSON.stringify([{ uuid: "s1", cpus: 4, memoryGb: 8 }, { uuid: "s2", cpus: 2, memoryGb: 4 }]), coolifyServerUuid: "s1" };
    expect(settings({}, {}, () => config, () => "org/p/s").servers).toEqual(["s1", "s2"]);
  });

  it("still reads coolifyServerUuid alone", () => {
    expect(settings({}, {}, () => ({ ...BASE, coolifyServerUuid: "s9" }), () => "org/p/s").servers).toEqual(["s9"]);
  });
});
