export function createCa(
  crypto: Crypto,
  opts?: {
    name?: string
    type?: 'ec' | 'rsa' | 'ed25519'
    notBefore?: Date
    notAfter?: Date
    isCa?: boolean
    /** KeyUsageFlags bits (tests only). */
    keyUsage?: number
  }
): Promise<{ cert: string; key: string }>
