/**
 * Hex to bytes: `undefined` for anything that is not an even number of hex digits (either case).
 * The one hex decoder for the tree; `toHex` in `./crypto` is its inverse.
 */
export function fromHex(text: string): Uint8Array | undefined {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) return undefined
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16)
  return out
}
