import { ErrorCode, SharecastError } from '../errors.js';
import type { NameStore } from './name-store.js';
import { NAME_MAX_LENGTH, RESERVED_NAMES, foldName, generatedName, validateName } from './names.js';

/**
 * Who holds which name among the connected users, and the names they chose
 * (persisted in the NameStore). Names are compared folded (foldName), so
 * "Brave Otter", "brave-otter" and "Brаve Otter" (Cyrillic а) are one name.
 */
export class ChatNames {
  readonly #store: NameStore;
  readonly #extraReserved: () => string[];
  /** Folded name -> id of the connected user holding it. */
  readonly #inUse = new Map<string, string>();

  constructor(store: NameStore, extraReserved: () => string[]) {
    this.#store = store;
    this.#extraReserved = extraReserved;
  }

  /** admin, moderator, system and the streamer's name. */
  reserved(): string[] {
    return [...RESERVED_NAMES, ...this.#extraReserved()];
  }

  /**
   * The name a user arriving now gets: the one they chose (or the generated
   * one when that is now reserved or they never chose), with a number added
   * when a connected user holds it. Marks it as held.
   */
  claim(userId: string): string {
    let base = this.#store.get(userId) ?? generatedName(userId);
    try {
      validateName(base, this.reserved());
    } catch {
      base = generatedName(userId);
    }
    let name = base;
    for (let n = 2; this.#inUse.has(foldName(name)); n++) {
      const suffix = ` ${n}`;
      name = [...base].slice(0, NAME_MAX_LENGTH - suffix.length).join('') + suffix;
    }
    this.#inUse.set(foldName(name), userId);
    return name;
  }

  /** The user left: their name is free again. */
  release(userId: string, name: string): void {
    if (this.#inUse.get(foldName(name)) === userId) this.#inUse.delete(foldName(name));
  }

  /** Checks a rename; returns the clean name or throws too_long / invalid (reserved, taken, bad characters). */
  check(userId: string, raw: unknown): string {
    const name = validateName(raw, this.reserved());
    const owner = this.#inUse.get(foldName(name));
    if (owner !== undefined && owner !== userId) throw new SharecastError(ErrorCode.Invalid, `"${name}" is taken by someone here, or looks like a name that is`);
    return name;
  }

  /** Moves the user from `previous` to `name` and remembers the choice. */
  rename(userId: string, previous: string, name: string): void {
    this.release(userId, previous);
    this.#inUse.set(foldName(name), userId);
    this.#store.set(userId, name);
  }

  close(): Promise<void> {
    return this.#store.close();
  }
}
