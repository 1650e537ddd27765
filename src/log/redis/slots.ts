/** Redis Cluster's key → slot mapping (CRC16/XMODEM of the key or its hash tag, modulo 16384). */
export const SLOTS = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
  TABLE[i] = crc & 0xffff;
}

export function crc16(text: string): number {
  let crc = 0;
  for (const byte of Buffer.from(text, 'utf8')) crc = ((crc << 8) ^ TABLE[((crc >> 8) ^ byte) & 0xff]) & 0xffff;
  return crc;
}

/** The slot of a hash tag's content (the text between a key's first `{` and the next `}`). */
export const tagSlot = (tag: string): number => crc16(tag) % SLOTS;

let tags: string[] | undefined;

/**
 * For every slot, the shortest decimal number whose hash tag lands in it, so a key can be put in
 * any slot on purpose: `…{${tagForSlot(s)}}…` lives in slot s.
 */
export function tagForSlot(slot: number): string {
  if (!tags) {
    const found: string[] = new Array<string>(SLOTS);
    let missing = SLOTS;
    for (let n = 0; missing > 0; n++) {
      const s = tagSlot(String(n));
      if (found[s] === undefined) {
        found[s] = String(n);
        missing--;
      }
    }
    tags = found;
  }
  return tags[slot];
}
