export function createCa(
  crypto: Crypto,
  opts?: {
    name?: string
    type?: 'ec' | 'rsa' | 'ed25519'
    notBefore?: Date
    notAfter?: Date
    isCa?: boolean
  },
): Promise<{ cert: string; key: string }>
