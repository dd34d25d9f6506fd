import { defineManifest } from "../../../lib/templates/manifest";
import released from "../1.0.0/manifest";

// Only the compose changed (the health check cadence); inputs, env, limits and checks are 1.0.0's, which is
// immutable, so reusing it cannot drift.
export default defineManifest({ ...released, version: "1.0.1", status: "draft" });
