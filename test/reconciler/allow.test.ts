// The allow variables would apply to every run of a reconciler started with them: its start refuses them.
import { describe, expect, it } from "vitest";
import { AllowVariableError } from "../../reconciler/config";
import { startReconciler } from "../../reconciler/reconciler";

describe("the reconciler's start", () => {
  it("refuses an allow variable in its environment before it touches the stack, naming the variable and the one-run way", async () => {
    for (const name of ["CLOUDFREEDOM_ALLOW_TEARDOWN", "CLOUDFREEDOM_ALLOW_REPLACE", "CLOUDFREEDOM_CLAIM_FROM", "CLOUDFREEDOM_DELETE_VOLUMES"]) {
      const started = startReconciler({ stackName: "prod", workDir: "/nonexistent/project", port: 0, envVars: { [name]: "acme" }, log: () => undefined });
      const error = await started.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AllowVariableError);
      expect((error as Error).message).toMatch(new RegExp(`^The reconciler refuses to start:\\n  - ${name} is set in the reconciler's environment, where it would apply to every run from now on`));
      expect((error as Error).message).toContain("pulumi up --stack prod");
    }
  });
});
