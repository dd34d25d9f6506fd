// Which Pulumi stack owns a Coolify object: its description carries our marker, which names the stack
// (`stack=<organisation>/<project>/<stack>`). A marker written before stacks were named (no `stack=`) counts as
// ours and is rewritten on the next update. Pure, no network.

/** `<organisation>/<project>/<stack>` of the program that declares a resource (pulumi.getOrganization() etc.). */
export type StackName = string;

/** What the marker in a description says about its owner: none, a legacy marker (no stack), or a stack. */
export type Owner = { marked: false } | { marked: true; stack?: StackName };

export function ownerOf(description: string | null | undefined, pattern: RegExp): Owner {
  const match = pattern.exec(description ?? "");
  if (!match) return { marked: false };
  return match.groups?.stack ? { marked: true, stack: match.groups.stack } : { marked: true };
}

/** Ours: our stack's marker, or a legacy marker without a stack. */
export function isOwnedBy(owner: Owner, stack: StackName | undefined): boolean {
  return owner.marked && (owner.stack === undefined || owner.stack === stack);
}

/** Another stack's marker that this run may take over (`CLOUDFREEDOM_CLAIM_FROM=<stack>`, passed as `claimFrom`). */
export function isClaimable(owner: Owner, claimFrom: string | undefined): boolean {
  return owner.marked && owner.stack !== undefined && claimFrom !== undefined && claimFrom !== "" && owner.stack === claimFrom;
}

export class ForeignOwnerError extends Error {
  constructor(readonly what: string, readonly otherStack: string, readonly stack: string | undefined, action: string) {
    super(
      `${what} belongs to the Pulumi stack ${otherStack}, not to this one (${stack ?? "unnamed"}); refusing to ${action} it. ` +
        `Another checkout or backend manages it: run there instead. For a deliberate migration to this stack: ` +
        `CLOUDFREEDOM_CLAIM_FROM=${otherStack} pulumi up`,
    );
    this.name = "ForeignOwnerError";
  }
}

export class UnmarkedError extends Error {
  constructor(readonly what: string) {
    super(
      `${what} no longer carries the cloudfreedom-agents ownership marker in its description; refusing to delete it. ` +
        "Restore the marker in Coolify, or drop the resource from this stack's state with `pulumi state delete <urn>`.",
    );
    this.name = "UnmarkedError";
  }
}

/** Throws unless the object is ours, for a delete. */
export function assertDeletable(what: string, owner: Owner, stack: StackName | undefined): void {
  if (!owner.marked) throw new UnmarkedError(what);
  if (!isOwnedBy(owner, stack)) throw new ForeignOwnerError(what, owner.stack!, stack, "delete");
}
