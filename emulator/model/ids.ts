import { randomBytes, randomInt } from "node:crypto";

const LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const SYMBOLS = "!@#$%^&*()-_=+[]{}<>?";

export function randomFrom(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Coolify uuids: 24 random lowercase alphanumerics (notes §1). */
export function newUuid(): string {
  return randomFrom(LOWER_ALNUM, 24);
}

export function randomAlnum(length: number): string {
  return randomFrom(ALNUM, length);
}

export function randomLowerAlnum(length: number): string {
  return randomFrom(LOWER_ALNUM, length);
}

export function randomWithSymbols(length: number): string {
  return randomFrom(ALNUM + SYMBOLS, length);
}

export function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString("hex").slice(0, length);
}

/** Laravel's timestamp serialisation: microsecond precision, UTC. */
export function timestamp(at: Date = new Date()): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
