// @peculiar/x509 needs decorator metadata before it loads (src/index.ts does this too), and signs
// with WebCrypto. Every certs module that uses it imports this module first.
import 'reflect-metadata'
import { cryptoProvider } from '@peculiar/x509'

cryptoProvider.set(crypto)
