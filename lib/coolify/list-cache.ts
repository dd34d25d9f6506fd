// The two adoption lists (GET /projects, GET /services) fetched once per process and per (url, token), then kept in
// step with our own writes. Providers list before every create so that a create after a lost answer adopts instead of
// duplicating; a dynamic-provider process lives for one whole `pulumi up`, so one list serves every create of the run.
// Writes made through this client update the cache (create, rename) or drop from it (delete); a list with
// `fresh: true` goes to Coolify again and is what a caller uses after a lost answer. Runtime state only: no config
// is read here, and the token appears in the key only as a hash.
import { resolveApiBase, type CoolifyConnection } from "./client";
import { throttleKey } from "./throttle";

/** What adoption needs of a listed project or service. */
export interface Listed {
  uuid: string;
  name: string;
  description: string | null;
}

export interface ListOptions {
  /** Ask Coolify again instead of using the cached list (after a lost answer, or to see changes made by others). */
  fresh?: boolean;
}

interface Overlay<T> {
  fields: Partial<T>;
  /** Whether `fields` is a whole item (our own create), so it is listed even where the fetched list lacks it. */
  whole: boolean;
  /** `writes` counter when it was noted: a fetch started after it already reflects it. */
  seq: number;
}

interface Entry<T> {
  fetched?: Promise<T[]>;
  /** Our writes since the fetch in `fetched` was started, by uuid. */
  overlay: Map<string, Overlay<T>>;
  /** Deleted by us: never listed again (Coolify keeps a service listed until its queued delete has run). */
  gone: Set<string>;
  writes: number;
}

/** One cached list kind (projects or services), keyed by connection. */
export class ListCache<T extends Listed> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly fetch: (conn: CoolifyConnection) => Promise<T[]>) {}

  /** The list as Coolify had it at the first (or last fresh) fetch, with our own writes since applied. */
  async list(conn: CoolifyConnection, options: ListOptions = {}): Promise<T[]> {
    const entry = this.entry(conn);
    if (options.fresh || !entry.fetched) this.refetch(entry, conn);
    const fetched = await entry.fetched!;
    const seen = new Set<string>();
    const items: T[] = [];
    for (const item of fetched) {
      if (entry.gone.has(item.uuid)) continue;
      seen.add(item.uuid);
      items.push({ ...item, ...entry.overlay.get(item.uuid)?.fields });
    }
    for (const [uuid, overlay] of entry.overlay) {
      if (overlay.whole && !seen.has(uuid) && !entry.gone.has(uuid)) items.push(overlay.fields as T);
    }
    return items;
  }

  /** Notes an item we created (or fully know). A no-op while nothing is cached for this connection. */
  remember(conn: CoolifyConnection, item: T): void {
    this.note(conn, item.uuid, item, true);
  }

  /** Notes changed fields of an item (a rename). */
  patch(conn: CoolifyConnection, uuid: string, fields: Partial<T>): void {
    this.note(conn, uuid, fields, false);
  }

  /** Notes an item we deleted (or found already gone). */
  forget(conn: CoolifyConnection, uuid: string): void {
    this.existing(conn)?.gone.add(uuid);
  }

  /** Drops the cached list: the next `list` fetches. For a write whose result is not known in full. */
  invalidate(conn: CoolifyConnection): void {
    const entry = this.existing(conn);
    if (entry) entry.fetched = undefined;
  }

  private note(conn: CoolifyConnection, uuid: string, fields: Partial<T>, whole: boolean): void {
    const entry = this.existing(conn);
    if (!entry) return;
    const previous = entry.overlay.get(uuid);
    const set = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
    entry.writes += 1;
    entry.overlay.set(uuid, { fields: { ...previous?.fields, ...set }, whole: whole || (previous?.whole ?? false), seq: entry.writes });
  }

  private refetch(entry: Entry<T>, conn: CoolifyConnection): void {
    const startedAt = entry.writes;
    const fetched = this.fetch(conn).then((items) => {
      // Writes noted before this fetch started are in what it returned; later ones stay on top.
      if (entry.fetched === fetched) {
        for (const [uuid, overlay] of entry.overlay) if (overlay.seq <= startedAt) entry.overlay.delete(uuid);
      }
      return items;
    });
    // A failed fetch is not cached: the next caller asks again.
    fetched.catch(() => {
      if (entry.fetched === fetched) entry.fetched = undefined;
    });
    entry.fetched = fetched;
  }

  private key(conn: CoolifyConnection): string {
    return throttleKey(resolveApiBase(conn.url), conn.token);
  }

  private existing(conn: CoolifyConnection): Entry<T> | undefined {
    return this.entries.get(this.key(conn));
  }

  private entry(conn: CoolifyConnection): Entry<T> {
    const key = this.key(conn);
    let entry = this.entries.get(key);
    if (!entry) this.entries.set(key, (entry = { overlay: new Map(), gone: new Set(), writes: 0 }));
    return entry;
  }
}
