// The program's own failures are for the operator: the message names the problem and the fix, and a
// stack would only bury it. Pulumi prints a RunError as its message alone.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../lib/config";
import { TemplateError } from "../templates";
import { TenantSourceError } from "../lib/tenants/errors";
import { PassphraseError } from "./passphrase";
import { FleetTeardownError } from "./shard-teardown";
import { TenantPlanError } from "./plan";
import { TenantRunError } from "./report";

/**
 * A ConfigError, TenantSourceError, TenantPlanError, TemplateError, TenantRunError, PassphraseError or FleetTeardownError as a stackless RunError with the
 * same message; anything else (a bug) unchanged, stack and all.
 */
export function asOperatorError(error: unknown): unknown {
  const known = [ConfigError, TenantSourceError, TenantPlanError, TemplateError, TenantRunError, PassphraseError, FleetTeardownError].some((type) => error instanceof type);
  if (!known) return error;
  const run = new pulumi.RunError((error as Error).message);
  // Without a stack Pulumi never runs util.inspect on it: with colors, Node 22's inspect spends
  // ~90 s of CPU on this program's stack frames and then throws RangeError (pulumi/pulumi#20567).
  run.stack = "";
  return run;
}
