import { env } from 'cloudflare:workers'

/**
 * The real THROTTLES namespace, counting the calls that reach a throttle object (every RPC method
 * call on a stub it hands out). Nothing is replaced: the objects answer as they always do.
 */
export function countingThrottles() {
  const counter = { calls: 0, methods: [] as string[] }
  const ns = env.THROTTLES
  const wrapped = new Proxy(ns, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (prop === 'get') {
        return (id: DurableObjectId) => {
          const stub = target.get(id)
          return new Proxy(stub, {
            get(s, p) {
              const v = Reflect.get(s, p, s)
              if (typeof v !== 'function' || typeof p !== 'string') return v
              return (...args: unknown[]) => {
                counter.calls++
                counter.methods.push(p)
                // Reflect.apply: on an RPC stub, `.apply` would itself be a remote method.
                return Reflect.apply(v, s, args)
              }
            },
          })
        }
      }
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { ns: wrapped, counter }
}

/** The real CACHE namespace, counting its operations (a bulk get is one). */
export function countingKv() {
  const counter = { ops: 0, gets: [] as unknown[] }
  const kv = env.CACHE
  const wrapped = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        counter.ops++
        if (prop === 'get') counter.gets.push(args[0])
        return (value as Function).apply(target, args)
      }
    },
  })
  return { kv: wrapped, counter }
}
